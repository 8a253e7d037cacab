import fs from 'node:fs';
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
let projectId: string;
let base: string;

const APPS = '/projects/{project_id}/apps';
const APP = '/projects/{project_id}/apps/{name}';
const REVISIONS = '/projects/{project_id}/apps/{app_name}/revisions';
const REVISION = '/projects/{project_id}/apps/{app_name}/revisions/{name}';
const INSTANCES = '/projects/{project_id}/apps/{app_name}/instances';
const MERGE = 'application/merge-patch+json';

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-apps-other');
  const p = await activeProject(s, 'apps-project');
  projectId = p.id;
  base = `${CE}/projects/${projectId}/apps`;
});
afterAll(() => s.close());

const createApp = (body: Record<string, unknown>) => s.call('POST', `${base}?version=${VERSION}`, { body });

describe('apps', () => {
  it('creates an app that deploys, then is ready, with its first revision, defaults and URLs', async () => {
    const res = await createApp({ name: 'hello', image_reference: 'icr.io/codeengine/helloworld' });
    const app = expectContract(res, 'POST', APPS, 201);
    for (const field of requiredOf('App')) expect(app, field).toHaveProperty(field);
    expect(res.headers.get('etag')).toBe(app.entity_tag);
    expect(app).toMatchObject({
      name: 'hello',
      resource_type: 'app_v2',
      status: 'deploying',
      status_details: { latest_created_revision: 'hello-00001', reason: 'deploying' },
      image_port: 8080,
      managed_domain_mappings: 'local_public',
      run_arguments: [],
      run_commands: [],
      run_env_variables: [],
      run_volume_mounts: [],
      run_service_account: 'default',
      scale_cpu_limit: '1',
      scale_memory_limit: '4G',
      scale_ephemeral_storage_limit: '400M',
      scale_min_instances: 0,
      scale_max_instances: 10,
      scale_concurrency: 100,
      scale_concurrency_target: 100,
      scale_request_timeout: 300,
    });
    expect(app.status_details.latest_ready_revision).toBeUndefined();
    expect(app.endpoint).toMatch(/^https:\/\/hello\.[0-9a-f]{11}\.local\.codeengine\.appdomain\.cloud$/);
    expect(app.endpoint_internal).toMatch(/^http:\/\/hello\.[0-9a-f]{11}\.svc\.cluster\.local$/);
    const env = Object.fromEntries(app.computed_env_variables.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ CE_APP: 'hello', CE_PROJECT_ID: projectId, PORT: '8080' });

    await sleep(READY_MS + 50);
    const got = await s.call('GET', `${base}/hello?version=${VERSION}`);
    const ready = expectContract(got, 'GET', APP, 200);
    expect(ready.status).toBe('ready');
    expect(ready.status_details).toEqual({
      latest_created_revision: 'hello-00001',
      latest_ready_revision: 'hello-00001',
      reason: 'ready',
    });
    expect(got.headers.get('etag')).toBe(ready.entity_tag);
  });

  it('refuses bad input with 400 and duplicates with 409, creating nothing', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ name: 'Bad_Name', image_reference: 'nginx' }, 'name'],
      [{ name: 'no-image' }, 'image_reference'],
      [{ name: 'bad-image', image_reference: 'UPPER/Case Image' }, 'image_reference'],
      [
        { name: 'bad-scale', image_reference: 'nginx', scale_min_instances: 5, scale_max_instances: 2 },
        'scale_min_instances',
      ],
      [{ name: 'bad-cpu', image_reference: 'nginx', scale_cpu_limit: 'lots' }, 'scale_cpu_limit'],
      [{ name: 'bad-mem', image_reference: 'nginx', scale_memory_limit: '4T' }, 'scale_memory_limit'],
      [
        {
          name: 'bad-storage',
          image_reference: 'nginx',
          scale_memory_limit: '1G',
          scale_ephemeral_storage_limit: '2G',
        },
        'scale_ephemeral_storage_limit',
      ],
      [
        {
          name: 'bad-env',
          image_reference: 'nginx',
          run_env_variables: [{ type: 'secret_key_reference', name: 'X' }],
        },
        'run_env_variables[0].reference',
      ],
      [{ name: 'bad-secret', image_reference: 'nginx', image_secret: 'missing' }, 'image_secret'],
      [
        {
          name: 'bad-mount',
          image_reference: 'nginx',
          run_volume_mounts: [{ type: 'config_map', reference: 'nope', mount_path: '/etc/x' }],
        },
        'run_volume_mounts[0].reference',
      ],
    ];
    for (const [body, field] of bad) {
      const err = expectCodeEngineError(await createApp(body), 400);
      expect(err.target?.name ?? field, JSON.stringify(err)).toContain(field.split('[')[0]);
    }
    // 6.0.2: volume mounts have no `name` any more.
    await s.call('POST', `${CE}/projects/${projectId}/config_maps`, {
      body: { name: 'cfg', data: { a: '1' } },
    });
    const named = await createApp({
      name: 'named-mount',
      image_reference: 'nginx',
      run_volume_mounts: [{ name: 'm', type: 'config_map', reference: 'cfg', mount_path: '/etc/cfg' }],
    });
    expectCodeEngineError(named, 400);
    const list = await s.call('GET', base);
    expect(list.body.apps.map((a: any) => a.name)).toEqual(['hello']);

    const dup = await createApp({ name: 'hello', image_reference: 'nginx' });
    expectCodeEngineError(dup, 409);
    expect((await s.call('GET', `${base}/hello`)).body.image_reference).toBe('icr.io/codeengine/helloworld');
  });

  it('keeps volume mounts, env variables and probes as given, with their defaults', async () => {
    const res = await createApp({
      name: 'mounted',
      image_reference: 'nginx:1.25',
      image_port: 80,
      run_env_variables: [
        { name: 'MODE', value: 'fast' },
        { type: 'config_map_full_reference', reference: 'cfg' },
      ],
      run_volume_mounts: [{ type: 'config_map', reference: 'cfg', mount_path: '/etc/cfg' }],
      probe_readiness: { type: 'http', path: '/healthz' },
      probe_liveness: { port: 0 },
      scale_min_instances: 2,
    });
    const app = expectContract(res, 'POST', APPS, 201);
    expect(app.run_env_variables).toEqual([
      { type: 'literal', name: 'MODE', value: 'fast' },
      { type: 'config_map_full_reference', reference: 'cfg' },
    ]);
    expect(app.run_volume_mounts).toEqual([
      { type: 'config_map', reference: 'cfg', mount_path: '/etc/cfg', read_only: true },
    ]);
    expect(app.probe_readiness).toMatchObject({ type: 'http', path: '/healthz', port: 80 });
    expect(app.probe_liveness).toMatchObject({ type: 'tcp', port: 80 });
  });

  it('updates with a merge patch under If-Match: a new revision deploys while the old one serves', async () => {
    await createApp({ name: 'patched', image_reference: 'nginx', scale_min_instances: 1 });
    await sleep(READY_MS + 50);
    const before = (await s.call('GET', `${base}/patched`)).body;
    expect(before.status).toBe('ready');

    const missing = await s.call('PATCH', `${base}/patched`, {
      body: { scale_min_instances: 2 },
      contentType: MERGE,
    });
    expectCodeEngineError(missing, 400);
    const stale = await s.call('PATCH', `${base}/patched`, {
      body: { scale_min_instances: 2 },
      contentType: MERGE,
      headers: { 'if-match': '12345' },
    });
    expectCodeEngineError(stale, 412);
    const invalid = await s.call('PATCH', `${base}/patched`, {
      body: { scale_min_instances: 50, scale_max_instances: 3 },
      contentType: MERGE,
      headers: { 'if-match': before.entity_tag },
    });
    expectCodeEngineError(invalid, 400);
    const unknown = await s.call('PATCH', `${base}/nothing`, {
      body: {},
      contentType: MERGE,
      headers: { 'if-match': '*' },
    });
    expectCodeEngineError(unknown, 404);
    const unchanged = (await s.call('GET', `${base}/patched`)).body;
    expect(unchanged.entity_tag).toBe(before.entity_tag);
    expect(unchanged.status_details.latest_created_revision).toBe('patched-00001');

    const res = await s.call('PATCH', `${base}/patched?version=${VERSION}`, {
      body: { scale_min_instances: 2, run_env_variables: [{ name: 'A', value: 'b' }], scale_concurrency: 10 },
      contentType: MERGE,
      headers: { 'if-match': before.entity_tag },
    });
    const app = expectContract(res, 'PATCH', APP, 200);
    expect(res.headers.get('etag')).toBe(app.entity_tag);
    expect(app.entity_tag).not.toBe(before.entity_tag);
    expect(app).toMatchObject({
      status: 'deploying',
      scale_min_instances: 2,
      scale_concurrency: 10,
      scale_concurrency_target: 10,
      image_reference: 'nginx',
      status_details: {
        latest_created_revision: 'patched-00002',
        latest_ready_revision: 'patched-00001',
        reason: 'deploying',
      },
    });

    // While deploying: the old revision's instance runs, the new revision's are pending.
    const during = expectContract(await s.call('GET', `${base}/patched/instances`), 'GET', INSTANCES, 200);
    const byRevision = (list: any[], rev: string) => list.filter((i) => i.revision_name === rev);
    expect(byRevision(during.instances, 'patched-00001').map((i: any) => i.status)).toEqual(['running']);
    expect(byRevision(during.instances, 'patched-00002').map((i: any) => i.status)).toEqual([
      'pending',
      'pending',
    ]);

    await sleep(READY_MS + 50);
    const after = (await s.call('GET', `${base}/patched`)).body;
    expect(after.status).toBe('ready');
    expect(after.status_details.latest_ready_revision).toBe('patched-00002');
    const instances = expectContract(await s.call('GET', `${base}/patched/instances`), 'GET', INSTANCES, 200);
    expect(instances.instances).toHaveLength(2);
    for (const i of instances.instances) {
      expect(i).toMatchObject({ app_name: 'patched', revision_name: 'patched-00002', status: 'running' });
      expect(i.name).toMatch(/^patched-00002-deployment-[a-z0-9]{10}-[a-z0-9]{5}$/);
    }
    const paged = await s.call('GET', `${base}/patched/instances?limit=1`);
    expect(paged.body.instances).toHaveLength(1);
    const next = await s.call('GET', `${base}/patched/instances?limit=1&start=${paged.body.next.start}`);
    expect(next.body.instances[0].name).toBe(instances.instances[1].name);
    expect(next.body.next).toBeUndefined();
    expectCodeEngineError(
      await s.call('GET', `${base}/patched/instances?start=${paged.body.next.start.slice(1)}`),
      400,
    );
    expectCodeEngineError(await s.call('GET', `${base}/patched/instances?limit=0`), 400);

    // `*` matches any version; untouched settings stay.
    const star = await s.call('PATCH', `${base}/patched`, {
      body: { image_reference: 'nginx:1.27' },
      contentType: MERGE,
      headers: { 'if-match': '*' },
    });
    expect(star.body).toMatchObject({
      image_reference: 'nginx:1.27',
      scale_concurrency: 10,
      scale_min_instances: 2,
    });
    expect(star.body.status_details.latest_created_revision).toBe('patched-00003');
  });

  it('numbers revisions without gaps or repeats under concurrent updates', async () => {
    await createApp({ name: 'busy', image_reference: 'nginx' });
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        s.call('PATCH', `${base}/busy`, {
          body: { run_arguments: [String(n)] },
          contentType: MERGE,
          headers: { 'if-match': '*' },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const created = results.map((r) => r.body.status_details.latest_created_revision).sort();
    expect(created).toEqual(['busy-00002', 'busy-00003', 'busy-00004', 'busy-00005', 'busy-00006']);
    const revisions = (await s.call('GET', `${base}/busy/revisions`)).body.revisions;
    expect(revisions.map((r: any) => r.name)).toEqual(['busy-00001', ...created]);
    expect((await s.call('DELETE', `${base}/busy`)).status).toBe(202);
  });

  it('lists, reads and deletes revisions', async () => {
    const list = expectContract(
      await s.call('GET', `${base}/patched/revisions?version=${VERSION}`),
      'GET',
      REVISIONS,
      200,
    );
    expect(list.revisions.map((r: any) => r.name)).toEqual([
      'patched-00001',
      'patched-00002',
      'patched-00003',
    ]);
    for (const field of requiredOf('AppRevision')) expect(list.revisions[0], field).toHaveProperty(field);
    expect(list.revisions[1]).toMatchObject({
      app_name: 'patched',
      scale_min_instances: 2,
      resource_type: 'app_revision_v2',
    });
    const page = await s.call('GET', `${base}/patched/revisions?limit=2`);
    expect(page.body.revisions).toHaveLength(2);
    const rest = await s.call('GET', `${base}/patched/revisions?limit=2&start=${page.body.next.start}`);
    expect(rest.body.revisions.map((r: any) => r.name)).toEqual(['patched-00003']);
    expectCodeEngineError(await s.call('GET', `${base}/patched/revisions?start=bogus`), 400);
    expectCodeEngineError(await s.call('GET', `${base}/nothing/revisions`), 404);

    const one = expectContract(
      await s.call('GET', `${base}/patched/revisions/patched-00001`),
      'GET',
      REVISION,
      200,
    );
    expect(one).toMatchObject({ name: 'patched-00001', status: 'ready', scale_min_instances: 1 });
    expect(one.status_details.actual_instances).toBe(0);
    expectCodeEngineError(await s.call('GET', `${base}/patched/revisions/patched-00099`), 404);
    expectCodeEngineError(await s.call('GET', `${base}/hello/revisions/patched-00001`), 404);

    // The latest revision cannot go; older ones can.
    expectCodeEngineError(await s.call('DELETE', `${base}/patched/revisions/patched-00003`), 400);
    expect(
      (await s.call('DELETE', `${base}/patched/revisions/patched-00001?version=${VERSION}`)).status,
    ).toBe(202);
    expectCodeEngineError(await s.call('GET', `${base}/patched/revisions/patched-00001`), 404);
    expectCodeEngineError(await s.call('DELETE', `${base}/patched/revisions/patched-00001`), 404);
  });

  it('pages through apps and refuses bad paging parameters', async () => {
    const all = expectContract(await s.call('GET', `${base}?version=${VERSION}`), 'GET', APPS, 200);
    const names = all.apps.map((a: any) => a.name);
    expect(names).toEqual([...names].sort());
    expect(names.length).toBeGreaterThanOrEqual(3);
    const first = await s.call('GET', `${base}?limit=2`);
    expect(first.body.limit).toBe(2);
    expect(first.body.apps.map((a: any) => a.name)).toEqual(names.slice(0, 2));
    const second = await s.call('GET', `${base}?limit=2&start=${first.body.next.start}`);
    expect(second.body.apps.map((a: any) => a.name)).toEqual(names.slice(2, 4));
    expectCodeEngineError(await s.call('GET', `${base}?limit=0`), 400);
    expectCodeEngineError(await s.call('GET', `${base}?limit=101`), 400);
    expectCodeEngineError(await s.call('GET', `${base}?start=nope`), 400);
  });

  it('answers 404 for unknown projects and for projects of other users', async () => {
    const unknown = `${CE}/projects/00000000-0000-4000-8000-000000000000/apps`;
    expectCodeEngineError(await s.call('GET', unknown), 404);
    expectCodeEngineError(
      await s.call('POST', unknown, { body: { name: 'x', image_reference: 'nginx' } }),
      404,
    );
    expectCodeEngineError(await s.call('GET', `${base}/hello`, { token: other.token }), 404);
    expectCodeEngineError(
      await s.call('POST', base, {
        token: other.token,
        body: { name: 'intruder', image_reference: 'nginx' },
      }),
      404,
    );
    expectCodeEngineError(await s.call('DELETE', `${base}/hello`, { token: other.token }), 404);
    expect((await s.call('GET', `${base}/hello`)).status).toBe(200);
    expectCodeEngineError(await s.call('GET', base, { token: null }), 401);
  });

  it('deletes an app with its revisions and instances', async () => {
    expect(
      (await s.call('DELETE', `${base}/patched?version=${VERSION}&keep_service_access=false`)).status,
    ).toBe(202);
    expectCodeEngineError(await s.call('GET', `${base}/patched`), 404);
    expectCodeEngineError(await s.call('GET', `${base}/patched/revisions`), 404);
    expectCodeEngineError(await s.call('GET', `${base}/patched/instances`), 404);
    expectCodeEngineError(await s.call('DELETE', `${base}/patched`), 404);
    const db = s.built.ctx.store.db as any;
    const left = await db
      .selectFrom('ce_resources')
      .select('name')
      .where('filter_key', '=', 'patched')
      .execute();
    expect(left).toEqual([]);
    // The name is free again: a new app starts from revision 1.
    const again = await createApp({ name: 'patched', image_reference: 'nginx' });
    expect(again.body.status_details.latest_created_revision).toBe('patched-00001');
  });

  it('is a component domain mappings refer to: ready while the app exists, failed once it is gone', async () => {
    const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
    const p = `${CE}/projects/${projectId}`;
    await s.call('POST', `${p}/secrets`, {
      body: {
        name: 'cert',
        format: 'tls',
        data: { tls_cert: fixture('tls-cert.pem'), tls_key: fixture('tls-key.pem') },
      },
    });
    await createApp({ name: 'mapped', image_reference: 'nginx' });
    const mapping = await s.call('POST', `${p}/domain_mappings`, {
      body: {
        name: 'www.example.com',
        component: { name: 'mapped', resource_type: 'app_v2' },
        tls_secret: 'cert',
      },
    });
    expect(mapping.status, mapping.text).toBe(201);
    await sleep(READY_MS + 50);
    expect((await s.call('GET', `${p}/domain_mappings/www.example.com`)).body.status).toBe('ready');
    expect((await s.call('DELETE', `${base}/mapped`)).status).toBe(202);
    expect((await s.call('GET', `${p}/domain_mappings/www.example.com`)).body.status).toBe('failed');
  });
});
