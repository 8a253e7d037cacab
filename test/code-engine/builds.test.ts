import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';
import { expectContract, requiredOf } from './apps-contract.ts';
import {
  CE,
  VERSION,
  activeProject,
  expectCodeEngineError,
  sleep,
  startCodeEngineServer,
} from './helpers.ts';

let s: TestServer;
let other: TestUser;
let p: string;

const BUILDS = '/projects/{project_id}/builds';
const BUILD = '/projects/{project_id}/builds/{name}';
const RUNS = '/projects/{project_id}/build_runs';
const RUN = '/projects/{project_id}/build_runs/{name}';
const MERGE = 'application/merge-patch+json';

const GIT_BUILD = {
  output_image: 'us.icr.io/ns/app:latest',
  output_secret: 'push',
  strategy_type: 'dockerfile',
  source_url: 'https://github.com/IBM/CodeEngine',
  source_context_dir: 'helloworld',
};

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-builds-other');
  const project = await activeProject(s, 'builds-project');
  p = `${CE}/projects/${project.id}`;
  const secret = await s.call('POST', `${p}/secrets`, {
    body: {
      name: 'push',
      format: 'registry',
      data: { server: 'us.icr.io', username: 'iamapikey', password: 'x' },
    },
  });
  expect(secret.status).toBe(201);
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

