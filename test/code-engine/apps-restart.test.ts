import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CE, READY_MS, activeProject, sleep, startCodeEngineServer } from './helpers.ts';

let s: TestServer | undefined;
afterAll(() => s?.close());

describe('workload lifecycles across a restart', () => {
  it('apps, revisions, functions, build runs and job runs left pending finish after a restart', async () => {
    const first = await startCodeEngineServer();
    const project = await activeProject(first, 'restart-workloads');
    const p = `${CE}/projects/${project.id}`;
    await first.call('POST', `${p}/secrets`, {
      body: { name: 'push', format: 'registry', data: { server: 'icr.io', username: 'u', password: 'p' } },
    });
    const app = await first.call('POST', `${p}/apps`, { body: { name: 'web', image_reference: 'nginx' } });
    const fn = await first.call('POST', `${p}/functions`, {
      body: { name: 'fn', runtime: 'python-3.12', code_reference: 'icr.io/a/b' },
    });
    const buildRun = await first.call('POST', `${p}/build_runs`, {
      body: {
        name: 'br',
        output_image: 'icr.io/a/b',
        output_secret: 'push',
        strategy_type: 'buildpacks',
        source_url: 'https://github.com/a/b',
      },
    });
    const jobRun = await first.call('POST', `${p}/job_runs`, {
      body: { name: 'jr', image_reference: 'busybox', scale_array_spec: '0-2' },
    });
    expect([app.body.status, fn.body.status, buildRun.body.status, jobRun.body.status]).toEqual([
      'deploying',
      'deploying',
      'pending',
      'pending',
    ]);
    // Stop before any timer fires; the rows stay pending in the database.
    await first.close({ keepData: true });

    await sleep(2 * READY_MS + 100);
    s = await startTestServer({}, { database: first.database });
    const token = await s.tokenFor(first.adminKey);
    expect((await s.call('GET', `${p}/apps/web`, { token })).body.status).toBe('ready');
    expect((await s.call('GET', `${p}/apps/web/revisions/web-00001`, { token })).body.status).toBe('ready');
    const instances = await s.call('GET', `${p}/apps/web/instances`, { token });
    expect(instances.body.instances.map((i: any) => i.status)).toEqual(['running']);
    expect((await s.call('GET', `${p}/functions/fn`, { token })).body.status).toBe('ready');
    const br = (await s.call('GET', `${p}/build_runs/br`, { token })).body;
    expect(br.status).toBe('succeeded');
    expect(br.status_details.output_digest).toMatch(/^sha256:/);
    const jr = (await s.call('GET', `${p}/job_runs/jr`, { token })).body;
    expect(jr.status).toBe('completed');
    expect(jr.status_details).toMatchObject({ requested: 3, succeeded: 3, succeeded_indices: '0-2' });

    // The start-up sweep stored the outcomes, not only the readers.
    await sleep(50);
    const db = s.built.ctx.store.db as any;
    const rows = await db
      .selectFrom('ce_resources')
      .select(['name', 'status', 'ready_status'])
      .where('project_id', '=', project.id)
      .where('kind', 'in', ['app', 'app_revision', 'function', 'build_run', 'job_run'])
      .orderBy('name')
      .execute();
    expect(rows).toEqual([
      { name: 'br', status: 'succeeded', ready_status: null },
      { name: 'fn', status: 'ready', ready_status: null },
      { name: 'jr', status: 'completed', ready_status: null },
      { name: 'web', status: 'ready', ready_status: null },
      { name: 'web-00001', status: 'ready', ready_status: null },
    ]);
  });
});
