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

const FUNCTIONS = '/projects/{project_id}/functions';
const FUNCTION = '/projects/{project_id}/functions/{name}';
const MERGE = 'application/merge-patch+json';
const CODE = `data:text/plain;base64,${Buffer.from('function main(params) { return { body: "hi" }; }').toString('base64')}`;

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-fn-other');
  const project = await activeProject(s, 'functions-project');
  p = `${CE}/projects/${project.id}`;
});
afterAll(() => s.close());

describe('function runtimes', () => {
  it('lists the catalog in the FunctionRuntimeList shape', async () => {
    const res = await s.call('GET', `${CE}/function_runtimes`);
    const list = expectContract(res, 'GET', '/function_runtimes', 200);
    for (const field of requiredOf('FunctionRuntimeList')) expect(list, field).toHaveProperty(field);
    const ids = list.function_runtimes.map((r: any) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['nodejs-20', 'nodejs-22', 'python-3.11', 'python-3.12']));
    for (const r of list.function_runtimes) {
      expect(Object.keys(r).sort()).toEqual(['default', 'deprecated', 'family', 'id', 'name', 'optimized']);
    }
    // One default per family.
    for (const family of ['nodejs', 'python']) {
      expect(list.function_runtimes.filter((r: any) => r.family === family && r.default)).toHaveLength(1);
    }
    expectCodeEngineError(await s.call('GET', `${CE}/function_runtimes`, { token: null }), 401);
  });
});

