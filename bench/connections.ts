/**
 * Connections: create throughput (test=false) with and without a secret to seal, and the p50 of a
 * list page filtered on a property and sorted by name, at 5,000 and at 50,000 connections in one
 * project (the page should cost the same at both sizes). Run by `npm run bench`.
 *
 * A sample is created through the API (that is the create figure); the bulk is copied from one
 * API-made connection straight into the server's database (same rows, new ids, names and hosts),
 * because creating 50,000 through HTTP takes minutes on a shared machine and measures nothing new.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { facetsOf } from '../packages/server/src/areas/connections/facets.ts';
import { medianMs, PG_URL, pool, startOurs, type OurServer } from './lib.ts';
import { benchRowOf, type BenchModule } from './module.ts';

export interface BenchRow {
  bench: string;
  db: string;
  figure: string;
  baseline: string;
  ratio: string;
  goal: string;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

export async function newProject(s: OurServer): Promise<string> {
  const res = await fetch(s.url + '/transactional/v2/projects', {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `bench ${Date.now()}`,
      generator: 'bench',
      storage: { type: 'assetfiles' },
    }),
  });
  const body = (await res.json()) as { location?: string };
  if (!body.location) throw new Error(`project: ${res.status} ${JSON.stringify(body)}`);
  return body.location.split('/').pop()!;
}

/** Creates connections [from, to) with test=false; answers connections per second. */
export async function createConnections(
  s: OurServer,
  projectId: string,
  from: number,
  to: number,
  secret: boolean,
) {
  const indexes = Array.from({ length: to - from }, (_, i) => from + i);
  const started = performance.now();
  await pool(indexes, 16, async (i) => {
    const res = await fetch(`${s.url}/v2/connections?project_id=${projectId}&test=false`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        datasource_type: 'mysql',
        name: `connection ${String(i).padStart(6, '0')}`,
        properties: {
          host: `h${i % 100}.example.com`,
          port: 3306,
          database: 'sales',
          username: `user${i % 7}`,
          ...(secret ? { password: `pw-${i}-secret` } : {}),
        },
      }),
    });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
  return (to - from) / ((performance.now() - started) / 1000);
}

