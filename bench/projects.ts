/**
 * Projects: an authenticated `GET /v2/projects/{id}` and a filtered list at 64 connections against
 * bare node:http answering the same bytes, and a list page as the number of projects grows.
 * Our server runs as users run it (a child process, `LOG_LEVEL=warn`, rate limits off).
 */
import type { BenchDb, BenchModule, BenchRow } from './module.ts';
import { medianMs, pool, startOurs, versusBare, type OurServer } from './lib.ts';

const CONNECTIONS = 64;
const SCALE = [1_000, 10_000];

export async function createProjects(s: OurServer, from: number, to: number): Promise<string[]> {
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

async function againstBare(s: OurServer, db: BenchDb, name: string, path: string, seconds: number) {
  const { ours, bare, floor } = await versusBare(s, path, { connections: CONNECTIONS, seconds });
  const rows: BenchRow[] = [
    {
      name: `${name}: framework floor (Fastify alone, same bytes), throughput`,
      db,
      figure: Math.round(floor.rps),
      unit: 'req/s',
      baseline: `${Math.round(bare.rps).toLocaleString('en-US')} (bare node:http)`,
      ratio: floor.rps / bare.rps,
      note: 'the best ratio any Fastify server can reach here',
    },
    {
      name: `${name}: framework floor (Fastify alone, same bytes), CPU per request`,
      db,
      figure: Math.round(floor.cpuUsPerRequest!),
      unit: 'µs',
      baseline: `${Math.round(bare.cpuUsPerRequest!)} (bare node:http)`,
      ratio: bare.cpuUsPerRequest! / floor.cpuUsPerRequest!,
      note: 'capacity ratio bare/floor',
    },
    {
      name: `${name}: throughput at ${CONNECTIONS} connections`,
      db,
      figure: Math.round(ours.rps),
      unit: 'req/s',
      baseline: `${Math.round(bare.rps).toLocaleString('en-US')} (bare node:http)`,
      ratio: ours.rps / bare.rps,
      note: 'ratio >= 0.5',
    },
    {
      name: `${name}: server CPU per request`,
      db,
      figure: Math.round(ours.cpuUsPerRequest!),
      unit: 'µs',
      baseline: `${Math.round(bare.cpuUsPerRequest!)} (bare node:http)`,
      ratio: bare.cpuUsPerRequest! / ours.cpuUsPerRequest!,
      note: 'capacity ratio bare/ours >= 0.5; least disturbed by a noisy machine',
    },
    ...(Number.isFinite(ours.databaseCpuUsPerRequest)
      ? [
          {
            name: `${name}: PostgreSQL backend CPU per request`,
            db,
            figure: Math.round(ours.databaseCpuUsPerRequest!),
            unit: 'µs',
            baseline: `${Math.round(bare.cpuUsPerRequest!)} (bare node:http)`,
            ratio: bare.cpuUsPerRequest! / (ours.cpuUsPerRequest! + ours.databaseCpuUsPerRequest!),
            note: 'ratio: bare / (ours + its PostgreSQL), which share these cores',
          },
        ]
      : []),
    {
      name: `${name}: p99 latency at ${CONNECTIONS} connections`,
      db,
      figure: ours.p99,
      unit: 'ms',
      baseline: `${bare.p99} (bare node:http)`,
      ratio: null,
      note: '<= 15 ms',
    },
  ];
  return rows;
}

/** p50 of a list page as the database grows, with a page deep in the list too. */
async function listScale(s: OurServer, db: BenchDb, alreadyCreated: number, quick: boolean) {
  const headers = { authorization: `Bearer ${s.token}` };
  const rows: BenchRow[] = [];
  let created = alreadyCreated;
  let firstP50 = 0;
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
    const n = quick ? 50 : 200;
    const first = await medianMs(n, async () => {
      await (await fetch(`${s.url}/v2/projects?limit=10`, { headers })).arrayBuffer();
    });
    const deep = await medianMs(n, async () => {
      await (await fetch(`${s.url}/v2/projects?limit=10&bookmark=${bookmark}`, { headers })).arrayBuffer();
    });
    if (total === SCALE[0]) firstP50 = first;
    const growth = total === SCALE[0] ? null : first / firstP50;
    const baseline =
      total === SCALE[0] ? '-' : `${firstP50.toFixed(2)} (with ${SCALE[0].toLocaleString('en-US')})`;
    rows.push({
      name: `project list page (limit 10), ${total.toLocaleString('en-US')} projects: first page p50`,
      db,
      figure: first,
      unit: 'ms',
      baseline,
      ratio: growth,
      note: '<= 10 ms, flat',
    });
    rows.push({
      name: `project list page (limit 10), ${total.toLocaleString('en-US')} projects: middle page p50`,
      db,
      figure: deep,
      unit: 'ms',
      baseline: '-',
      ratio: null,
      note: '<= 10 ms, flat',
    });
  }
  return rows;
}

const projects: BenchModule = async ({ quick, dbs }) => {
  const seconds = quick ? 3 : 10;
  const rows: BenchRow[] = [];
  for (const db of dbs) {
    const s = await startOurs(db);
    try {
      const seeded = 20;
      const [id] = await createProjects(s, 0, seeded);
      rows.push(...(await againstBare(s, db, 'GET /v2/projects/{id}', `/v2/projects/${id}`, seconds)));
      rows.push(
        ...(await againstBare(
          s,
          db,
          'filtered project list',
          '/v2/projects?tag_names=tenth&type=wx&limit=10&include=fields',
          seconds,
        )),
      );
      rows.push(...(await listScale(s, db, seeded, quick)));
    } finally {
      await s.stop();
    }
  }
  return rows;
};
export default projects;
