import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CallResult, type TestServer } from '../helpers/server.ts';
import {
  createJob,
  createScript,
  createWorld,
  ended,
  expectJobsError,
  startRun,
  waitForRun,
  type World,
} from './helpers.ts';

let s: TestServer;
let w: World;
let jobId: string;
let q: string;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  q = w.containers.project.q;
  const script = await createScript(s, w.editor.token, w.containers.project, 'print("ok")');
  jobId = (await createJob(s, w.editor.token, w.containers.project, { asset_ref: script })).asset_id;
});
afterAll(async () => s?.close());

const MISSING = '00000000-0000-7000-8000-000000000000';

describe('runs: errors, roles, deletion, retention', () => {
  it('answers 404 for a missing job or run, 409 for a state that does not allow the request', async () => {
    const runId = await startRun(s, w.editor.token, w.containers.project, jobId);
    await waitForRun(s, w.viewer.token, w.containers.project, jobId, runId, ended);
    for (const [method, path] of [
      ['GET', `/v2/jobs/${MISSING}/runs`],
      ['POST', `/v2/jobs/${MISSING}/runs`],
      ['GET', `/v2/jobs/${jobId}/runs/${MISSING}`],
      ['GET', `/v2/jobs/${jobId}/runs/${MISSING}/logs`],
      ['DELETE', `/v2/jobs/${jobId}/runs/${MISSING}`],
      ['POST', `/v2/jobs/${jobId}/runs/${MISSING}/cancel`],
      ['POST', `/v2/jobs/${jobId}/runs/${MISSING}/pause`],
      ['POST', `/v2/jobs/${jobId}/runs/${MISSING}/resume`],
    ] as const) {
      const body = method === 'POST' ? {} : undefined;
      expectJobsError(await s.call(method, `${path}?${q}`, { token: w.editor.token, body }), 404);
    }
    // a completed run cannot be paused, resumed or canceled
    for (const action of ['pause', 'resume', 'cancel']) {
      expectJobsError(
        await s.call('POST', `/v2/jobs/${jobId}/runs/${runId}/${action}?${q}`, {
          token: w.editor.token,
          body: {},
        }),
        409,
      );
    }
    // bad input
    expectJobsError(
      await s.call('GET', `/v2/jobs/${jobId}/runs?${q}&states=Nope`, { token: w.viewer.token }),
      400,
    );
    expectJobsError(
      await s.call('GET', `/v2/jobs/${jobId}/runs?${q}&next=zzz`, { token: w.viewer.token }),
      400,
    );
    expectJobsError(
      await s.call('GET', `/v2/jobs/${jobId}/runs/${runId}/logs?${q}&start=-1`, { token: w.viewer.token }),
      400,
    );
    expectJobsError(
      await s.call('GET', `/v2/jobs/${jobId}/runs/${runId}/logs?${q}&limit=0`, { token: w.viewer.token }),
      400,
    );
    expectJobsError(
      await s.call('POST', `/v2/jobs/${jobId}/runs?${q}`, {
        token: w.editor.token,
        body: { job_run: { configuration: { env_variables: ['1BAD=x'] } } },
      }),
      400,
    );
  });

  it('lets viewers read runs and logs, editors start and control them, outsiders nothing', async () => {
    const runId = await startRun(s, w.editor.token, w.containers.project, jobId);
    await waitForRun(s, w.viewer.token, w.containers.project, jobId, runId, ended);
    for (const path of [
      `/v2/jobs/${jobId}/runs`,
      `/v2/jobs/${jobId}/runs/${runId}`,
      `/v2/jobs/${jobId}/runs/${runId}/logs`,
    ]) {
      expect((await s.call('GET', `${path}?${q}`, { token: w.viewer.token })).status).toBe(200);
      expectJobsError(await s.call('GET', `${path}?${q}`, { token: w.outsider.token }), 403);
      expectJobsError(await s.call('GET', `${path}?${q}`, { token: null }), 401);
    }
    for (const [method, path] of [
      ['POST', `/v2/jobs/${jobId}/runs`],
      ['DELETE', `/v2/jobs/${jobId}/runs/${runId}`],
      ['POST', `/v2/jobs/${jobId}/runs/${runId}/cancel`],
      ['POST', `/v2/jobs/${jobId}/runs/${runId}/pause`],
      ['POST', `/v2/jobs/${jobId}/runs/${runId}/resume`],
    ] as const) {
      const body = method === 'POST' ? {} : undefined;
      expectJobsError(await s.call(method, `${path}?${q}`, { token: w.viewer.token, body }), 403);
    }
    const del = await s.call('DELETE', `/v2/jobs/${jobId}/runs/${runId}?${q}`, { token: w.editor.token });
    expect(del.status, del.text).toBe(204);
    expectJobsError(
      await s.call('GET', `/v2/jobs/${jobId}/runs/${runId}?${q}`, { token: w.viewer.token }),
      404,
    );
    const logRows = await (s.built.ctx.store.db as any)
      .selectFrom('job_run_logs')
      .select('seq')
      .where('run_id', '=', runId)
      .execute();
    expect(logRows).toEqual([]);
  });

  it('prunes old runs by the retention policy and lists runs by state, newest first', async () => {
    const script = await createScript(s, w.editor.token, w.containers.project, 'print("kept?")');
    const job = await createJob(s, w.editor.token, w.containers.project, {
      asset_ref: script,
      retention_policy: { amount: 2 },
    });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await startRun(s, w.editor.token, w.containers.project, job.asset_id, { name: `run ${i}` });
      await waitForRun(s, w.viewer.token, w.containers.project, job.asset_id, id, ended);
      ids.push(id);
    }
    const list = await s.call('GET', `/v2/jobs/${job.asset_id}/runs?${q}&states=Completed,Failed`, {
      token: w.viewer.token,
    });
    expect(list.body.results.map((r: any) => r.asset_id)).toEqual([ids[3], ids[2]]);
    expect(list.body.total_rows).toBe(2);
    const none = await s.call('GET', `/v2/jobs/${job.asset_id}/runs?${q}&states=Running`, {
      token: w.viewer.token,
    });
    expect(none.body).toMatchObject({ total_rows: 0, results: [], next: null });
  });

  it('pages through runs newest first with next tokens, each run once', async () => {
    const script = await createScript(s, w.editor.token, w.containers.project, 'print("paged")');
    const job = await createJob(s, w.editor.token, w.containers.project, { asset_ref: script });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await startRun(s, w.editor.token, w.containers.project, job.asset_id, { name: `page ${i}` });
      await waitForRun(s, w.viewer.token, w.containers.project, job.asset_id, id, ended);
      ids.push(id);
    }
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const res: CallResult = await s.call(
        'GET',
        `/v2/jobs/${job.asset_id}/runs?${q}&limit=2${next ? `&next=${encodeURIComponent(next)}` : ''}`,
        { token: w.viewer.token },
      );
      expect(res.status, res.text).toBe(200);
      expect(res.body.total_rows).toBe(5);
      expect(res.body.results.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.results.map((r: any) => r.asset_id));
      next = res.body.next;
    } while (next);
    expect(seen).toEqual([...ids].reverse());
  });

  it('never answers a 5xx to random run bodies (property-based), and queues only valid ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              job_run: fc.record(
                {
                  name: fc.oneof(fc.string(), fc.integer()),
                  configuration: fc.oneof(
                    fc.jsonValue(),
                    fc.record({ env_variables: fc.array(fc.string(), { maxLength: 3 }) }),
                  ),
                  job_parameters: fc.array(
                    fc.record({ name: fc.oneof(fc.string(), fc.integer()), value: fc.jsonValue() }),
                    {
                      maxLength: 3,
                    },
                  ),
                },
                { requiredKeys: [] },
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          const res = await s.call('POST', `/v2/jobs/${jobId}/runs?${q}`, { token: w.editor.token, body });
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status !== 201) expectJobsError(res, res.status);
        },
      ),
      { numRuns: 40 },
    );
  }, 180_000);
});