/** Where the child server keeps its data: read from its environment. */
function serverEnv(pid: number): Record<string, string> {
  const pairs = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return Object.fromEntries(
    pairs.filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
}

type Row = Record<string, unknown>;

/** Copies the newest connection into `count` more, numbered from `from`, in one transaction. */
export async function seed(
  s: OurServer,
  db: 'sqlite' | 'postgres',
  from: number,
  count: number,
): Promise<void> {
  const env = serverEnv(s.pid);
  const copies = (asset: Row, index: Row, props: Row[]) => {
    const out: { asset: Row; index: Row; facets: Row[] }[] = [];
    const base = Date.parse(String(asset.created_at));
    for (let k = 0; k < count; k++) {
      const i = from + k;
      const id = `bench-${String(i).padStart(8, '0')}-${Math.random().toString(16).slice(2, 10)}`;
      const created = new Date(base + k + 1).toISOString();
      const name = `connection ${String(i).padStart(6, '0')}`;
      const host = `h${i % 100}.example.com`;
      const entity = JSON.parse(String(asset.entity));
      entity.properties.host = host;
      out.push({
        asset: {
          ...asset,
          asset_id: id,
          name,
          name_lc: name,
          created_at: created,
          updated_at: created,
          entity: JSON.stringify(entity),
        },
        index: { ...index, asset_id: id, name, created_at: created },
        // the server's own facet rows for the copy (the database's triggers count them)
        facets: facetsOf({
          name,
          datasource_type: String(index.datasource_type),
          dsd_asset_id: String(index.dsd_asset_id),
          context: String(index.context),
          creator_id: String(index.creator_id),
          properties: Object.fromEntries(
            props.map((p) => [p.prop_name, p.prop_name === 'host' ? host : p.prop_value]),
          ),
        }).map((f) => ({
          asset_id: id,
          container_kind: index.container_kind,
          container_id: index.container_id,
          flags: index.flags,
          name,
          created_at: created,
          ...f,
        })),
      });
    }
    return out;
  };
  const insert = (table: string, row: Row) => {
    const cols = Object.keys(row);
    return {
      text: `insert into ${table} (${cols.join(', ')}) values (${cols.map((_, i) => (db === 'postgres' ? `$${i + 1}` : '?')).join(', ')})`,
      values: Object.values(row),
    };
  };
  const newest = "select * from assets where asset_type = 'connection' order by created_at desc limit 1";
  if (db === 'sqlite') {
    const file = new Database(path.join(env.DATA_DIR, 'common-core.sqlite'));
    file.pragma('busy_timeout = 10000');
    const asset = file.prepare(newest).get() as Row;
    const index = file
      .prepare('select * from connection_index where asset_id = ?')
      .get(asset.asset_id) as Row;
    const props = file
      .prepare('select * from connection_facets where asset_id = ? and prop_name is not null')
      .all(asset.asset_id) as Row[];
    // statements prepared once; a commit every 1,000 copies, so the server's own writers (its
    // background workers wait 5 s for the lock) are never locked out for the whole load
    const statements = new Map<string, Database.Statement>();
    const all = copies(asset, index, props);
    for (let i = 0; i < all.length; i += 1000) {
      file.transaction(() => {
        for (const c of all.slice(i, i + 1000)) {
          for (const [table, row] of [
            ['assets', c.asset],
            ['connection_index', c.index],
            ...c.facets.map((f) => ['connection_facets', f]),
          ] as [string, Row][]) {
            const q = insert(table, row);
            let st = statements.get(q.text);
            if (!st) statements.set(q.text, (st = file.prepare(q.text)));
            st.run(...q.values);
          }
        }
      })();
    }
    file.close();
    return;
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`set search_path to ${env.DATABASE_SCHEMA}`);
    const asset = (await client.query(newest)).rows[0] as Row;
    const index = (await client.query('select * from connection_index where asset_id = $1', [asset.asset_id]))
      .rows[0] as Row;
    const props = (
      await client.query('select * from connection_facets where asset_id = $1 and prop_name is not null', [
        asset.asset_id,
      ])
    ).rows as Row[];
    await client.query('begin');
    // multi-row inserts, 500 rows a statement: 50,000 single inserts take minutes over a socket
    const batches: Record<string, Row[]> = { assets: [], connection_index: [], connection_facets: [] };
    for (const c of copies(asset, index, props)) {
      batches.assets.push(c.asset);
      batches.connection_index.push(c.index);
      batches.connection_facets.push(...c.facets);
    }
    for (const [table, all] of Object.entries(batches)) {
      for (let i = 0; i < all.length; i += 500) {
        const slice = all.slice(i, i + 500);
        const cols = Object.keys(slice[0]);
        const values: unknown[] = [];
        const tuples = slice.map((row) => `(${cols.map((c) => `$${values.push(row[c])}`).join(', ')})`);
        await client.query(`insert into ${table} (${cols.join(', ')}) values ${tuples.join(', ')}`, values);
      }
    }
    await client.query('commit');
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

export async function connectionRows(db: 'sqlite' | 'postgres', quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const s = await startOurs(db);
  try {
    const projectId = await newProject(s);
    const headers = { authorization: `Bearer ${s.token}` };
    const sample = quick ? 200 : 1000;
    // warm up, then the same create without and with a secret to seal, in alternating rounds
    // (one after the other, the second ran on a warmer server and a fuller table: order, not sealing)
    await createConnections(s, projectId, 0, 100, false);
    const rounds = 4;
    const per = sample / rounds;
    const seconds = { plain: 0, sealed: 0 };
    let next = 100;
    for (let r = 0; r < rounds; r++) {
      for (const secret of r % 2 ? [true, false] : [false, true]) {
        const rate = await createConnections(s, projectId, next, next + per, secret);
        seconds[secret ? 'sealed' : 'plain'] += per / rate;
        next += per;
      }
    }
    const plain = sample / seconds.plain;
    const sealed = sample / seconds.sealed;
    rows.push({
      bench: 'create connection (test=false): per second, with a password to seal',
      db,
      figure: fmt(sealed),
      baseline: `${fmt(plain)} (same create, no secret)`,
      ratio: (sealed / plain).toFixed(2),
      goal: '>= 0.8',
    });
    let created = 100 + 2 * sample;
    const sizes = [5_000, 50_000];
    const p50s: number[] = [];
    for (const total of sizes) {
      await seed(s, db, created, total - created);
      created = total;
      const filter = encodeURIComponent(JSON.stringify({ host: 'h17.example.com' }));
      const url = `${s.url}/v2/connections?project_id=${projectId}&entity.properties=${filter}&sort=%2Bentity.name&limit=10`;
      const check = await fetch(url, { headers });
      const body = (await check.json()) as { total_count: number };
      if (check.status !== 200 || body.total_count !== total / 100)
        throw new Error(`list answered ${check.status}, ${body.total_count} of ${total / 100}`);
      const p50 = await medianMs(quick ? 50 : 200, async () => {
        await (await fetch(url, { headers })).arrayBuffer();
      });
      const unfiltered = await medianMs(quick ? 50 : 200, async () => {
        await (
          await fetch(`${s.url}/v2/connections?project_id=${projectId}&sort=-entity.name&limit=10`, {
            headers,
          })
        ).arrayBuffer();
      });
      p50s.push(p50);
      rows.push({
        bench: `connection list page (limit 10, property filter, sort on name) with ${fmt(total)}: p50 ms | unfiltered`,
        db,
        figure: `${p50.toFixed(2)} | ${unfiltered.toFixed(2)}`,
        baseline: total === sizes[0] ? '-' : `${p50s[0].toFixed(2)} (with ${fmt(sizes[0])})`,
        ratio: total === sizes[0] ? '-' : (p50 / p50s[0]).toFixed(2),
        goal: '<= 10 ms, flat',
      });
    }
  } finally {
    await s.stop();
  }
  return rows;
}

const connectionsBench: BenchModule = async ({ quick, dbs }) => {
  const rows: BenchRow[] = [];
  for (const db of dbs) rows.push(...(await connectionRows(db, quick)));
  return rows.map(benchRowOf);
};
export default connectionsBench;
