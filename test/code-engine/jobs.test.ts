import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';
import { expectContract, requiredOf } from './apps-contract.ts';
import {
  CE,
  READY_MS,
  VERSION,
  activeProject,
  expectCodeEngineError,
  sleep,
  startCodeEngineServer,
} from './helpers.ts';

let s: TestServer;
let other: TestUser;
let p: string;

const JOBS = '/projects/{project_id}/jobs';
const JOB = '/projects/{project_id}/jobs/{name}';
const RUNS = '/projects/{project_id}/job_runs';
const RUN = '/projects/{project_id}/job_runs/{name}';
const MERGE = 'application/merge-patch+json';

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-jobs-other');
  const project = await activeProject(s, 'jobs-project');
  p = `${CE}/projects/${project.id}`;
  await s.call('POST', `${p}/secrets`, { body: { name: 'creds', format: 'generic', data: { k: 'v' } } });
});
afterAll(() => s.close());

/** Reads `url` every 20 ms while its status is `status` (bounded), and returns the first other answer. */
async function waitWhile(url: string, status: string) {
  for (let i = 0; i < 100; i++) {
    const res = await s.call('GET', url);
    if (res.body?.status !== status) return res;
    await sleep(20);
  }
  throw new Error(`${url} stayed ${status}`);
}