describe('builds', () => {
  it('creates a build with defaults, reads it with its ETag, lists and pages', async () => {
    const res = await s.call('POST', `${p}/builds?version=${VERSION}`, {
      body: { name: 'web', ...GIT_BUILD },
    });
    const build = expectContract(res, 'POST', BUILDS, 201);
    for (const field of requiredOf('Build')) expect(build, field).toHaveProperty(field);
    expect(res.headers.get('etag')).toBe(build.entity_tag);
    expect(build).toMatchObject({
      name: 'web',
      resource_type: 'build_v2',
      status: 'ready',
      status_details: { reason: 'registered' },
      source_type: 'git',
      strategy_size: 'medium',
      strategy_spec_file: 'Dockerfile',
      timeout: 600,
      run_build_params: [],
    });
    const got = await s.call('GET', `${p}/builds/web`);
    expect(expectContract(got, 'GET', BUILD, 200)).toEqual(build);

    for (const name of ['b-2', 'b-3']) {
      await s.call('POST', `${p}/builds`, {
        body: {
          name,
          ...GIT_BUILD,
          strategy_type: 'buildpacks',
          run_build_params: [{ type: 'literal', name: 'A', value: 'b' }],
        },
      });
    }
    const page = expectContract(await s.call('GET', `${p}/builds?limit=2`), 'GET', BUILDS, 200);
    expect(page.builds.map((b: any) => b.name)).toEqual(['b-2', 'b-3']);
    expect(page.builds[0].strategy_spec_file).toBeUndefined();
    expect(page.builds[0].run_build_params).toEqual([{ type: 'literal', name: 'A', value: 'b' }]);
    const rest = await s.call('GET', `${p}/builds?limit=2&start=${page.next.start}`);
    expect(rest.body.builds.map((b: any) => b.name)).toEqual(['web']);
    expect(rest.body.next).toBeUndefined();
    expectCodeEngineError(await s.call('GET', `${p}/builds?start=zzz`), 400);
  });

  it('refuses invalid builds (400) and taken names (409); a missing secret makes the build failed', async () => {
    const cases: Record<string, unknown>[] = [
      { name: 'x1', ...GIT_BUILD, source_url: undefined },
      { name: 'x2', ...GIT_BUILD, output_image: 'Not An Image' },
      { name: 'x3', ...GIT_BUILD, timeout: 0 },
      { name: 'x4', ...GIT_BUILD, strategy_type: 'kaniko' },
      { name: 'x5', ...GIT_BUILD, source_type: 'local' },
      { name: 'X_6', ...GIT_BUILD },
      { name: 'x7', ...GIT_BUILD, run_build_params: [{ type: 'secret_key_reference', name: 'K' }] },
    ];
    for (const body of cases) expectCodeEngineError(await s.call('POST', `${p}/builds`, { body }), 400);
    expectCodeEngineError(await s.call('POST', `${p}/builds`, { body: { name: 'web', ...GIT_BUILD } }), 409);
    const names = (await s.call('GET', `${p}/builds`)).body.builds.map((b: any) => b.name);
    expect(names).toEqual(['b-2', 'b-3', 'web']);

    const failed = await s.call('POST', `${p}/builds`, {
      body: { name: 'no-secret', ...GIT_BUILD, output_secret: 'gone' },
    });
    expect(expectContract(failed, 'POST', BUILDS, 201)).toMatchObject({
      status: 'failed',
      status_details: { reason: 'spec_output_secret_ref_not_found' },
    });
    // Running a failed build is refused.
    expectCodeEngineError(
      await s.call('POST', `${p}/build_runs`, { body: { build_name: 'no-secret' } }),
      400,
    );
  });

  it('updates with a merge patch under If-Match (400 without, 412 when stale, 404 unknown)', async () => {
    const before = (await s.call('GET', `${p}/builds/web`)).body;
    expectCodeEngineError(
      await s.call('PATCH', `${p}/builds/web`, { body: { timeout: 100 }, contentType: MERGE }),
      400,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/builds/web`, {
        body: { timeout: 100 },
        contentType: MERGE,
        headers: { 'if-match': '1' },
      }),
      412,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/builds/web`, {
        body: { timeout: 99999 },
        contentType: MERGE,
        headers: { 'if-match': before.entity_tag },
      }),
      400,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/builds/none`, {
        body: {},
        contentType: MERGE,
        headers: { 'if-match': '*' },
      }),
      404,
    );
    expect((await s.call('GET', `${p}/builds/web`)).body).toEqual(before);

    const res = await s.call('PATCH', `${p}/builds/web?version=${VERSION}`, {
      body: { timeout: 100, strategy_type: 'buildpacks', strategy_size: 'large' },
      contentType: MERGE,
      headers: { 'if-match': before.entity_tag },
    });
    const build = expectContract(res, 'PATCH', BUILD, 200);
    expect(build).toMatchObject({
      timeout: 100,
      strategy_type: 'buildpacks',
      strategy_size: 'large',
      source_context_dir: 'helloworld',
    });
    expect(build.strategy_spec_file).toBeUndefined();
    expect(build.entity_tag).not.toBe(before.entity_tag);
    expect(res.headers.get('etag')).toBe(build.entity_tag);
  });

  it('runs a build: pending, running, then succeeded with times and an image digest', async () => {
    const res = await s.call('POST', `${p}/build_runs?version=${VERSION}`, { body: { build_name: 'web' } });
    const run = expectContract(res, 'POST', RUNS, 202);
    for (const field of requiredOf('BuildRun')) expect(run, field).toHaveProperty(field);
    expect(run).toMatchObject({
      build_name: 'web',
      resource_type: 'build_run_v2',
      status: 'pending',
      status_details: { reason: 'pending' },
      service_account: 'default',
      source_type: 'git',
      strategy_type: 'buildpacks',
      strategy_size: 'large',
      output_image: 'us.icr.io/ns/app:latest',
    });
    expect(run.name).toMatch(/^web-run-[a-z0-9]{5}$/);

    // Poll rather than sleep: the run must pass through `running` on its way to `succeeded`.
    const running = expectContract(
      await waitWhile(`${p}/build_runs/${run.name}`, 'pending'),
      'GET',
      RUN,
      200,
    );
    expect(running.status).toBe('running');
    expect(running.status_details.start_time).toEqual(expect.any(String));
    expect(running.status_details.completion_time).toBeUndefined();

    const done = expectContract(await waitWhile(`${p}/build_runs/${run.name}`, 'running'), 'GET', RUN, 200);
    expect(done.status).toBe('succeeded');
    expect(done.status_details).toMatchObject({ reason: 'succeeded', git_branch_name: 'main' });
    expect(done.status_details.output_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Date.parse(done.status_details.completion_time)).toBeGreaterThan(
      Date.parse(done.status_details.start_time),
    );
  });

  it('runs inline build settings, with a chosen name; overrides and 400/404/409', async () => {
    const res = await s.call('POST', `${p}/build_runs`, {
      body: { name: 'inline-1', ...GIT_BUILD, strategy_size: 'small', service_account: 'writer' },
    });
    const run = expectContract(res, 'POST', RUNS, 202);
    expect(run).toMatchObject({
      name: 'inline-1',
      build_name: '',
      strategy_size: 'small',
      service_account: 'writer',
    });

    const override = await s.call('POST', `${p}/build_runs`, {
      body: { build_name: 'b-2', name: 'b2-run', timeout: 42 },
    });
    expect(override.body).toMatchObject({ build_name: 'b-2', timeout: 42, strategy_type: 'buildpacks' });

    expectCodeEngineError(
      await s.call('POST', `${p}/build_runs`, { body: { name: 'inline-1', build_name: 'web' } }),
      409,
    );
    expectCodeEngineError(await s.call('POST', `${p}/build_runs`, { body: { build_name: 'missing' } }), 404);
    expectCodeEngineError(await s.call('POST', `${p}/build_runs`, { body: { name: 'no-settings' } }), 400);
    expectCodeEngineError(
      await s.call('POST', `${p}/build_runs`, { body: { ...GIT_BUILD, output_secret: 'gone' } }),
      400,
    );
    expectCodeEngineError(await s.call('GET', `${p}/build_runs/no-settings`), 404);

    const byBuild = expectContract(await s.call('GET', `${p}/build_runs?build_name=b-2`), 'GET', RUNS, 200);
    expect(byBuild.build_runs.map((r: any) => r.name)).toEqual(['b2-run']);
    const all = await s.call('GET', `${p}/build_runs?limit=1`);
    expect(all.body.build_runs).toHaveLength(1);
    expect(all.body.next.href).toContain('limit=1');
    const second = await s.call('GET', `${p}/build_runs?limit=1&start=${all.body.next.start}`);
    expect(second.body.build_runs[0].name > all.body.build_runs[0].name).toBe(true);
    // A token of one filtered list is refused by another.
    expectCodeEngineError(
      await s.call('GET', `${p}/build_runs?build_name=web&start=${all.body.next.start}`),
      400,
    );
  });

  it('answers 404 to other users and for unknown projects', async () => {
    expectCodeEngineError(await s.call('GET', `${p}/builds`, { token: other.token }), 404);
    expectCodeEngineError(
      await s.call('POST', `${p}/build_runs`, { token: other.token, body: { build_name: 'web' } }),
      404,
    );
    expectCodeEngineError(
      await s.call('GET', `${CE}/projects/00000000-0000-4000-8000-000000000000/build_runs`),
      404,
    );
    expectCodeEngineError(await s.call('GET', `${p}/build_runs`, { token: null }), 401);
  });

  it('deletes build runs and builds (202, then 404); runs outlive their build', async () => {
    expect((await s.call('DELETE', `${p}/build_runs/inline-1?version=${VERSION}`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/build_runs/inline-1`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/build_runs/inline-1`), 404);
    expect((await s.call('DELETE', `${p}/builds/b-2?version=${VERSION}`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/builds/b-2`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/builds/b-2`), 404);
    expect((await s.call('GET', `${p}/build_runs/b2-run`)).status).toBe(200);
  });
});
