/**
 * The SDK client's own costs, beside its baselines in the same run (`npm run bench -- --only sdk`):
 * - client CPU per request (process.cpuUsage around sequential and concurrent calls) of
 *   CommonCoreV2 and CodeEngineV2, of bare node:http with a keep-alive agent, and of a client on
 *   IBM's ibm-cloud-sdk-core (a BaseService subclass making the same call), all against one bare
 *   node:http server in a child process answering a fixed JSON body, so only client work counts;
 * - import time of our built SDKs and of ibm-cloud-sdk-core, in fresh node processes (median);
 * - the memory a pager keeps while iterating 100,000 items, against collecting them in an array.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as ibm from 'ibm-cloud-sdk-core';
import { CodeEngineV2 } from '../packages/code-engine-sdk/src/index.ts';
import { BearerTokenAuthenticator, CommonCoreV2 } from '../packages/common-core-sdk/src/index.ts';
import { ROOT, startBare } from './lib.ts';
import type { BenchModule, BenchRow } from './module.ts';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl';
const PROJECT_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
/** A project as GET /v2/projects/{id} answers it (about 1 KiB). */
const PROJECT = JSON.stringify({
  metadata: {
    guid: PROJECT_ID,
    url: `/v2/projects/${PROJECT_ID}`,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  },
  entity: {
    name: 'bench project',
    description: 'A project of about the usual size, for the client benchmark.',
    generator: 'bench',
    public: false,
    creator: 'admin@example.com',
    creator_iam_id: 'IBMid-bench',
    type: 'wx',
    storage: { type: 'assetfiles', guid: 'c2d1e0f9-0f1e-4d3c-8b5a-497886950a4b', properties: {} },
    scope: { bss_account_id: 'local', enforce_members: true },
    settings: { folders: { enabled: false }, access_restrictions: { data: false, reporting: false } },
    tags: ['bench', 'sdk'],
    compute: [],
    tools: ['jupyter', 'watson_visual_recognition'],
  },
});

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The floor: node:http with a keep-alive agent, the same headers, and JSON.parse. */
function bareClient(base: string): () => Promise<unknown> {
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL(`${base}/v2/projects/${PROJECT_ID}`);
  const options: http.RequestOptions = {
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    agent,
    headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` },
  };
  return () =>
    new Promise((resolve, reject) => {
      http
        .get(options, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(JSON.parse(text)));
          res.on('error', reject);
        })
        .on('error', reject);
    });
}

/** A client as IBM's generator writes one on ibm-cloud-sdk-core: a BaseService subclass. */
class IbmCoreProjects extends ibm.BaseService {
  static override DEFAULT_SERVICE_URL = 'https://api.dataplatform.cloud.ibm.com';
  getProject(params: { projectId: string }): Promise<any> {
    return this.createRequest({
      options: { url: '/v2/projects/{project_id}', method: 'GET', path: { project_id: params.projectId } },
      defaultOptions: { ...this.baseOptions, headers: { Accept: 'application/json' } },
    });
  }
}

function clients(base: string): Record<string, () => Promise<unknown>> {
  const common = new CommonCoreV2({
    authenticator: new BearerTokenAuthenticator({ bearerToken: TOKEN }),
    serviceUrl: base,
  });
  const codeEngine = new CodeEngineV2({
    authenticator: new BearerTokenAuthenticator({ bearerToken: TOKEN }),
    serviceUrl: base,
  });
  const ibmCore = new IbmCoreProjects({
    authenticator: new ibm.BearerTokenAuthenticator({ bearerToken: TOKEN }),
    serviceUrl: base,
  });
  return {
    'bare node:http': bareClient(base),
    CommonCoreV2: () => common.getProject({ projectId: PROJECT_ID }),
    CodeEngineV2: () => codeEngine.getProject({ id: PROJECT_ID }),
    'ibm-cloud-sdk-core': () => ibmCore.getProject({ projectId: PROJECT_ID }),
  };
}

/** Client CPU µs per call: `n` calls one after another, then `n` calls 8 at a time. */
async function cpuPerCall(call: () => Promise<unknown>, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await call();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < n) await call();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (2 * n);
}

async function clientCpu(quick: boolean): Promise<BenchRow[]> {
  const bare = await startBare(PROJECT);
  try {
    const all = clients(bare.url);
    const n = quick ? 500 : 2000;
    const entries = Object.entries(all);
    const rounds = entries.length * (quick ? 1 : 2);
    for (const call of Object.values(all)) for (let i = 0; i < 300; i++) await call(); // warm-up
    // Rounds interleave the clients, so load from other processes spreads over all of them alike,
    // and each round starts one client later: a client measured right after another reads higher,
    // and no client may always follow the same one.
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(all).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < entries.length; i++) {
        const [name, call] = entries[(r + i) % entries.length];
        samples[name].push(await cpuPerCall(call, n));
      }
    }
    const us = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
    const floor = us['bare node:http'];
    const ibmCore = us['ibm-cloud-sdk-core'];
    const rows: BenchRow[] = [];
    for (const name of ['CommonCoreV2', 'CodeEngineV2']) {
      rows.push({
        name: `SDK ${name}.getProject: client CPU per call vs bare node:http`,
        db: '-',
        figure: Number(us[name].toFixed(1)),
        unit: 'µs',
        baseline: `${fmt(floor, 1)} (bare node:http, keep-alive agent)`,
        ratio: us[name] / floor,
        note: 'goal <= 1.3 (lower is better)',
      });
      rows.push({
        name: `SDK ${name}.getProject: client CPU per call vs ibm-cloud-sdk-core`,
        db: '-',
        figure: Number(us[name].toFixed(1)),
        unit: 'µs',
        baseline: `${fmt(ibmCore, 1)} (ibm-cloud-sdk-core BaseService)`,
        ratio: us[name] / ibmCore,
        note: 'goal <= 0.4 (lower is better)',
      });
    }
    return rows;
  } finally {
    await bare.stop();
  }
}

/**
 * Milliseconds `import(specifier)` takes in a fresh node process: wall time and CPU time (which
 * other load on a shared machine disturbs less), medians of `runs`.
 */
function importMs(specifier: string, runs: number): { wall: number; cpu: number } {
  const script = `const c = process.cpuUsage(); const t = process.hrtime.bigint(); await import(${JSON.stringify(specifier)}); const u = process.cpuUsage(c); console.log(Number(process.hrtime.bigint() - t) / 1e6, (u.user + u.system) / 1000);`;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    const [w, c] = out.toString().trim().split(' ').map(Number);
    wall.push(w);
    cpu.push(c);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) t = Math.max(t, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  return t;
}

function importTimes(quick: boolean): BenchRow[] {
  const pkgs = ['sdk-core', 'common-core-sdk', 'code-engine-sdk'];
  const pkgDir = (pkg: string) => path.join(ROOT, 'packages', pkg);
  // Users import the built packages: build them when missing or older than their sources.
  if (pkgs.some((p) => newest(path.join(pkgDir(p), 'dist')) < newest(path.join(pkgDir(p), 'src'))))
    execFileSync('npm', ['run', 'build:sdks'], { cwd: ROOT, stdio: 'ignore' });
  const runs = quick ? 5 : 9;
  const base = importMs('ibm-cloud-sdk-core', runs);
  return ['common-core-sdk', 'code-engine-sdk'].map((pkg) => {
    const ours = importMs(`./packages/${pkg}/dist/esm/index.js`, runs);
    return {
      name: `SDK import of @local/${pkg} (built), fresh process, median of ${runs}: wall (CPU)`,
      db: '-',
      figure: `${fmt(ours.wall, 1)} (${fmt(ours.cpu, 1)})`,
      unit: 'ms',
      baseline: `${fmt(base.wall, 1)} (${fmt(base.cpu, 1)}) ibm-cloud-sdk-core`,
      ratio: ours.wall / base.wall,
      note: 'goal <= 15 ms wall',
    };
  });
}

/** A child process serving 100,000 projects, `limit` per page, with bookmarks. */
const PAGING_SERVER = `
const total = 100000;
const item = (i) => ({ metadata: { guid: 'project-' + i, created_at: '2026-01-01T00:00:00Z' }, entity: { name: 'project number ' + i, description: 'x'.repeat(100), tags: ['a', 'b'] } });
const s = require('node:http').createServer((req, res) => {
  const q = new URL(req.url, 'http://x').searchParams;
  const limit = Number(q.get('limit') || 100), from = Number(q.get('bookmark') || 0);
  const to = Math.min(total, from + limit);
  const resources = [];
  for (let i = from; i < to; i++) resources.push(item(i));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ total_results: total, resources, bookmark: to < total ? String(to) : '' }));
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function pagerMemory(): Promise<BenchRow[]> {
  const child = spawn(process.execPath, ['-e', PAGING_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) =>
      child.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    const service = new CommonCoreV2({
      authenticator: new BearerTokenAuthenticator({ bearerToken: TOKEN }),
      serviceUrl: `http://127.0.0.1:${port}`,
    });
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    // Collect what the steps before left behind, so that it is not freed during a measurement.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Memory retained (measured after a collection), so garbage not yet collected does not count.
    const peakWhile = async (fn: (sample: () => void) => Promise<void>) => {
      gc();
      const base = used();
      let peak = base;
      const sample = () => {
        gc();
        peak = Math.max(peak, used());
      };
      await fn(sample);
      sample();
      return (peak - base) / 2 ** 20;
    };
    let seen = 0;
    const iterating = await peakWhile(async (sample) => {
      for await (const p of new CommonCoreV2.ProjectsPager(service, { limit: 100 })) {
        if (p.metadata?.guid) seen++;
        if (seen % 10_000 === 0) sample();
      }
    });
    let kept = 0;
    const collecting = await peakWhile(async (sample) => {
      const all = await new CommonCoreV2.ProjectsPager(service, { limit: 100 }).getAll();
      sample();
      kept = all.length;
    });
    if (seen !== 100_000 || kept !== 100_000) throw new Error(`pager saw ${seen} and ${kept} of 100,000`);
    return [
      {
        name: 'SDK pager over 100,000 projects (100 a page): peak memory retained',
        db: '-',
        figure: Number(iterating.toFixed(2)),
        unit: 'MiB',
        baseline: `${fmt(collecting, 1)} (getAll() into an array)`,
        ratio: iterating / collecting,
        note: 'flat: about one page',
      },
    ];
  } finally {
    child.kill();
  }
}

/** Every SDK row, measured in this process (and its children); the database plays no part. */
const run: BenchModule = async ({ quick }) => [
  ...(await clientCpu(quick)),
  ...importTimes(quick),
  ...(await pagerMemory()),
];
export default run;
