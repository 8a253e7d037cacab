import mysql from 'mysql2/promise';
import pg from 'pg';
import { badRequest } from '../../platform/errors.ts';
import type { DatasourceType } from '../datasource-types/model.ts';

/** How long a connect may take before the test fails (short: a request waits on it). */
export const CONNECT_TIMEOUT_MS = Math.min(
  Math.max(Number(process.env.CONNECTION_TIMEOUT_MS) || 5000, 100),
  30_000,
);
/** How long one discovery or action query may run. */
export const QUERY_TIMEOUT_MS = 15_000;

export interface Column {
  name: string;
  type: string;
  length: number;
  scale: number;
  nullable: boolean;
  signed: boolean;
}

/** One connected relational source; every method takes identifiers as data, never as SQL text. */
export interface SqlSource {
  info(): Promise<{ product: string; version: string }>;
  schemas(limit: number, offset: number): Promise<{ names: string[]; total: number }>;
  /** undefined when the schema does not exist. */
  tables(
    schema: string,
    limit: number,
    offset: number,
  ): Promise<{ names: string[]; total: number } | undefined>;
  /** undefined when the table does not exist. */
  columns(schema: string, table: string): Promise<Column[] | undefined>;
  rows(schema: string, table: string, limit: number, offset: number): Promise<unknown[][]>;
  count(schema: string, table: string): Promise<number>;
  approxCount(schema: string, table: string): Promise<number>;
  close(): Promise<void>;
}

const SYSTEM_SCHEMAS = ['information_schema', 'pg_catalog', 'pg_toast', 'mysql', 'performance_schema', 'sys'];

/** Rewrites the driver's message so that no secret it might echo reaches the caller or a log. */
export function scrub(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('********');
  return out.slice(0, 500);
}

/** A value as JSON can carry it. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'bigint') return v.toString();
  if (v !== null && typeof v === 'object') return JSON.parse(JSON.stringify(v));
  return v;
}

const bool = (v: string | undefined) => v === 'true';
const port = (v: string | undefined, fallback: number) => (v && /^\d+$/.test(v) ? Number(v) : fallback);

async function openPostgres(p: Record<string, string>): Promise<SqlSource> {
  const client = new pg.Client({
    host: p.host,
    port: port(p.port, 5432),
    database: p.database,
    user: p.username,
    password: p.password ?? '',
    ssl: bool(p.ssl)
      ? p.ssl_certificate
        ? { ca: p.ssl_certificate }
        : { rejectUnauthorized: false }
      : false,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    statement_timeout: QUERY_TIMEOUT_MS,
    application_name: 'common-core-connections',
  });
  client.on('error', () => {}); // a dropped connection fails the pending query instead
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  const q = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows;
  const exists = async (schema: string, table?: string) =>
    (
      await q(
        table === undefined
          ? 'select 1 from information_schema.schemata where schema_name = $1'
          : 'select 1 from information_schema.tables where table_schema = $1 and table_name = $2',
        table === undefined ? [schema] : [schema, table],
      )
    ).length > 0;
  const ident = (schema: string, table: string) =>
    `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`;
  return {
    async info() {
      const [row] = await q('select version() as v, current_setting($1) as n', ['server_version']);
      return { product: 'PostgreSQL', version: String(row.n) };
    },
    async schemas(limit, offset) {
      const where = `schema_name <> all($1) and schema_name not like 'pg\\_%'`;
      const rows = await q(
        `select schema_name as n, count(*) over () as total from information_schema.schemata where ${where} order by schema_name limit $2 offset $3`,
        [SYSTEM_SCHEMAS, limit, offset],
      );
      const total = rows.length
        ? Number(rows[0].total)
        : Number(
            (
              await q(`select count(*) as c from information_schema.schemata where ${where}`, [
                SYSTEM_SCHEMAS,
              ])
            )[0].c,
          );
      return { names: rows.map((r) => String(r.n)), total };
    },
    async tables(schema, limit, offset) {
      if (!(await exists(schema))) return undefined;
      const rows = await q(
        'select table_name as n from information_schema.tables where table_schema = $1 order by table_name limit $2 offset $3',
        [schema, limit, offset],
      );
      const [c] = await q('select count(*) as c from information_schema.tables where table_schema = $1', [
        schema,
      ]);
      return { names: rows.map((r) => String(r.n)), total: Number(c.c) };
    },
    async columns(schema, table) {
      if (!(await exists(schema, table))) return undefined;
      const rows = await q(
        `select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable
           from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
        [schema, table],
      );
      return rows.map((r) => ({
        name: String(r.column_name),
        type: String(r.data_type),
        length: Number(r.character_maximum_length ?? r.numeric_precision ?? 0),
        scale: Number(r.numeric_scale ?? 0),
        nullable: r.is_nullable === 'YES',
        signed: /int|numeric|decimal|real|double/.test(String(r.data_type)),
      }));
    },
    async rows(schema, table, limit, offset) {
      const res = await client.query({
        text: `select * from ${ident(schema, table)} limit $1 offset $2`,
        values: [limit, offset],
        rowMode: 'array',
      });
      return res.rows.map((r: unknown[]) => r.map(plain));
    },
    async count(schema, table) {
      const [row] = await q(`select count(*) as c from ${ident(schema, table)}`);
      return Number(row.c);
    },
    async approxCount(schema, table) {
      const [row] = await q(
        'select greatest(c.reltuples, 0)::bigint as c from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2',
        [schema, table],
      );
      return Number(row?.c ?? 0);
    },
    close: () => client.end().catch(() => {}),
  };
}

async function openMysql(p: Record<string, string>): Promise<SqlSource> {
  const conn = await mysql.createConnection({
    host: p.host,
    port: port(p.port, 3306),
    database: p.database,
    user: p.username,
    password: p.password ?? '',
    connectTimeout: CONNECT_TIMEOUT_MS,
    ...(bool(p.ssl)
      ? { ssl: p.ssl_certificate ? { ca: p.ssl_certificate } : { rejectUnauthorized: false } }
      : {}),
  });
  conn.on('error', () => {});
  const q = async (sql: string, values: unknown[] = []) =>
    (await conn.query({ sql, values, timeout: QUERY_TIMEOUT_MS }))[0] as Record<string, unknown>[];
  const exists = async (schema: string, table?: string) =>
    (
      await q(
        table === undefined
          ? 'select 1 from information_schema.schemata where schema_name = ?'
          : 'select 1 from information_schema.tables where table_schema = ? and table_name = ?',
        table === undefined ? [schema] : [schema, table],
      )
    ).length > 0;
  const ident = (schema: string, table: string) => `${mysql.escapeId(schema)}.${mysql.escapeId(table)}`;
  return {
    async info() {
      const [row] = await q('select version() as v');
      const v = String(row.v);
      return { product: /mariadb/i.test(v) ? 'MariaDB' : 'MySQL', version: v };
    },
    async schemas(limit, offset) {
      const rows = await q(
        'select schema_name as n from information_schema.schemata where schema_name not in (?) order by schema_name limit ? offset ?',
        [SYSTEM_SCHEMAS, limit, offset],
      );
      const [c] = await q(
        'select count(*) as c from information_schema.schemata where schema_name not in (?)',
        [SYSTEM_SCHEMAS],
      );
      return { names: rows.map((r) => String(r.n)), total: Number(c.c) };
    },
    async tables(schema, limit, offset) {
      if (!(await exists(schema))) return undefined;
      const rows = await q(
        'select table_name as n from information_schema.tables where table_schema = ? order by table_name limit ? offset ?',
        [schema, limit, offset],
      );
      const [c] = await q('select count(*) as c from information_schema.tables where table_schema = ?', [
        schema,
      ]);
      return { names: rows.map((r) => String(r.n)), total: Number(c.c) };
    },
    async columns(schema, table) {
      if (!(await exists(schema, table))) return undefined;
      const rows = await q(
        `select column_name as name, data_type as type, character_maximum_length as len, numeric_precision as prec,
                numeric_scale as scale, is_nullable as nullable, column_type as ctype
           from information_schema.columns where table_schema = ? and table_name = ? order by ordinal_position`,
        [schema, table],
      );
      return rows.map((r) => ({
        name: String(r.name),
        type: String(r.type),
        length: Number(r.len ?? r.prec ?? 0),
        scale: Number(r.scale ?? 0),
        nullable: r.nullable === 'YES',
        signed: /int|decimal|float|double/.test(String(r.type)) && !/unsigned/.test(String(r.ctype)),
      }));
    },
    async rows(schema, table, limit, offset) {
      const [rows] = await conn.query({
        sql: `select * from ${ident(schema, table)} limit ? offset ?`,
        values: [limit, offset],
        rowsAsArray: true,
        timeout: QUERY_TIMEOUT_MS,
      });
      return (rows as unknown[][]).map((r) => r.map(plain));
    },
    async count(schema, table) {
      const [row] = await q(`select count(*) as c from ${ident(schema, table)}`);
      return Number(row.c);
    },
    async approxCount(schema, table) {
      const [row] = await q(
        'select table_rows as c from information_schema.tables where table_schema = ? and table_name = ?',
        [schema, table],
      );
      return Number(row?.c ?? 0);
    },
    close: () => conn.end().catch(() => {}),
  };
}

/** Whether this server can really connect to sources of the type. */
export const canConnect = (type: DatasourceType) => type.driver !== undefined;

