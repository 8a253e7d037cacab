import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DB, createTestDatabase, startTestServer, type TestServer } from '../helpers/server.ts';
import {
  alive,
  createJob,
  createScript,
  createWorld,
  ended,
  eventually,
  logsOf,
  startRun,
  waitForRun,
  type World,
} from './helpers.ts';

// Short leases so that a dead server's runs are noticed within seconds (read when a server starts);
// not shorter: on a loaded machine a live owner's heartbeat may lag a few seconds.
process.env.JOB_RUN_LEASE_SECONDS = '8';
process.env.JOB_SCHEDULER_TICK_MS = '200';

const ROOT = path.resolve(import.meta.dirname, '../..');
const open: TestServer[] = [];
afterAll(async () => {
  for (const s of open.reverse()) await s.close({ keepData: s !== open[open.length - 1] });
  delete process.env.JOB_RUN_LEASE_SECONDS;
  delete process.env.JOB_SCHEDULER_TICK_MS;
});

/** The database's server count: two on one PostgreSQL; one on SQLite (one process owns the file). */
const SERVERS = TEST_DB === 'postgres' ? 2 : 1;

async function servers(): Promise<{ all: TestServer[]; w: World }> {
  const first = await startTestServer();
  const all = [first];
  for (let i = 1; i < SERVERS; i++) all.push(await startTestServer({}, { database: first.database }));
  open.push(...all.slice(1).reverse(), first);
  return { all, w: await createWorld(first) };
}

/** Starts `npm start`'s entry point on a database, as a separate process that can be killed. */
function startChild(db: Record<string, unknown>): Promise<{ url: string; kill(): void }> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JOB_RUN_LEASE_SECONDS: '8',
  };
  if (db.dataDir) env.DATA_DIR = String(db.dataDir);
  if (db.databaseUrl) env.DATABASE_URL = String(db.databaseUrl);
  if (db.databaseSchema) env.DATABASE_SCHEMA = String(db.databaseSchema);
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: ROOT,
    env,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], kill: () => child.kill('SIGKILL') });
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