describe('functions', () => {
  it('creates a function that deploys, then is ready, with its endpoint and defaults', async () => {
    const res = await s.call('POST', `${p}/functions?version=${VERSION}`, {
      body: { name: 'greet', runtime: 'nodejs-20', code_reference: CODE },
    });
    const fn = expectContract(res, 'POST', FUNCTIONS, 201);
    for (const field of requiredOf('Function')) expect(fn, field).toHaveProperty(field);
    expect(res.headers.get('etag')).toBe(fn.entity_tag);
    expect(fn).toMatchObject({
      name: 'greet',
      resource_type: 'function_v2',
      status: 'deploying',
      status_details: { reason: 'deploying' },
      runtime: 'nodejs-20',
      code_binary: false,
      code_main: 'main',
      managed_domain_mappings: 'local_public',
      scale_concurrency: 1,
      scale_cpu_limit: '1',
      scale_memory_limit: '4G',
      scale_max_execution_time: 60,
      run_env_variables: [],
    });
    expect(fn.endpoint).toMatch(/^https:\/\/greet\.[0-9a-f]{11}\.local\.codeengine\.appdomain\.cloud$/);
    expect(fn.endpoint_internal).toMatch(/^http:\/\/greet\.[0-9a-f]{11}\.function\.cluster\.local$/);
    expect(fn.computed_env_variables.find((e: any) => e.name === 'CE_FUNCTION').value).toBe('greet');

    await sleep(READY_MS + 50);
    const got = await s.call('GET', `${p}/functions/greet`);
    const ready = expectContract(got, 'GET', FUNCTION, 200);
    expect(ready).toMatchObject({ status: 'ready', status_details: { reason: 'ready' } });
    expect(got.headers.get('etag')).toBe(ready.entity_tag);
  });

  it('checks the runtime against the catalog and the code; 409 for a taken name', async () => {
    const bad: Record<string, unknown>[] = [
      { name: 'f1', runtime: 'ruby-3', code_reference: CODE },
      { name: 'f2', runtime: 'nodejs-18', code_reference: CODE },
      { name: 'f3', runtime: 'python-3.12', code_reference: 'data:text/plain;base64,@@@' },
      { name: 'f4', runtime: 'python-3.12', code_reference: 'data:application/zip;base64,UEsDBA==' },
      { name: 'f5', runtime: 'python-3.12', code_reference: CODE, scale_max_execution_time: 500 },
      { name: 'f6', runtime: 'python-3.12', code_reference: CODE, code_main: 'not valid' },
      { name: 'f7', runtime: 'python-3.12', code_reference: CODE, code_secret: 'x' },
      { name: 'f8', runtime: 'python-3.12', code_reference: 'icr.io/ns/bundle', code_secret: 'missing' },
      { name: 'F_9', runtime: 'python-3.12', code_reference: CODE },
      { name: 'f10', runtime: 'python-3.12' },
    ];
    for (const body of bad) expectCodeEngineError(await s.call('POST', `${p}/functions`, { body }), 400);
    expectCodeEngineError(
      await s.call('POST', `${p}/functions`, {
        body: { name: 'greet', runtime: 'nodejs-22', code_reference: CODE },
      }),
      409,
    );
    const zip = await s.call('POST', `${p}/functions`, {
      body: {
        name: 'zipped',
        runtime: 'python-3.12',
        code_reference: 'data:application/zip;base64,UEsDBA==',
        code_binary: true,
      },
    });
    expectContract(zip, 'POST', FUNCTIONS, 201);
    const bundle = await s.call('POST', `${p}/functions`, {
      body: {
        name: 'bundled',
        runtime: 'python-3.11',
        code_reference: 'icr.io/ns/bundle:1',
        managed_domain_mappings: 'local',
      },
    });
    const b = expectContract(bundle, 'POST', FUNCTIONS, 201);
    expect(b.endpoint).toBeUndefined();
    expect(b.endpoint_internal).toContain('bundled.');
    const names = (await s.call('GET', `${p}/functions`)).body.functions.map((f: any) => f.name);
    expect(names).toEqual(['bundled', 'greet', 'zipped']);
  });

  it('updates under If-Match with a merge patch: deploys again', async () => {
    const before = (await s.call('GET', `${p}/functions/greet`)).body;
    expectCodeEngineError(
      await s.call('PATCH', `${p}/functions/greet`, { body: { code_main: 'x' }, contentType: MERGE }),
      400,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/functions/greet`, {
        body: { code_main: 'x' },
        contentType: MERGE,
        headers: { 'if-match': '3' },
      }),
      412,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/functions/greet`, {
        body: { runtime: 'nodejs-18' },
        contentType: MERGE,
        headers: { 'if-match': before.entity_tag },
      }),
      400,
    );
    expectCodeEngineError(
      await s.call('PATCH', `${p}/functions/none`, {
        body: {},
        contentType: MERGE,
        headers: { 'if-match': '*' },
      }),
      404,
    );
    expect((await s.call('GET', `${p}/functions/greet`)).body).toEqual(before);

    const res = await s.call('PATCH', `${p}/functions/greet?version=${VERSION}`, {
      body: {
        runtime: 'nodejs-22',
        scale_concurrency: 5,
        run_env_variables: [{ name: 'GREETING', value: 'hey' }],
      },
      contentType: MERGE,
      headers: { 'if-match': before.entity_tag },
    });
    const fn = expectContract(res, 'PATCH', FUNCTION, 200);
    expect(fn).toMatchObject({
      runtime: 'nodejs-22',
      scale_concurrency: 5,
      code_reference: CODE,
      status: 'deploying',
      status_details: { reason: 'ready_update_in_progress' },
      run_env_variables: [{ type: 'literal', name: 'GREETING', value: 'hey' }],
    });
    expect(fn.entity_tag).not.toBe(before.entity_tag);
    await sleep(READY_MS + 50);
    expect((await s.call('GET', `${p}/functions/greet`)).body.status).toBe('ready');
  });

  it('pages, answers 404 to other users, deletes', async () => {
    const page = expectContract(
      await s.call('GET', `${p}/functions?limit=2&version=${VERSION}`),
      'GET',
      FUNCTIONS,
      200,
    );
    expect(page.functions.map((f: any) => f.name)).toEqual(['bundled', 'greet']);
    const rest = await s.call('GET', `${p}/functions?limit=2&start=${page.next.start}`);
    expect(rest.body.functions.map((f: any) => f.name)).toEqual(['zipped']);
    expectCodeEngineError(await s.call('GET', `${p}/functions?start=nope`), 400);

    expectCodeEngineError(await s.call('GET', `${p}/functions/greet`, { token: other.token }), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/functions/greet`, { token: other.token }), 404);
    expectCodeEngineError(
      await s.call('GET', `${CE}/projects/00000000-0000-4000-8000-000000000000/functions`),
      404,
    );

    expect(
      (await s.call('DELETE', `${p}/functions/greet?version=${VERSION}&keep_service_access=true`)).status,
    ).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/functions/greet`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/functions/greet`), 404);
  });
});
