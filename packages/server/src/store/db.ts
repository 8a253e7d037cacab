import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PlannedOnceSqliteDialect } from './sqlite-dialect.ts';
import type { ServerConfig } from '../platform/config.ts';
import type { PlatformTables } from './platform-tables.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * One query layer over both databases. Columns stay portable: text ids and ISO timestamps,
 * integers for flags and counters, JSON as text. Areas extend the table types with
 * `store.db.withTables<TheirTables>()`.
 */
export interface Store {
  db: Kysely<PlatformTables>;
  dialect: Dialect;
  /**
   * Runs one read outside any transaction, on committed data; the hot reads (role checks, list
   * pages) use it through preparedQuery and shapedQuery. On SQLite at once, without a promise, on
   * a second, read-only connection: it never queues behind the writer's transactions. On
   * PostgreSQL as a named prepared statement: the server parses and plans it once per connection.
   */
  readCommitted: (sql: string, parameters: readonly unknown[]) => unknown[] | Promise<unknown[]>;
  /** true when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Inside a PostgreSQL transaction whose work is redone from the start after a crash (an import
 * that has not finished): its commit does not wait for the WAL to reach the disk. A crash can
 * only lose such commits whole, never corrupt anything, and the next ordinary commit (the one
 * that marks the work done) flushes them first. A no-op on SQLite (synchronous=NORMAL already).
 */
export async function redoableCommit(trx: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`set local synchronous_commit = off`.execute(trx);
}

/** How often SQLite's statistics are brought up to date (see openStore). */
const SQLITE_OPTIMIZE_MS = 10 * 60_000;

export function openStore(config: ServerConfig): Store {
  const dialect: Dialect = config.databaseUrl?.startsWith('postgres') ? 'postgres' : 'sqlite';
  let db: Kysely<PlatformTables>;
  let readCommitted: Store['readCommitted'];
  let closeReader = () => {};
  /** Last maintenance before the database closes (SQLite: its statistics). */
  let lastMaintenance = () => {};
  if (dialect === 'postgres') {
    // int8 (count(*)) arrives as a string by default; our counts fit in a JS number.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: 10,
      options: config.databaseSchema ? `-c search_path=${config.databaseSchema}` : undefined,
    });
    db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    const names = new Map<string, string>();
    readCommitted = async (text, values) => {
      let name = names.get(text);
      if (!name) {
        name = 'r' + crypto.createHash('sha1').update(text).digest('hex').slice(0, 20);
        names.set(text, name);
      }
      return (await pool.query({ name, text, values: values as unknown[] })).rows;
    };
  } else {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const file = new Database(path.join(config.dataDir, 'common-core.sqlite'));
    file.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process kill (not a power cut) and keeps commits fast.
    file.pragma('synchronous = NORMAL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    db = new Kysely({ dialect: new PlannedOnceSqliteDialect({ database: withStatementCache(file) }) });
    const reader = new Database(path.join(config.dataDir, 'common-core.sqlite'), { readonly: true });
    reader.pragma('busy_timeout = 5000');
    withStatementCache(reader);
    readCommitted = (source, parameters) => reader.prepare(source).all(...parameters);
    // Planner statistics, as SQLite advises: without them a rare tag's search walks a whole
    // container. `optimize` analyzes only tables that lack statistics or changed much since, and
    // reads at most `analysis_limit` rows of an index to do it; never inside a transaction.
    file.pragma('analysis_limit = 1000');
    const optimize = () => {
      if (!file.open || file.inTransaction) return;
      try {
        file.pragma('optimize = 0x10002');
      } catch {
        // busy: the next round does it
      }
    };
    optimize();
    const optimizer = setInterval(optimize, SQLITE_OPTIMIZE_MS);
    optimizer.unref();
    closeReader = () => {
      clearInterval(optimizer);
      reader.close();
    };
    lastMaintenance = optimize;
  }
  return {
    db,
    dialect,
    readCommitted,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      lastMaintenance();
      await db.destroy();
      closeReader();
    },
  };
}

/**
 * Kysely prepares every query anew; preparing costs more than running a small query, so keep the
 * prepared statements of the most recent distinct SQL texts. Safe because Kysely's SQLite driver
 * runs one statement at a time on its single connection. Transactions begin immediate (see below).
 */
function withStatementCache(db: Database.Database, size = 500): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = db.prepare.bind(db);
  // An own property shadows the prototype's method: cheaper on every query than a Proxy.
  db.prepare = ((source: string) => {
    // A deferred transaction that reads, then writes, fails with SQLITE_BUSY at once when
    // another process (a second instance on the same file) committed in between: the wait of
    // busy_timeout does not apply to that upgrade. Taking the write lock at `begin` makes
    // writers queue instead.
    if (source === 'begin') source = 'begin immediate';
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source); // re-insert: most recently used last
    } else {
      stmt = prepare(source);
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, stmt);
    return stmt;
  }) as typeof db.prepare;
  return db;
}

/** JSON columns are text on both databases. */
export const toJson = (value: unknown): string => JSON.stringify(value ?? null);
export const fromJson = <T>(text: string | null | undefined, fallback: T): T =>
  text === null || text === undefined || text === '' ? fallback : (JSON.parse(text) as T);

export const nowIso = (): string => new Date().toISOString();
