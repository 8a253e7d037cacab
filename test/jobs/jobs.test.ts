import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  createJob,
  createScript,
  createWorld,
  expectJobsError,
  type Container,
  type World,
} from './helpers.ts';

let s: TestServer;
let w: World;
let script: Record<'project' | 'space', string>;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  script = {
    project: await createScript(s, w.editor.token, w.containers.project, 'print(1)'),
    space: await createScript(s, w.editor.token, w.containers.space, 'print(1)'),
  };
});
afterAll(async () => s?.close());

const MISSING = '00000000-0000-7000-8000-000000000000';
let n = 0;
const unique = (prefix = 'sn') => `${prefix}_${process.pid}_${Date.now() % 1e7}_${n++}`;

describe('jobs: create, get, list, update, delete', () => {
  for (const kind of ['project', 'space'] as const) {
    it(`keeps every documented field and computes the rest (${kind})`, async () => {
      const c = w.containers[kind];
      const servingName = unique();
      const job = await createJob(s, w.editor.token, c, {
        name: 'Example Job',
        description: 'Example Description',
        asset_ref: script[kind],
        configuration: { env_id: 'example_runtime', env_variables: ['A=1'] },
        retention_policy: { days: 2 },
        notification_types: { success: false, warning: false, failure: true },
        serving_name: servingName,
        job_parameters: [{ name: 'job_param_1', value: { any: ['type'] } }],
        parameter_sets: [{ name: 'paramset_1', value_set: 'red', values: [{ name: 'p2', value: 2 }] }],
      });
      expect(job.metadata).toMatchObject({
        name: 'Example Job',
        description: 'Example Description',
        asset_type: 'job',
        asset_attributes: ['job'],
        owner_id: w.editor.iam_id,
        creator_id: w.editor.iam_id,
        version: 0,
        [kind === 'project' ? 'project_id' : 'space_id']: c.id,
      });
      expect(job.entity.job).toMatchObject({
        asset_ref: script[kind],
        asset_ref_type: 'script',
        configuration: { env_id: 'example_runtime', env_variables: ['A=1'] },
        retention_policy: { days: 2 },
        serving_name: servingName,
        future_scheduled_runs: [],
        schedule_id: '',
        enable_notifications: true,
      });
      expect(job.href).toBe(`/v2/assets/${job.asset_id}?${c.q}`);
      // the container's name, as project_name or space_name
      const container = await s.call('GET', `/v2/${kind}s/${c.id}`, { token: w.editor.token });
      expect(container.body.entity.name).toBeTruthy();
      expect(job.entity.job[`${kind}_name`]).toBe(container.body.entity.name);
      expect(job.entity.job).not.toHaveProperty(kind === 'project' ? 'space_name' : 'project_name');

      // by id and by serving name, as a viewer
      for (const id of [job.asset_id, servingName]) {
        const got = await s.call('GET', `/v2/jobs/${id}?${c.q}`, { token: w.viewer.token });
        expect(got.status, got.text).toBe(200);
        expect(got.body.metadata.asset_id).toBe(job.asset_id);
      }

      // update by serving name (JSON Patch)
      const patched = await s.call('PATCH', `/v2/jobs/${servingName}?${c.q}`, {
        token: w.editor.token,
        body: [
          { op: 'replace', path: '/metadata/name', value: 'New Job Name' },
          { op: 'add', path: '/metadata/description', value: 'Sample description.' },
          { op: 'replace', path: '/entity/job/retention_policy', value: { amount: 5 } },
        ],
        contentType: 'application/json-patch+json',
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.metadata).toMatchObject({
        name: 'New Job Name',
        description: 'Sample description.',
        version: 1,
      });
      expect(patched.body.entity.job.retention_policy).toEqual({ amount: 5 });

      // delete, then it is gone
      const del = await s.call('DELETE', `/v2/jobs/${job.asset_id}?${c.q}`, { token: w.editor.token });
      expect(del.status, del.text).toBe(204);
      expectJobsError(await s.call('GET', `/v2/jobs/${job.asset_id}?${c.q}`, { token: w.viewer.token }), 404);
      // its serving name is free again
      const avail = await s.call('GET', `/v2/jobs/serving_name/${servingName}`, { token: w.viewer.token });
      expect(avail.body).toEqual({ results: ['serving_name does not exist in DB'] });
    });
  }

  it('lists with the documented filters and next-token paging', async () => {
    const c = w.containers.project;
    const other = await createScript(s, w.editor.token, c, 'print(2)');
    const mine = [];
    for (let i = 0; i < 5; i++)
      mine.push((await createJob(s, w.editor.token, c, { name: `paged ${i}`, asset_ref: other })).asset_id);
    const typed = await createJob(s, w.editor.token, c, { name: 'flow', asset_ref_type: 'data_flow' });

    const all: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const res: any = await s.call(
        'GET',
        `/v2/jobs?${c.q}&asset_ref=${other}&limit=2${next ? `&next=${next}` : ''}`,
        {
          token: w.viewer.token,
        },
      );
      expect(res.status, res.text).toBe(200);
      expect(res.body.total_rows).toBe(5);
      all.push(...res.body.results.map((j: any) => j.metadata.asset_id));
      next = res.body.next;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(all).toEqual(mine);

    const flows = await s.call('GET', `/v2/jobs?${c.q}&asset_ref_type=data_flow`, { token: w.viewer.token });
    expect(flows.body.results.map((j: any) => j.metadata.asset_id)).toEqual([typed.asset_id]);

    // run_id finds the job of a run
    const run = await s.call('POST', `/v2/jobs/${mine[2]}/runs?${c.q}`, {
      token: w.editor.token,
      body: { job_run: {} },
    });
    expect(run.status, run.text).toBe(201);
    const byRun = await s.call('GET', `/v2/jobs?${c.q}&run_id=${run.body.asset_id}`, {
      token: w.viewer.token,
    });
    expect(byRun.body.results.map((j: any) => j.metadata.asset_id)).toEqual([mine[2]]);
    const none = await s.call('GET', `/v2/jobs?${c.q}&run_id=${MISSING}`, { token: w.viewer.token });
    expect(none.body).toMatchObject({ total_rows: 0, results: [] });

    expectJobsError(await s.call('GET', `/v2/jobs?${c.q}&next=garbage`, { token: w.viewer.token }), 400);
  });

  it('lists future scheduled runs of a cron schedule inside its window', async () => {
    const c = w.containers.project;
    const start = Date.UTC(2099, 0, 1);
    const job = await createJob(s, w.editor.token, c, {
      asset_ref: script.project,
      schedule: '20 * * * *',
      schedule_info: { startOn: start, endOn: start + 2 * 3600_000 + 30 * 60_000, repeat: true },
    });
    expect(job.entity.job.future_scheduled_runs).toEqual([
      '2099-01-01T00:20:00.000Z',
      '2099-01-01T01:20:00.000Z',
      '2099-01-01T02:20:00.000Z',
    ]);
    expect(job.entity.job.schedule_id).toBe(job.asset_id);
    expect(job.entity.job.schedule_creator_id).toBe(w.editor.iam_id);
    const once = await createJob(s, w.editor.token, c, {
      asset_ref: script.project,
      schedule: '20 * * * *',
      schedule_info: { startOn: start, repeat: false },
    });
    expect(once.entity.job.future_scheduled_runs).toEqual(['2099-01-01T00:20:00.000Z']);
    // removing the schedule clears them
    const patched = await s.call('PATCH', `/v2/jobs/${job.asset_id}?${c.q}`, {
      token: w.editor.token,
      body: [{ op: 'remove', path: '/entity/job/schedule' }],
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.entity.job.future_scheduled_runs).toEqual([]);
  });
});

describe('serving names', () => {
  it('are unique across containers; the availability check says so', async () => {
    const name = unique();
    const check = () => s.call('GET', `/v2/jobs/serving_name/${name}`, { token: w.outsider.token });
    expect((await check()).body).toEqual({ results: ['serving_name does not exist in DB'] });
    await createJob(s, w.editor.token, w.containers.project, {
      asset_ref: script.project,
      serving_name: name,
    });
    expect((await check()).body).toEqual({ results: ['serving_name already exists in DB'] });
    const again = await s.call('POST', `/v2/jobs?${w.containers.space.q}`, {
      token: w.editor.token,
      body: { job: { name: 'dup', asset_ref: script.space, serving_name: name } },
    });
    expectJobsError(again, 409);
    expect(again.body.message).toMatch(/already used/);
    // a patch to a taken name is refused too
    const other = await createJob(s, w.editor.token, w.containers.space, { asset_ref: script.space });
    expectJobsError(
      await s.call('PATCH', `/v2/jobs/${other.asset_id}?${w.containers.space.q}`, {
        token: w.editor.token,
        body: [{ op: 'add', path: '/entity/job/serving_name', value: name }],
      }),
      409,
    );
    // concurrent creates with one name: exactly one wins
    const racer = unique();
    const results = await Promise.all(
      [0, 1, 2, 3].map(() =>
        s.call('POST', `/v2/jobs?${w.containers.project.q}`, {
          token: w.editor.token,
          body: { job: { name: 'race', asset_ref: script.project, serving_name: racer } },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it('refuses malformed names with a 400', async () => {
    for (const bad of ['has-dash', 'x'.repeat(37), 'sp%20ace']) {
      expectJobsError(await s.call('GET', `/v2/jobs/serving_name/${bad}`, { token: w.viewer.token }), 400);
    }
    expectJobsError(
      await s.call('POST', `/v2/jobs?${w.containers.project.q}`, {
        token: w.editor.token,
        body: { job: { name: 'bad', asset_ref: script.project, serving_name: 'no spaces' } },
      }),
      400,
    );
  });
});

describe('documented errors and roles', () => {
  const c = () => w.containers.project;

  it('answers 400 for invalid jobs, and keeps nothing', async () => {
    const before = (await s.call('GET', `/v2/jobs?${c().q}`, { token: w.viewer.token })).body.total_rows;
    const bad: Record<string, unknown>[] = [
      { name: 'both', asset_ref: script.project, asset_ref_type: 'data_flow' },
      { name: 'neither' },
      { name: 'missing asset', asset_ref: MISSING },
      { name: 'cron', asset_ref: script.project, schedule: 'every day' },
      {
        name: 'window',
        asset_ref: script.project,
        schedule: '* * * * *',
        schedule_info: { startOn: 10, endOn: 5 },
      },
      { name: 'env', asset_ref: script.project, configuration: { env_variables: ['no equals sign'] } },
      { name: 'retention', asset_ref: script.project, retention_policy: { days: 0 } },
      { name: '', asset_ref: script.project },
    ];
    for (const job of bad) {
      expectJobsError(
        await s.call('POST', `/v2/jobs?${c().q}`, { token: w.editor.token, body: { job } }),
        400,
      );
    }
    expectJobsError(
      await s.call('POST', `/v2/jobs`, { token: w.editor.token, body: { job: { name: 'x' } } }),
      400,
    );
    expectJobsError(
      await s.call('POST', `/v2/jobs?${c().q}&${w.containers.space.q}`, {
        token: w.editor.token,
        body: { job: { name: 'x', asset_ref_type: 'a' } },
      }),
      400,
    );
    expect((await s.call('GET', `/v2/jobs?${c().q}`, { token: w.viewer.token })).body.total_rows).toBe(
      before,
    );
  });

  it('answers 400 for bad patches, 404 for missing jobs, 409 when deleting a job with active runs', async () => {
    const job = await createJob(s, w.editor.token, c(), { asset_ref: script.project });
    for (const ops of [
      [{ op: 'replace', path: '/metadata/name', value: '' }],
      [
        { op: 'remove', path: '/entity/job/asset_ref' },
        { op: 'remove', path: '/entity/job/asset_ref_type' },
      ],
      [{ op: 'replace', path: '/entity/job/schedule', value: 'nope' }],
      [{ op: 'replace', path: '/nothing/here', value: 1 }],
      [{ op: 'add', path: '/entity/job/asset_ref_type', value: 'data_flow' }],
    ]) {
      expectJobsError(
        await s.call('PATCH', `/v2/jobs/${job.asset_id}?${c().q}`, { token: w.editor.token, body: ops }),
        400,
      );
    }
    const got = await s.call('GET', `/v2/jobs/${job.asset_id}?${c().q}`, { token: w.viewer.token });
    expect(got.body.metadata.version).toBe(0);

    for (const [method, body] of [
      ['GET', undefined],
      ['DELETE', undefined],
      ['PATCH', [{ op: 'replace', path: '/metadata/name', value: 'x' }]],
    ] as const) {
      expectJobsError(
        await s.call(method, `/v2/jobs/${MISSING}?${c().q}`, { token: w.editor.token, body }),
        404,
      );
    }
    // a job of another container is not found here
    expectJobsError(
      await s.call('GET', `/v2/jobs/${job.asset_id}?${w.containers.space.q}`, { token: w.admin.token }),
      404,
    );
    // a missing container
    expectJobsError(await s.call('GET', `/v2/jobs?project_id=${MISSING}`, { token: w.admin.token }), 404);

    const slow = await createScript(s, w.editor.token, c(), 'import time; time.sleep(60)');
    const busy = await createJob(s, w.editor.token, c(), { asset_ref: slow });
    const run = await s.call('POST', `/v2/jobs/${busy.asset_id}/runs?${c().q}`, {
      token: w.editor.token,
      body: {},
    });
    expect(run.status, run.text).toBe(201);
    expectJobsError(
      await s.call('DELETE', `/v2/jobs/${busy.asset_id}?${c().q}`, { token: w.editor.token }),
      409,
    );
    await s.call('POST', `/v2/jobs/${busy.asset_id}/runs/${run.body.asset_id}/cancel?${c().q}`, {
      token: w.editor.token,
      body: {},
    });
  });

  it('lets viewers read, editors write, and outsiders nothing', async () => {
    for (const kind of ['project', 'space'] as const) {
      const cc: Container = w.containers[kind];
      const job = await createJob(s, w.editor.token, cc, { asset_ref: script[kind] });
      const path = `/v2/jobs/${job.asset_id}?${cc.q}`;
      expectJobsError(
        await s.call('POST', `/v2/jobs?${cc.q}`, {
          token: w.viewer.token,
          body: { job: { name: 'x', asset_ref: script[kind] } },
        }),
        403,
      );
      expectJobsError(
        await s.call('PATCH', path, {
          token: w.viewer.token,
          body: [{ op: 'replace', path: '/metadata/name', value: 'x' }],
        }),
        403,
      );
      expectJobsError(await s.call('DELETE', path, { token: w.viewer.token }), 403);
      expectJobsError(await s.call('GET', path, { token: w.outsider.token }), 403);
      expectJobsError(await s.call('GET', `/v2/jobs?${cc.q}`, { token: w.outsider.token }), 403);
      expectJobsError(await s.call('GET', path, { token: null }), 401);
      expectJobsError(await s.call('GET', `/v2/jobs/serving_name/abc`, { token: null }), 401);
      expect((await s.call('GET', path, { token: w.viewer.token })).status).toBe(200);
      expect((await s.call('DELETE', path, { token: w.admin.token })).status).toBe(204);
    }
  });

  it('never answers a 5xx to random job bodies and patches (property-based)', async () => {
    const c0 = c();
    const before = (await s.call('GET', `/v2/jobs?${c0.q}`, { token: w.viewer.token })).body.total_rows;
    const job = await createJob(s, w.editor.token, c0, { asset_ref: script.project });
    let created = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            name: fc.oneof(fc.string(), fc.integer()),
            asset_ref: fc.oneof(fc.constant(script.project), fc.string()),
            asset_ref_type: fc.string(),
            schedule: fc.oneof(fc.string(), fc.constant('* * * * *'), fc.constant('0 0 31 2 *')),
            schedule_info: fc.record(
              { startOn: fc.integer(), endOn: fc.integer(), repeat: fc.boolean() },
              { requiredKeys: [] },
            ),
            configuration: fc.oneof(fc.object(), fc.record({ env_variables: fc.array(fc.string()) })),
            retention_policy: fc.record({ days: fc.integer(), amount: fc.integer() }, { requiredKeys: [] }),
            serving_name: fc.string(),
            job_parameters: fc.array(fc.record({ name: fc.string(), value: fc.jsonValue() })),
          },
          { requiredKeys: [] },
        ),
        fc.array(
          fc.record({
            op: fc.constantFrom('add', 'replace', 'remove', 'move', 'copy', 'test'),
            path: fc.constantFrom(
              '/metadata/name',
              '/entity/job/schedule',
              '/entity/job',
              '/entity/job/asset_ref',
              '/x',
              '',
            ),
            value: fc.jsonValue(),
          }),
          { maxLength: 3 },
        ),
        async (body, ops) => {
          const res = await s.call('POST', `/v2/jobs?${c0.q}`, {
            token: w.editor.token,
            body: { job: body },
          });
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status === 201) {
            created++;
            await s.call('DELETE', `/v2/jobs/${res.body.asset_id}?${c0.q}`, { token: w.editor.token });
          } else expectJobsError(res, res.status);
          const p = await s.call('PATCH', `/v2/jobs/${job.asset_id}?${c0.q}`, {
            token: w.editor.token,
            body: ops,
          });
          expect(p.status, p.text).toBeLessThan(500);
        },
      ),
      { numRuns: 40 },
    );
    expect(created).toBeGreaterThanOrEqual(0);
    const after = (await s.call('GET', `/v2/jobs?${c0.q}`, { token: w.viewer.token })).body.total_rows;
    expect(after).toBe(before + 1);
  }, 180_000);
});
