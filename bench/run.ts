/**
 * `npm run bench [-- --quick]`: every benchmark of the project, one table at the end.
 * Each figure is measured beside its baseline in the same run, because these machines are shared
 * and noisy: bare node:http answering the same bytes, on the same machine, at the same concurrency.
 * Our server runs as users run it (a child process, `LOG_LEVEL=warn`, rate limits off).
 */
import pg from 'pg';
import { PG_URL, load, medianMs, pool, startBare, startOurs, type OurServer } from './lib.ts';
import { jobRunsBench } from './job-runs.ts';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = 64;
const SCALE = quick ? [1_000, 10_000] : [1_000, 10_000];

interface Row {
  bench: string;
  db: string;
  figure: string;
  baseline: string;
  ratio: string;
  goal: string;
}
const rows: Row[] = [];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function createProjects(s: OurServer, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  const indexes = Array.from({ length: to - from }, (_, i) => from + i);
  await pool(indexes, 16, async (i) => {
    const res = await fetch(s.url + '/transactional/v2/projects', {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `bench project ${i}`,
        generator: 'bench',
        type: i % 2 ? 'cpd' : 'wx',
        tags: i % 10 === 0 ? ['bench', 'tenth'] : ['bench'],
        storage: { type: 'assetfiles' },
      }),
    });
    const body = (await res.json()) as { location?: string };
    if (res.status >= 300 || !body.location)
      throw new Error(`create failed: ${res.status} ${JSON.stringify(body)}`);
    ids.push(body.location.split('/').pop()!);
  });
  return ids;
}

/** Throughput and p99 of one GET against ours and against bare node:http serving the same bytes. */
async function versusBare(s: OurServer, db: string, name: string, path: string): Promise<void> {
  const headers = { authorization: `Bearer ${s.token}` };
  const sample = await fetch(s.url + path, { headers });
  const body = await sample.text();
  if (sample.status !== 200) throw new Error(`${path}: ${sample.status} ${body}`);
  const bare = await startBare(body);
  try {
    await load(bare.url, { connections: CONNECTIONS, seconds: 1 }); // warm-up
    const base = await load(bare.url, { connections: CONNECTIONS, seconds: SECONDS, pid: bare.pid });
    await load(s.url + path, { connections: CONNECTIONS, seconds: 1, headers });
    const ours = await load(s.url + path, {
      connections: CONNECTIONS,
      seconds: SECONDS,
      headers,
      pid: s.pid,
    });
    if (ours.errors) throw new Error(`${name}: ${ours.errors} failed requests`);
    rows.push({
      bench: `${name}: req/s at ${CONNECTIONS} connections`,
      db,
      figure: fmt(ours.rps),
      baseline: `${fmt(base.rps)} (bare node:http)`,
      ratio: (ours.rps / base.rps).toFixed(2),
      goal: '>= 0.5',
    });
    rows.push({
      bench: `${name}: server CPU µs per request (bare / ours = capacity ratio)`,
      db,
      figure: fmt(ours.cpuUsPerRequest!),
      baseline: `${fmt(base.cpuUsPerRequest!)} (bare node:http)`,
      ratio: (base.cpuUsPerRequest! / ours.cpuUsPerRequest!).toFixed(2),
      goal: '>= 0.5',
    });
    rows.push({
      bench: `${name}: p99 latency (ms)`,
      db,
      figure: fmt(ours.p99, 1),
      baseline: `${fmt(base.p99, 1)} (bare node:http)`,
      ratio: (ours.p99 / Math.max(base.p99, 1)).toFixed(2),
      goal: '<= 15 ms',
    });
  } finally {
    await bare.stop();
  }
}

/** p50 of a list page as the database grows, with the page deep in the list too. */
async function listScale(s: OurServer, db: string, alreadyCreated: number): Promise<void> {
  const headers = { authorization: `Bearer ${s.token}` };
  let created = alreadyCreated;
  const p50s: number[] = [];
  for (const total of SCALE) {
    await createProjects(s, created, total);
    created = total;
    // Follow bookmarks to the middle of the list, then time that page and the first one.
    let bookmark = '';
    for (let page = 0; page < total / 2 / 100; page++) {
      const res = await fetch(`${s.url}/v2/projects?limit=100${bookmark ? `&bookmark=${bookmark}` : ''}`, {
        headers,
      });
      bookmark = ((await res.json()) as { bookmark?: string }).bookmark ?? '';
    }
    const first = await medianMs(quick ? 50 : 200, async () => {
      await (await fetch(`${s.url}/v2/projects?limit=10`, { headers })).arrayBuffer();
    });
    const deep = await medianMs(quick ? 50 : 200, async () => {
      await (await fetch(`${s.url}/v2/projects?limit=10&bookmark=${bookmark}`, { headers })).arrayBuffer();
    });
    p50s.push(first);
    rows.push({
      bench: `list page (limit 10) with ${fmt(total)} projects: p50 ms, first | middle page`,
      db,
      figure: `${first.toFixed(2)} | ${deep.toFixed(2)}`,
      baseline: total === SCALE[0] ? '-' : `${p50s[0].toFixed(2)} (with ${fmt(SCALE[0])})`,
      ratio: total === SCALE[0] ? '-' : (first / p50s[0]).toFixed(2),
      goal: '<= 10 ms, flat',
    });
  }
}

async function runOn(db: 'sqlite' | 'postgres'): Promise<void> {
  const s = await startOurs(db);
  try {
    const seeded = 20;
    const [id] = await createProjects(s, 0, seeded);
    await versusBare(s, db, 'GET /v2/projects/{id}', `/v2/projects/${id}`);
    await versusBare(
      s,
      db,
      'filtered project list',
      '/v2/projects?tag_names=tenth&type=wx&limit=10&include=fields',
    );
    await listScale(s, db, seeded);
    rows.push(...(await jobRunsBench(s, db, quick)));
  } finally {
    await s.stop();
  }
}

await runOn('sqlite');
if (await postgresReachable()) await runOn('postgres');
else console.log(`PostgreSQL not reachable at ${PG_URL} (set BENCH_DATABASE_URL): its rows are missing.`);

const header: Row = {
  bench: 'benchmark',
  db: 'db',
  figure: 'ours',
  baseline: 'baseline',
  ratio: 'ratio',
  goal: 'goal',
};
const widths = Object.keys(header).map((k) =>
  Math.max(...[header, ...rows].map((r) => r[k as keyof Row].length)),
);
const line = (r: Row) =>
  '| ' +
  Object.keys(header)
    .map((k, i) => r[k as keyof Row].padEnd(widths[i]))
    .join(' | ') +
  ' |';
console.log(
  `\n${quick ? 'Quick run' : 'Full run'}: ${SECONDS}s per load test, ${CONNECTIONS} connections, autocannon in this process.\n`,
);
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