describe('jobs', () => {
  it('creates a job with defaults; reads, lists and pages', async () => {
    const res = await s.call('POST', `${p}/jobs?version=${VERSION}`, {
      body: {
        name: 'batch',
        image_reference: 'icr.io/codeengine/helloworld',
        scale_array_spec: '0-3,7',
        run_volume_mounts: [{ type: 'secret', reference: 'creds', mount_path: '/creds' }],
      },
    });
    const job = expectContract(res, 'POST', JOBS, 201);
    for (const field of requiredOf('Job')) expect(job, field).toHaveProperty(field);
    expect(res.headers.get('etag')).toBe(job.entity_tag);
    expect(job).toMatchObject({
      name: 'batch',
      resource_type: 'job_v2',
      run_mode: 'task',
      run_service_account: 'default',
      scale_array_spec: '0-3,7',
      scale_cpu_limit: '1',
      scale_memory_limit: '4G',
      scale_ephemeral_storage_limit: '400M',
      scale_max_execution_time: 7200,
      scale_retry_limit: 3,
      run_arguments: [],
      run_commands: [],
      run_env_variables: [],
      run_volume_mounts: [{ type: 'secret', reference: 'creds', mount_path: '/creds', read_only: true }],
    });
    expect(job.computed_env_variables.find((e: any) => e.name === 'CE_JOB').value).toBe('batch');
    const got = await s.call('GET', `${p}/jobs/batch`);
    expect(expectContract(got, 'GET', JOB, 200)).toEqual(job);
    expect(got.headers.get('etag')).toBe(job.entity_tag);

    for (const name of ['a-job', 'daemon']) {
      await s.call('POST', `${p}/jobs`, {
        body: { name, image_reference: 'nginx', run_mode: name === 'daemon' ? 'daemon' : 'task' },
      });
    }
    const page = expectContract(await s.call('GET', `${p}/jobs?limit=2`), 'GET', JOBS, 200);
    expect(page.jobs.map((j: any) => j.name)).toEqual(['a-job', 'batch']);
    const rest = await s.call('GET', `${p}/jobs?limit=2&start=${page.next.start}`);
    expect(rest.body.jobs.map((j: any) => j.name)).toEqual(['daemon']);
    expectCodeEngineError(await s.call('GET', `${p}/jobs?limit=500`), 400);
  });

  it('refuses invalid jobs (400), volume mounts with a name (6.0.2) and taken names (409)', async () => {
    const bad: Record<string, unknown>[] = [
      { name: 'j1' },
      { name: 'j2', image_reference: 'nginx', scale_array_spec: '3-1' },
      { name: 'j3', image_reference: 'nginx', scale_array_spec: 'a,b' },
      { name: 'j4', image_reference: 'nginx', scale_array_spec: '0-5000' },
      { name: 'j5', image_reference: 'nginx', scale_retry_limit: 9 },
      { name: 'j6', image_reference: 'nginx', run_mode: 'forever' },
      {
        name: 'j7',
        image_reference: 'nginx',
        run_volume_mounts: [{ type: 'secret', reference: 'nope', mount_path: '/x' }],
      },
      {
        name: 'j8',
        image_reference: 'nginx',
        run_volume_mounts: [{ type: 'secret', reference: 'creds', mount_path: 'relative' }],
      },
      {
        name: 'j9',
        image_reference: 'nginx',
        run_volume_mounts: [{ name: 'old-style', type: 'secret', reference: 'creds', mount_path: '/x' }],
      },
      { name: 'j10', image_reference: 'nginx', run_env_variables: [{ name: 'A' }, { name: 'A' }] },
    ];
    for (const body of bad) expectCodeEngineError(await s.call('POST', `${p}/jobs`, { body }), 400);
    expectCodeEngineError(
      await s.call('POST', `${p}/jobs`, { body: { name: 'batch', image_reference: 'nginx' } }),
      409,
    );
    const names = (await s.call('GET', `${p}/jobs`)).body.jobs.map((j: any) => j.name);
    expect(names).toEqual(['a-job', 'batch', 'daemon']);
  });

  it('updates a job with a merge patch under If-Match', async () => {
    const before = (await s.call('GET', `${p}/jobs/a-job`)).body;
    expectCodeEngineError(
      await s.call('PATCH', `${p}/jobs/a-job`, { body: { scale_retry_limit: 1 }, contentType: MERGE }),
      400,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/jobs/a-job`, {
        body: { scale_retry_limit: 1 },
        contentType: MERGE,
        headers: { 'if-match': '7' },
      }),
      412,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/jobs/a-job`, {
        body: { scale_array_spec: '9-1' },
        contentType: MERGE,
        headers: { 'if-match': before.entity_tag },
      }),
      400,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/jobs/none`, { body: {}, contentType: MERGE, headers: { 'if-match': '*' } }),
      404,
    );
    expect((await s.call('GET', `${p}/jobs/a-job`)).body).toEqual(before);
    const res = await s.call('PATCH', `${p}/jobs/a-job?version=${VERSION}`, {
      body: { scale_retry_limit: 1, scale_array_spec: '0-1', run_arguments: ['--fast'] },
      contentType: MERGE,
      headers: { 'if-match': before.entity_tag },
    });
    const job = expectContract(res, 'PATCH', JOB, 200);
    expect(job).toMatchObject({
      scale_retry_limit: 1,
      scale_array_spec: '0-1',
      run_arguments: ['--fast'],
      image_reference: 'nginx',
    });
    expect(job.entity_tag).not.toBe(before.entity_tag);
  });

  it('runs a job: the array spec expands into indices that go pending, running, completed', async () => {
    const res = await s.call('POST', `${p}/job_runs?version=${VERSION}`, { body: { job_name: 'batch' } });
    const run = expectContract(res, 'POST', RUNS, 202);
    for (const field of requiredOf('JobRun')) expect(run, field).toHaveProperty(field);
    expect(run.name).toMatch(/^batch-jobrun-[a-z0-9]{5}$/);
    expect(run).toMatchObject({
      job_name: 'batch',
      status: 'pending',
      scale_array_spec: '0-3,7',
      resource_type: 'job_run_v2',
    });
    expect(run.status_details).toMatchObject({
      requested: 5,
      pending: 5,
      running: 0,
      succeeded: 0,
      failed: 0,
      pending_indices: '0-3,7',
    });
    expect(Object.keys(run.status_details.indices_details)).toEqual(['0', '1', '2', '3', '7']);
    const env = Object.fromEntries(run.computed_env_variables.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ CE_JOB: 'batch', CE_JOBRUN: run.name, JOB_ARRAY_SIZE: '5' });

    // Poll rather than sleep: the run must pass through `running` on its way to `completed`.
    const running = expectContract(await waitWhile(`${p}/job_runs/${run.name}`, 'pending'), 'GET', RUN, 200);
    expect(running.status).toBe('running');
    expect(running.status_details).toMatchObject({ running: 5, pending: 0, running_indices: '0-3,7' });
    expect(running.status_details.start_time).toEqual(expect.any(String));

    const done = expectContract(await waitWhile(`${p}/job_runs/${run.name}`, 'running'), 'GET', RUN, 200);
    expect(done.status).toBe('completed');
    expect(done.status_details).toMatchObject({ succeeded: 5, running: 0, succeeded_indices: '0-3,7' });
    expect(done.status_details.completion_time).toEqual(expect.any(String));
    expect(done.status_details.indices_details['7']).toMatchObject({ status: 'succeeded', retries: 0 });
  });

  it('runs with overrides, inline settings and daemon mode; 400/404/409', async () => {
    const override = await s.call('POST', `${p}/job_runs`, {
      body: {
        job_name: 'batch',
        name: 'custom',
        scale_array_spec: '1,2,3',
        scale_array_size_variable_override: 10,
      },
    });
    const run = expectContract(override, 'POST', RUNS, 202);
    expect(run).toMatchObject({
      name: 'custom',
      scale_array_spec: '1,2,3',
      scale_array_size_variable_override: 10,
    });
    expect(run.status_details.requested).toBe(3);
    expect(run.computed_env_variables.find((e: any) => e.name === 'JOB_ARRAY_SIZE').value).toBe('10');

    const inline = await s.call('POST', `${p}/job_runs`, {
      body: { image_reference: 'busybox', run_commands: ['true'] },
    });
    const inl = expectContract(inline, 'POST', RUNS, 202);
    expect(inl.name).toMatch(/^jobrun-[a-z0-9]{5}$/);
    expect(inl.job_name).toBeUndefined();
    expect(inl).toMatchObject({ run_commands: ['true'], scale_array_spec: '0', run_mode: 'task' });

    const daemon = await s.call('POST', `${p}/job_runs`, { body: { job_name: 'daemon', name: 'forever' } });
    expect(daemon.body.status).toBe('pending');
    await sleep(2 * READY_MS + 100);
    const still = expectContract(await s.call('GET', `${p}/job_runs/forever`), 'GET', RUN, 200);
    expect(still.status).toBe('running');
    expect(still.status_details.running).toBe(1);

    expectCodeEngineError(await s.call('POST', `${p}/job_runs`, { body: { job_name: 'missing' } }), 404);
    expectCodeEngineError(await s.call('POST', `${p}/job_runs`, { body: { name: 'no-image' } }), 400);
    expectCodeEngineError(
      await s.call('POST', `${p}/job_runs`, { body: { job_name: 'batch', scale_array_spec: 'x' } }),
      400,
    );
    expectCodeEngineError(
      await s.call('POST', `${p}/job_runs`, {
        body: {
          job_name: 'batch',
          run_volume_mounts: [{ name: 'n', type: 'secret', reference: 'creds', mount_path: '/c' }],
        },
      }),
      400,
    );
    expectCodeEngineError(
      await s.call('POST', `${p}/job_runs`, { body: { job_name: 'batch', name: 'custom' } }),
      409,
    );
    expectCodeEngineError(await s.call('GET', `${p}/job_runs/no-image`), 404);

    const byJob = expectContract(await s.call('GET', `${p}/job_runs?job_name=batch`), 'GET', RUNS, 200);
    expect(byJob.job_runs).toHaveLength(2);
    expect(byJob.job_runs.every((r: any) => r.job_name === 'batch')).toBe(true);
    const page = await s.call('GET', `${p}/job_runs?job_name=batch&limit=1`);
    const next = await s.call('GET', `${p}/job_runs?job_name=batch&limit=1&start=${page.body.next.start}`);
    expect(next.body.job_runs).toHaveLength(1);
    expect(next.body.next).toBeUndefined();
    expect((await s.call('GET', `${p}/job_runs`)).body.job_runs).toHaveLength(4);
  });

  it('answers 404 to other users and for unknown projects', async () => {
    expectCodeEngineError(await s.call('GET', `${p}/jobs/batch`, { token: other.token }), 404);
    expectCodeEngineError(
      await s.call('POST', `${p}/job_runs`, { token: other.token, body: { job_name: 'batch' } }),
      404,
    );
    expectCodeEngineError(
      await s.call('GET', `${CE}/projects/00000000-0000-4000-8000-000000000000/jobs`),
      404,
    );
  });

  it('deletes runs, and a job with its runs', async () => {
    expect((await s.call('DELETE', `${p}/job_runs/forever?version=${VERSION}`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/job_runs/forever`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/job_runs/forever`), 404);
    expect((await s.call('DELETE', `${p}/jobs/batch?version=${VERSION}`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/jobs/batch`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/jobs/batch`), 404);
    expect((await s.call('GET', `${p}/job_runs?job_name=batch`)).body.job_runs).toEqual([]);
    // The inline run stays.
    expect((await s.call('GET', `${p}/job_runs`)).body.job_runs).toHaveLength(1);
  });
});