describe('runs across servers', () => {
  it(`starts each queued run exactly once with ${SERVERS} server(s) on one database`, async () => {
    const { all, w } = await servers();
    const c = w.containers.project;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-jobs-once-')), 'started.txt');
    const code = `import os\nwith open(os.environ["OUT"], "a") as f:\n    f.write(os.environ["JOB_RUN_ID"] + "\\n")\n`;
    const script = await createScript(all[0], w.editor.token, c, code);
    const job = await createJob(all[0], w.editor.token, c, {
      asset_ref: script,
      configuration: { env_variables: [`OUT=${out}`] },
    });
    // runs posted to every server in turn, so each one's worker races for all of them
    const ids = await Promise.all(
      Array.from({ length: 16 }, (_, i) => startRun(all[i % all.length], w.editor.token, c, job.asset_id)),
    );
    for (const id of ids) {
      const run = await waitForRun(all[0], w.viewer.token, c, job.asset_id, id, ended, 60_000);
      expect(run.state, JSON.stringify(run)).toBe('Completed');
    }
    const started = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(started.sort()).toEqual([...ids].sort());
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }, 120_000);

  it('fires each slot of a per-second schedule exactly once, inside its window', async () => {
    const s = open[open.length - 1];
    const all = open.slice(0, SERVERS);
    const w = await createWorld(s);
    const c = w.containers.space;
    const script = await createScript(s, w.editor.token, c, 'print("scheduled")');
    const startOn = Math.ceil((Date.now() + 1500) / 1000) * 1000;
    const endOn = startOn + 2500; // slots at +0 s, +1 s and +2 s
    const job = await createJob(s, w.editor.token, c, {
      asset_ref: script,
      schedule: '* * * * * *',
      schedule_info: { startOn, endOn, repeat: true },
    });
    expect(job.entity.job.future_scheduled_runs).toEqual(
      [0, 1000, 2000].map((d) => new Date(startOn + d).toISOString()),
    );
    await new Promise((r) => setTimeout(r, endOn - Date.now() + 1500));
    const list = async () =>
      (
        await all[all.length - 1].call('GET', `/v2/jobs/${job.asset_id}/runs?${c.q}`, {
          token: w.viewer.token,
        })
      ).body;
    await eventually(
      async () => {
        const { results } = await list();
        return results.length >= 3 && results.every((r: any) => ended(r.entity.job_run));
      },
      30_000,
      'scheduled runs to end',
    );
    const runs = (await list()).results.map((r: any) => r.entity.job_run);
    expect(runs).toHaveLength(3);
    expect(runs.every((r: any) => r.isScheduledRun && r.state === 'Completed')).toBe(true);
    const after = await s.call('GET', `/v2/jobs/${job.asset_id}?${c.q}`, { token: w.viewer.token });
    expect(after.body.entity.job.future_scheduled_runs).toEqual([]);
    expect(after.body.entity.job.last_run_status).toBe('Completed');
  }, 120_000);

  it('clears the next slot of a job whose schedule went by a PATCH of its asset, and fires nothing', async () => {
    const s = await startTestServer();
    try {
      await staleSlotCleared(s);
    } finally {
      await s.close();
    }
  }, 60_000);

  async function staleSlotCleared(s: TestServer) {
    const w = await createWorld(s);
    const c = w.containers.project;
    const script = await createScript(s, w.editor.token, c, 'print("unscheduled")');
    const startOn = Math.ceil((Date.now() + 2500) / 1000) * 1000;
    const job = await createJob(s, w.editor.token, c, {
      asset_ref: script,
      schedule: '* * * * * *',
      schedule_info: { startOn, endOn: startOn + 10_000, repeat: true },
    });
    const patched = await s.call('PATCH', `/v2/assets/${job.asset_id}?${c.q}`, {
      token: w.editor.token,
      contentType: 'application/json-patch+json',
      body: [{ op: 'remove', path: '/entity/job/schedule' }],
    });
    expect(patched.status, patched.text).toBe(200);
    const nextRun = async () =>
      (
        await (s.built.ctx.store.db as any)
          .selectFrom('job_definitions')
          .select('next_run_at')
          .where('job_id', '=', job.asset_id)
          .executeTakeFirst()
      )?.next_run_at;
    await eventually(async () => (await nextRun()) === null, 15_000, 'the stale slot to be cleared');
    const runs = await s.call('GET', `/v2/jobs/${job.asset_id}/runs?${c.q}`, { token: w.viewer.token });
    expect(runs.body.results).toEqual([]);
  }

  it('marks Failed a run whose server was killed, and ends its orphaned process', async () => {
    const database = await createTestDatabase();
    const setup = await startTestServer({}, { database });
    const w = await createWorld(setup);
    const c = w.containers.project;
    const script = await createScript(
      setup,
      w.editor.token,
      c,
      'import os, time\nprint("pid", os.getpid(), flush=True)\ntime.sleep(300)\n',
    );
    const job = await createJob(setup, w.editor.token, c, { asset_ref: script });
    await setup.close({ keepData: true });

    const child = await startChild(database.config as Record<string, unknown>);
    let pid = 0;
    let runId = '';
    try {
      const res = await fetch(`${child.url}/v2/jobs/${job.asset_id}/runs?${c.q}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.editor.token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      runId = ((await res.json()) as any).asset_id;
      await eventually(
        async () => {
          const logs = (await (
            await fetch(`${child.url}/v2/jobs/${job.asset_id}/runs/${runId}/logs?${c.q}`, {
              headers: { authorization: `Bearer ${w.editor.token}` },
            })
          ).json()) as any;
          const line = logs.results?.find((l: string) => l.startsWith('pid'));
          if (line) pid = Number(line.split(' ')[1]);
          return pid > 0;
        },
        30_000,
        'the script to start on the child server',
      );
    } finally {
      child.kill();
    }
    expect(alive(pid)).toBe(true);

    const s = await startTestServer({}, { database });
    open.push(s);
    const run = await waitForRun(s, w.viewer.token, c, job.asset_id, runId, ended, 30_000);
    expect(run.state).toBe('Failed');
    expect(run.message).toMatch(/server running this run stopped/);
    await eventually(() => !alive(pid), 10_000, 'the orphan to be killed');
    expect((await logsOf(s, w.viewer.token, c, job.asset_id, runId)).results[0]).toBe(`pid ${pid}`);
  }, 300_000);
});
