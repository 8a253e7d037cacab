import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
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

let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

const PARAMS_SCRIPT = `
import json, os, sys
print("hello from", os.environ["JOB_RUN_ID"])
print("GREETING=" + os.environ.get("GREETING", "?"))
print("COLOR=" + os.environ.get("COLOR", "?"))
print("SIZE=" + os.environ.get("SIZE", "?"))
print("cwd-empty-before=" + str(sorted(os.listdir("."))))
params = json.load(open(os.environ["JOB_PARAMETERS_FILE"]))
print("params=" + json.dumps(params, sort_keys=True))
print("secret-leak=" + os.environ.get("DATABASE_URL", "none"))
sys.stderr.write("to stderr\\n")
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
`;

describe('a Python script job, end to end', () => {
  for (const kind of ['project', 'space'] as const) {
    it(`runs with the job's and the run's variables and parameters, logs every line, reflects the exit status (${kind})`, async () => {
      const c = w.containers[kind];
      const script = await createScript(s, w.editor.token, c, PARAMS_SCRIPT);
      const job = await createJob(s, w.editor.token, c, {
        asset_ref: script,
        configuration: { env_variables: ['GREETING=hi', 'COLOR=red'] },
        job_parameters: [{ name: 'SIZE', value: 3 }],
        parameter_sets: [{ name: 'set1', values: [{ name: 'COLOR', value: 'green' }] }],
      });
      const jobId = job.asset_id as string;
      expect(job.entity.job.asset_ref_type).toBe('script');

      const runId = await startRun(s, w.editor.token, c, jobId, {
        configuration: { env_variables: ['GREETING=hello'] },
        job_parameters: [{ name: 'SIZE', value: 'large' }],
      });
      const run = await waitForRun(s, w.viewer.token, c, jobId, runId, ended);
      expect(run).toMatchObject({ state: 'Completed', exit_code: 0, job_ref: jobId, isScheduledRun: false });
      expect(run.duration).toBeGreaterThanOrEqual(0);
      expect(Date.parse(run.end_time)).toBeGreaterThanOrEqual(Date.parse(run.start_time));

      const logs = await logsOf(s, w.viewer.token, c, jobId, runId);
      expect(logs.results).toContain(`hello from ${runId}`);
      expect(logs.results).toContain('GREETING=hello');
      expect(logs.results).toContain('COLOR=green'); // parameter set beats the env variable
      expect(logs.results).toContain('SIZE=large'); // the run's parameter beats the job's
      expect(logs.results).toContain(`cwd-empty-before=['main.py', 'parameters.json']`);
      expect(logs.results).toContain('params={"COLOR": "green", "SIZE": "large"}');
      expect(logs.results).toContain('secret-leak=none');
      expect(logs.results).toContain('to stderr');
      expect(logs.total_count).toBe(logs.results.length);

      // paging through the log
      const page = await logsOf(s, w.viewer.token, c, jobId, runId, '&start=1&limit=2');
      expect(page.results).toEqual(logs.results.slice(1, 3));
      expect(page.total_count).toBe(logs.total_count);

      // a failing exit code fails the run, with the code
      const failing = await startRun(s, w.editor.token, c, jobId, {
        configuration: { env_variables: ['EXIT_WITH=3'] },
      });
      const failed = await waitForRun(s, w.viewer.token, c, jobId, failing, ended);
      expect(failed).toMatchObject({ state: 'Failed', exit_code: 3 });
      expect(failed.message).toMatch(/exit code 3/);
    });
  }

  it('runs shell scripts too', async () => {
    const c = w.containers.project;
    const script = await createScript(s, w.editor.token, c, 'echo "shell says $WHO"\nexit 0\n', 'shell');
    const job = await createJob(s, w.editor.token, c, {
      asset_ref: script,
      job_parameters: [{ name: 'WHO', value: 'hi' }],
    });
    const runId = await startRun(s, w.editor.token, c, job.asset_id);
    const run = await waitForRun(s, w.viewer.token, c, job.asset_id, runId, ended);
    expect(run.state).toBe('Completed');
    expect((await logsOf(s, w.viewer.token, c, job.asset_id, runId)).results).toEqual(['shell says hi']);
  });

  it('cancels a long-running script: the whole process tree ends', async () => {
    const c = w.containers.project;
    const code = `
import os, subprocess, time
child = subprocess.Popen(["sleep", "300"])
print("pids", os.getpid(), child.pid, flush=True)
time.sleep(300)
`;
    const script = await createScript(s, w.editor.token, c, code);
    const job = await createJob(s, w.editor.token, c, { asset_ref: script });
    const runId = await startRun(s, w.editor.token, c, job.asset_id);
    let pids: number[] = [];
    await eventually(
      async () => {
        const line = (await logsOf(s, w.viewer.token, c, job.asset_id, runId)).results.find((l) =>
          l.startsWith('pids'),
        );
        if (line) pids = line.split(' ').slice(1).map(Number);
        return pids.length === 2;
      },
      20_000,
      'the script to start',
    );
    expect(pids.every(alive)).toBe(true);
    const res = await s.call('POST', `/v2/jobs/${job.asset_id}/runs/${runId}/cancel?${c.q}`, {
      token: w.editor.token,
      body: {},
    });
    expect(res.status, res.text).toBe(204);
    const run = await waitForRun(s, w.viewer.token, c, job.asset_id, runId, ended);
    expect(run.state).toBe('Canceled');
    await eventually(() => pids.every((p) => !alive(p)), 5000, 'the process tree to end');
  });

  it('pauses and resumes a running script (SIGSTOP/SIGCONT of its group)', async () => {
    const c = w.containers.space;
    const code = `
import time
i = 0
while True:
    print("tick", i, flush=True)
    i += 1
    time.sleep(0.05)
`;
    const script = await createScript(s, w.editor.token, c, code);
    const job = await createJob(s, w.editor.token, c, { asset_ref: script });
    const runId = await startRun(s, w.editor.token, c, job.asset_id);
    const count = async () => (await logsOf(s, w.viewer.token, c, job.asset_id, runId)).total_count;
    await eventually(async () => (await count()) > 3, 20_000, 'ticks');
    const call = (action: string) =>
      s.call('POST', `/v2/jobs/${job.asset_id}/runs/${runId}/${action}?${c.q}`, {
        token: w.editor.token,
        body: {},
      });

    expect((await call('pause')).status).toBe(204);
    expect((await waitForRun(s, w.viewer.token, c, job.asset_id, runId, () => true)).state).toBe('Paused');
    await new Promise((r) => setTimeout(r, 400)); // lines written before the stop reach the database
    const frozen = await count();
    await new Promise((r) => setTimeout(r, 800));
    expect(await count()).toBe(frozen);

    expect((await call('resume')).status).toBe(204);
    expect((await waitForRun(s, w.viewer.token, c, job.asset_id, runId, () => true)).state).toBe('Running');
    await eventually(async () => (await count()) > frozen + 3, 20_000, 'ticks after resume');

    expect((await call('cancel')).status).toBe(204);
    expect((await waitForRun(s, w.viewer.token, c, job.asset_id, runId, ended)).state).toBe('Canceled');
  });
});

