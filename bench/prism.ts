/**
 * Against the Prism mock server (`@stoplight/prism-cli` 5.14, the last release that runs on Node 20)
 * serving our own contract: the same authenticated GET and list at 64 connections. Prism answers
 * from examples without a database; we answer from one. Goal: ours >= 5x Prism's req/s.
 *
 * Both log at warn (Prism's default, info, writes six lines per request). Both are warmed up until
 * their throughput settles: Prism compiles each operation's validators on its first requests, which
 * on a loaded machine took longer than a short run (it then "answered 0 req/s").
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { BenchModule, BenchRow } from './module.ts';
import { ROOT, freePort, load, startOurs, type Running } from './lib.ts';
import { createProjects } from './projects.ts';

const CONNECTIONS = 64;

/** Prism at `-v warn`, which prints nothing once listening: ready when it answers over HTTP. */
async function startPrism(): Promise<Running> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js'),
      'mock',
      '-v',
      'warn',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      path.join(ROOT, 'spec/common-core.openapi.json'),
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Prism exited (${child.exitCode}):\n${err}`);
    try {
      await (await fetch(url + '/v2/projects')).arrayBuffer();
      break;
    } catch {
      if (Date.now() > until) throw new Error(`Prism did not answer within 180 s:\n${err}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** 1-s runs at full load, at least 3, until two in a row agree within 10% (at most `max`). */
async function warmUp(url: string, headers: Record<string, string>, max: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < max; i++) {
    const { rps } = await load(url, { connections: CONNECTIONS, seconds: 1, headers });
    if (i >= 2 && Math.abs(rps - last) / last < 0.1) return i + 1;
    last = rps;
  }
  return max;
}

const prism: BenchModule = async ({ quick, dbs }) => {
  const seconds = quick ? 3 : 10;
  const mock = await startPrism();
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
          await warmUp(mock.url + p, headers, quick ? 8 : 15);
          const theirs = await load(mock.url + p, {
            connections: CONNECTIONS,
            seconds,
            headers,
            pid: mock.pid,
          });
          await warmUp(s.url + p, headers, quick ? 8 : 15);
          const ours = await load(s.url + p, {
            connections: CONNECTIONS,
            seconds,
            headers,
            pid: s.pid,
            databaseCpuMs: s.databaseCpuMs,
          });
          if (ours.errors) throw new Error(`${p}: ${ours.errors} failed requests`);
          if (theirs.errors) throw new Error(`Prism, ${p}: ${theirs.errors} failed requests`);
          const answered = theirs.rps > 0;
          rows.push(
            {
              name: `${name}: throughput at ${CONNECTIONS} connections vs Prism mock`,
              db,
              figure: Math.round(ours.rps),
              unit: 'req/s',
              baseline: `${Math.round(theirs.rps).toLocaleString('en-US')} (Prism 5.14 mock, p99 ${theirs.p99} ms; ours p99 ${ours.p99} ms)`,
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
          if (answered && Number.isFinite(ours.databaseCpuUsPerRequest))
            rows.push({
              name: `${name}: ours plus its PostgreSQL backends, CPU per request vs Prism mock`,
              db,
              figure: Math.round(ours.cpuUsPerRequest! + ours.databaseCpuUsPerRequest!),
              unit: 'µs',
              baseline: `${Math.round(theirs.cpuUsPerRequest!)} (Prism 5.14 mock)`,
              ratio: theirs.cpuUsPerRequest! / (ours.cpuUsPerRequest! + ours.databaseCpuUsPerRequest!),
              note: 'PostgreSQL shares these cores; Prism keeps nothing',
            });
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
