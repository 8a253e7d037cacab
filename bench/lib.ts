import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Running {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc. CPU per request is the
 * figure that noise on a shared machine disturbs least: other load slows a server down, but
 * hardly changes the work it does per request.
 */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in 1/100 s
}

/** Starts a child process and resolves once it prints its `http://...` address. */
export function startProcess(command: string, args: string[], env: Record<string, string>): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[\w.:-]+)/i.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        resolve({
          url: m[1],
          pid: child.pid!,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}) before listening:\n${out}`)));
  });
}

export const startBare = (body: string) =>
  startProcess(process.execPath, ['bench/bare-server.mjs'], { BARE_BODY: body });
export const startFastifyFloor = (body: string) =>
  startProcess(process.execPath, ['bench/fastify-floor.mjs'], { BARE_BODY: body });

export interface OurServer extends Running {
  adminKey: string;
  token: string;
  /** CPU (ms) used so far by the PostgreSQL backends serving this server (undefined on SQLite). */
  databaseCpuMs?: () => Promise<number>;
  /** Where its data lives, to open the same database from the benchmark (direct inserts). */
  env: { DATA_DIR?: string; DATABASE_URL?: string; DATABASE_SCHEMA?: string };
}

/** Our server as users run it (`npm start`), on a fresh SQLite directory or PostgreSQL schema. */
export async function startOurs(db: 'sqlite' | 'postgres'): Promise<OurServer> {
  const adminKey = 'bench-' + crypto.randomBytes(12).toString('hex');
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_APIKEY: adminKey,
    RATE_LIMIT_QUERY: '0',
    RATE_LIMIT_READ: '0',
    RATE_LIMIT_WRITE: '0',
  };
  let cleanup = async () => {};
  let databaseCpuMs: OurServer['databaseCpuMs'];
  if (db === 'postgres') {
    const schema = 'bench_' + crypto.randomBytes(4).toString('hex');
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    // Named after the schema, so that its backends can be found (databaseCpuMs).
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${schema}`;
    Object.assign(env, { DATABASE_URL: url, DATABASE_SCHEMA: schema });
    databaseCpuMs = () => backendCpuMs(schema);
    cleanup = async () => {
      const d = new pg.Client({ connectionString: PG_URL });
      await d.connect();
      await d.query(`drop schema ${schema} cascade`);
      await d.end();
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-'));
    env.DATA_DIR = dir;
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  // BENCH_SERVER_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (to find hot spots).
  const prof = process.env.BENCH_SERVER_CPU_PROF;
  const running = await startProcess(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
      '--import',
      'tsx',
      'packages/server/src/main.ts',
    ],
    env,
  );
  const res = await fetch(running.url + '/identity/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: adminKey }),
  });
  const { access_token } = (await res.json()) as { access_token: string };
  return {
    ...running,
    adminKey,
    token: access_token,
    databaseCpuMs,
    env: { DATA_DIR: env.DATA_DIR, DATABASE_URL: env.DATABASE_URL, DATABASE_SCHEMA: env.DATABASE_SCHEMA },
    stop: async () => {
      await running.stop();
      await cleanup();
    },
  };
}

/**
 * CPU (ms) used so far by the PostgreSQL backends of one application_name, when PostgreSQL runs
 * on this machine (NaN otherwise). A backend that ends during a measurement takes its CPU with
 * it, so this can only under-count.
 */
async function backendCpuMs(applicationName: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>(
      'select pid from pg_stat_activity where application_name = $1',
      [applicationName],
    );
    let total = 0;
    for (const { pid } of rows) {
      try {
        total += cpuMs(pid);
      } catch {
        return NaN; // not a process of this machine
      }
    }
    return total;
  } finally {
    await c.end();
  }
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU per answered request, in microseconds (when the server's pid is given). */
  cpuUsPerRequest?: number;
  /** The same for its PostgreSQL backends (when `databaseCpuMs` is given). */
  databaseCpuUsPerRequest?: number;
}

/** autocannon against one URL; errors counts non-2xx answers and socket errors. */
export async function load(
  url: string,
  opts: {
    connections: number;
    seconds: number;
    headers?: Record<string, string>;
    pid?: number;
    databaseCpuMs?: () => Promise<number>;
  },
): Promise<LoadResult> {
  const cpuBefore = opts.pid ? cpuMs(opts.pid) : 0;
  const dbBefore = await opts.databaseCpuMs?.();
  const r = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
  });
  const cpu = opts.pid ? cpuMs(opts.pid) - cpuBefore : undefined;
  const db = dbBefore === undefined ? undefined : (await opts.databaseCpuMs!()) - dbBefore;
  const perRequest = (ms: number | undefined) =>
    ms === undefined ? undefined : (ms * 1000) / Math.max(1, r.requests.total);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors + r.timeouts,
    cpuUsPerRequest: perRequest(cpu),
    databaseCpuUsPerRequest: perRequest(db),
  };
}

/** Runs `fn` over `items` with at most `width` in flight. */
export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Median wall time of `n` sequential calls, in milliseconds. */
export async function medianMs(n: number, fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Whether the benchmark PostgreSQL answers. */
export async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** A TCP port free right now (for servers that cannot be told to pick one). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Throughput, latency and server CPU of one GET against ours, against bare node:http serving the
 * same bytes, and against Fastify alone serving them (the floor of any server built on it).
 */
export async function versusBare(
  s: OurServer,
  path: string,
  opts: { connections: number; seconds: number },
): Promise<{ ours: LoadResult; bare: LoadResult; floor: LoadResult }> {
  const headers = { authorization: `Bearer ${s.token}` };
  const sample = await fetch(s.url + path, { headers });
  const body = await sample.text();
  if (sample.status !== 200) throw new Error(`${path}: ${sample.status} ${body}`);
  const measure = async (
    server: Running & Pick<OurServer, 'databaseCpuMs'>,
    extra: Record<string, string> = {},
  ) => {
    await load(server.url + path, { connections: opts.connections, seconds: 1, headers: extra }); // warm-up
    return load(server.url + path, {
      ...opts,
      headers: extra,
      pid: server.pid,
      databaseCpuMs: server.databaseCpuMs,
    });
  };
  const bareServer = await startBare(body);
  const floorServer = await startFastifyFloor(body);
  try {
    const bare = await measure(bareServer);
    const floor = await measure(floorServer);
    const ours = await measure(s, headers);
    if (ours.errors) throw new Error(`${path}: ${ours.errors} failed requests`);
    return { ours, bare, floor };
  } finally {
    await Promise.all([bareServer.stop(), floorServer.stop()]);
  }
}
