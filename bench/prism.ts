/**
 * Against the Prism mock server (`@stoplight/prism-cli` 5.14, the last release that runs on Node 20)
 * serving our own contract: the same authenticated GET and list at 64 connections. Prism answers
 * from examples without a database; we answer from one. Goal: ours >= 5x Prism's req/s.
 */
import path from 'node:path';
import type { BenchModule, BenchRow } from './module.ts';
import { ROOT, freePort, load, startOurs, startProcess } from './lib.ts';
import { createProjects } from './projects.ts';

const CONNECTIONS = 64;

const prism: BenchModule = async ({ quick, dbs }) => {
  const seconds = quick ? 3 : 10;
  const port = await freePort();
  const mock = await startProcess(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js'),
      'mock',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      path.join(ROOT, 'spec/common-core.openapi.json'),
    ],
    {},
  );
  const rows: BenchRow[] = [];
  try {
    for (const db of dbs) {
      const s = await startOurs(db);
      try {
        const [id] = await createProjects(s, 0, 20);
        const headers = { authorization: `Bearer ${s.token}` };
        const cases = [
          ['GET /v2/projects/{id}', `/v2/projects/${id}`],
          ['filtered project list', '/v2/projects?tag_names=tenth&type=wx&limit=10&include=fields'],
        ];
        for (const [name, p] of cases) {
          const probe = await fetch(mock.url + p, { headers });
          await probe.arrayBuffer();
          if (probe.status !== 200) throw new Error(`Prism answered ${probe.status} to ${p}`);
          await load(mock.url + p, { connections: CONNECTIONS, seconds: 1, headers });
          const theirs = await load(mock.url + p, {
            connections: CONNECTIONS,
            seconds,
            headers,
            pid: mock.pid,
          });
          await load(s.url + p, { connections: CONNECTIONS, seconds: 1, headers });
          const ours = await load(s.url + p, { connections: CONNECTIONS, seconds, headers, pid: s.pid });
          if (ours.errors) throw new Error(`${p}: ${ours.errors} failed requests`);
          const answered = theirs.rps > 0;
          rows.push(
            {
              name: `${name}: throughput at ${CONNECTIONS} connections vs Prism mock`,
              db,
              figure: Math.round(ours.rps),
              unit: 'req/s',
              baseline: `${Math.round(theirs.rps).toLocaleString('en-US')} (Prism 5.14 mock, p99 ${theirs.p99} ms, ${theirs.errors} errors)`,
              ratio: answered ? ours.rps / theirs.rps : null,
              note: answered ? 'ratio >= 5' : 'Prism answered nothing within the run',
            },
            {
              name: `${name}: server CPU per request vs Prism mock`,
              db,
              figure: Math.round(ours.cpuUsPerRequest!),
              unit: 'µs',
              baseline: `${answered ? Math.round(theirs.cpuUsPerRequest!) : '-'} (Prism 5.14 mock)`,
              ratio: answered ? theirs.cpuUsPerRequest! / ours.cpuUsPerRequest! : null,
              note: 'capacity ratio Prism/ours >= 5',
            },
          );
        }
      } finally {
        await s.stop();
      }
    }
  } finally {
    await mock.stop();
  }
  return rows;
};
export default prism;