describe('limits', () => {
  const c = () => w.containers.project;
  const withEnv = async (name: string, value: string, work: () => Promise<void>) => {
    process.env[name] = value;
    try {
      await work();
    } finally {
      delete process.env[name];
    }
  };

  it("sets the address-space limit of the run's hardware specification", async () => {
    const code = 'import resource\nprint(resource.getrlimit(resource.RLIMIT_AS)[0])\n';
    const script = await createScript(s, w.editor.token, c(), code);
    const job = await createJob(s, w.editor.token, c(), {
      asset_ref: script,
      configuration: { hardware_spec: { name: 'XS' } },
    });
    const runId = await startRun(s, w.editor.token, c(), job.asset_id);
    expect((await waitForRun(s, w.viewer.token, c(), job.asset_id, runId, ended)).state).toBe('Completed');
    expect((await logsOf(s, w.viewer.token, c(), job.asset_id, runId)).results).toEqual([
      String(8 * 1024 ** 3),
    ]);
  });

  it('fails a run that allocates past its memory limit', async () => {
    const code = 'x = bytearray(600 * 1024 * 1024)\nprint("allocated")\n';
    const script = await createScript(s, w.editor.token, c(), code);
    const job = await createJob(s, w.editor.token, c(), { asset_ref: script });
    await withEnv('JOB_RUN_MEMORY_LIMIT_MB', '300', async () => {
      const runId = await startRun(s, w.editor.token, c(), job.asset_id);
      const run = await waitForRun(s, w.viewer.token, c(), job.asset_id, runId, ended);
      expect(run.state).toBe('Failed');
      const logs = (await logsOf(s, w.viewer.token, c(), job.asset_id, runId)).results;
      expect(logs).not.toContain('allocated');
      expect(logs.join('\n')).toMatch(/MemoryError/);
    });
  });

  it('fails a run past its time limit', async () => {
    const script = await createScript(s, w.editor.token, c(), 'import time\ntime.sleep(60)\n');
    const job = await createJob(s, w.editor.token, c(), { asset_ref: script });
    await withEnv('JOB_RUN_TIMEOUT_SECONDS', '1', async () => {
      const runId = await startRun(s, w.editor.token, c(), job.asset_id);
      const run = await waitForRun(s, w.viewer.token, c(), job.asset_id, runId, ended);
      expect(run).toMatchObject({ state: 'Failed', exit_signal: 'SIGKILL' });
      expect(run.message).toMatch(/time limit of 1 s/);
    });
  });

  it('refuses to start what cannot run here, with a 400 that says why', async () => {
    const flow = await createJob(s, w.editor.token, c(), { asset_ref_type: 'data_flow' });
    const res = await s.call('POST', `/v2/jobs/${flow.asset_id}/runs?${c().q}`, {
      token: w.editor.token,
      body: {},
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.message).toMatch(/Python 3 or shell/);
    const asset = await s.call('POST', `/v2/assets?${c().q}`, {
      token: w.editor.token,
      body: { metadata: { name: 'nb', asset_type: 'notebook' }, entity: {} },
    });
    const nb = await createJob(s, w.editor.token, c(), { asset_ref: asset.body.metadata.asset_id });
    const res2 = await s.call('POST', `/v2/jobs/${nb.asset_id}/runs?${c().q}`, {
      token: w.editor.token,
      body: {},
    });
    expect(res2.status, res2.text).toBe(400);
    expect(res2.body.message).toMatch(/type notebook cannot run/);
    expect(
      (await s.call('GET', `/v2/jobs/${nb.asset_id}/runs?${c().q}`, { token: w.viewer.token })).body
        .total_rows,
    ).toBe(0);
  });
});