export const cannotConnect = (type: DatasourceType) =>
  badRequest(
    `Connections of data source type '${type.name}' cannot be tested or browsed by this server (it has drivers for PostgreSQL, MySQL and MariaDB only). Save the connection with test=false.`,
    { code: 'invalid_request' },
  );

/**
 * Connects with the given properties (the type's defaults filled in). A failure is a 400 that
 * carries the driver's reason, with every secret value scrubbed from it.
 */
export async function openSource(type: DatasourceType, props: Record<string, string>): Promise<SqlSource> {
  if (!type.driver) throw cannotConnect(type);
  const full: Record<string, string> = {};
  for (const d of type.connection_properties)
    if (d.default_value !== undefined) full[d.name] = d.default_value;
  Object.assign(full, props);
  try {
    return type.driver === 'postgres' ? await openPostgres(full) : await openMysql(full);
  } catch (err) {
    const secrets = type.connection_properties.filter((d) => d.masked).map((d) => full[d.name] ?? '');
    const reason = scrub(
      err instanceof Error ? err.message || String((err as any).code ?? err) : String(err),
      secrets,
    );
    throw badRequest(`The connection test failed: ${reason}`, { code: 'connection_test_failed' });
  }
}

/** Runs work on a connected source and always closes it; query failures become 400s with scrubbed reasons. */
export async function withSource<T>(
  type: DatasourceType,
  props: Record<string, string>,
  work: (s: SqlSource) => Promise<T>,
): Promise<T> {
  const source = await openSource(type, props);
  try {
    return await work(source);
  } catch (err) {
    if ((err as { status?: number }).status) throw err;
    const secrets = type.connection_properties.filter((d) => d.masked).map((d) => props[d.name] ?? '');
    throw badRequest(
      `The data source refused the request: ${scrub(err instanceof Error ? err.message : String(err), secrets)}`,
      {
        code: 'data_source_error',
      },
    );
  } finally {
    await source.close();
  }
}
