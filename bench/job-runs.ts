/**
 * Job runs: how long from `POST /v2/jobs/{id}/runs` until the job's Python process is running,
 * beside spawning the same script directly (the interpreter's own start-up is in both); and 200
 * concurrent short runs through the API, beside the same 200 processes spawned directly with the
 * worker's concurrency. Every run must complete (none lost).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pool, startOurs, type OurServer } from './lib.ts';
import type { BenchDb, BenchModule, BenchRow } from './module.ts';

/** Prints the wall clock (ms) as the first thing the interpreter does. */
const CODE = 'import time\nprint(time.time_ns() // 1000 / 1000)\n';
const CONCURRENCY = Number(process.env.JOB_RUN_CONCURRENCY) || 8;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function api(s: OurServer, method: string, url: string, body?: unknown, type = 'application/json') {
  const res = await fetch(s.url + url, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A project with a Python script job; returns the path prefix of the job and its query. */
async function setUp(s: OurServer): Promise<{ job: string; q: string }> {
  const created = await api(s, 'POST', '/transactional/v2/projects', {
    name: `bench jobs ${Date.now()}`,
    generator: 'bench',
    storage: { type: 'assetfiles' },
  });
  const q = `project_id=${created.location.split('/').pop()}`;
  const asset = await api(s, 'POST', `/v2/assets?${q}`, {
    metadata: { name: 'clock', asset_type: 'script' },
    entity: { script: { language: { name: 'python3' } } },
  });
  const id = asset.metadata.asset_id;
  const att = await api(s, 'POST', `/v2/assets/${id}/attachments?${q}`, {
    asset_type: 'script',
    name: 'main.py',
  });
  await api(
    s,
    'PUT',
    new URL(att.url1).pathname + new URL(att.url1).search,
    CODE,
    'application/octet-stream',
  );
  await api(s, 'POST', `/v2/assets/${id}/attachments/${att.attachment_id}/complete?${q}`);
  const job = await api(s, 'POST', `/v2/jobs?${q}`, { job: { name: 'clock', asset_ref: id } });
  return { job: `/v2/jobs/${job.asset_id}`, q };
}

/** Waits for a run to end; returns its first log line (the script's clock) as a number. */
async function clockOf(s: OurServer, job: string, q: string, runId: string): Promise<number> {
  for (;;) {
    const run = await api(s, 'GET', `${job}/runs/${runId}?${q}`);
    const state = run.entity.job_run.state;
    if (state === 'Completed') break;
    if (['Failed', 'Canceled'].includes(state))
      throw new Error(`run ${runId} ${state}: ${run.entity.job_run.message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const logs = await api(s, 'GET', `${job}/runs/${runId}/logs?${q}`);
  return Number(logs.results[0]);
}

/**
 * The interpreter the server runs: `python3` resolved to its real binary, as the run worker does
 * (a version manager's shim on PATH would otherwise add its own start-up to the baseline only).
 */
const PYTHON =
  process.env.JOB_PYTHON ||
  execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/** Spawns the script directly; resolves with (its clock - spawn time) once it exits. */
async function direct(file: string): Promise<{ startMs: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-u', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve({ startMs: Number(out.trim()) - t0 }) : reject(new Error(`exit ${code}`)),
    );
  });
}

async function onServer(s: OurServer, db: BenchDb, quick: boolean): Promise<BenchRow[]> {
  const { job, q } = await setUp(s);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-jobs-'));
  const file = path.join(dir, 'main.py');
  fs.writeFileSync(file, CODE);
  try {
    // start latency, one at a time
    const samples = quick ? 10 : 40;
    const ours: number[] = [];
    const bare: number[] = [];
    await clockOf(s, job, q, (await api(s, 'POST', `${job}/runs?${q}`, {})).asset_id); // warm-up
    await direct(file);
    for (let i = 0; i < samples; i++) {
      const t0 = Date.now();
      const run = await api(s, 'POST', `${job}/runs?${q}`, {});
      ours.push((await clockOf(s, job, q, run.asset_id)) - t0);
      bare.push((await direct(file)).startMs);
    }

    // 200 concurrent short runs through the API, then the same processes spawned directly
    const total = 200;
    const t0 = Date.now();
    const ids: string[] = [];
    await pool(
      Array.from({ length: total }, (_, i) => i),
      32,
      async () => {
        ids.push((await api(s, 'POST', `${job}/runs?${q}`, {})).asset_id);
      },
    );
    let completed = 0;
    for (;;) {
      const page = await api(s, 'GET', `${job}/runs?${q}&states=Completed&limit=1`);
      const failed = await api(s, 'GET', `${job}/runs?${q}&states=Failed,Canceled&limit=1`);
      completed = page.total_rows - samples - 1;
      if (failed.total_rows) throw new Error(`${failed.total_rows} runs failed`);
      if (completed >= total) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const oursRate = total / ((Date.now() - t0) / 1000);
    const t1 = Date.now();
    await pool(
      Array.from({ length: total }, (_, i) => i),
      CONCURRENCY,
      async () => {
        await direct(file);
      },
    );
    const bareRate = total / ((Date.now() - t1) / 1000);

    return [
      {
        name: `job run start: POST .../runs to the process running, p50 (${samples} runs)`,
        db,
        figure: Number(pct(ours, 50).toFixed(1)),
        unit: 'ms',
        baseline: `${fmt(pct(bare, 50))} (spawn python3 directly)`,
        ratio: Number((pct(bare, 50) / Math.max(pct(ours, 50), 1)).toFixed(2)),
        note: 'ratio = direct / ours (interpreter start-up in both)',
      },
      {
        name: 'job run start: p99',
        db,
        figure: Number(pct(ours, 99).toFixed(1)),
        unit: 'ms',
        baseline: `${fmt(pct(bare, 99))} (spawn python3 directly)`,
        ratio: Number((pct(bare, 99) / Math.max(pct(ours, 99), 1)).toFixed(2)),
        note: 'ratio = direct / ours',
      },
      {
        name: `${total} concurrent short runs (${completed} completed, none lost)`,
        db,
        figure: Number(oursRate.toFixed(1)),
        unit: 'runs/s',
        baseline: `${fmt(bareRate)} (direct spawns, ${CONCURRENCY} at a time)`,
        ratio: Number((oursRate / bareRate).toFixed(2)),
        note: 'every run must complete',
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const jobRuns: BenchModule = async ({ quick, dbs }) => {
  const rows: BenchRow[] = [];
  for (const db of dbs) {
    const s = await startOurs(db);
    try {
      rows.push(...(await onServer(s, db, quick)));
    } finally {
      await s.stop();
    }
  }
  return rows;
};
export default jobRuns;
