import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';
import {
  CE,
  READY_MS,
  VERSION,
  activeProject,
  expectCodeEngineError,
  insertComponent,
  sleep,
  startCodeEngineServer,
} from './helpers.ts';

const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

let s: TestServer;
let other: TestUser;
let projectId: string;
let p: string;

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-other');
  projectId = (await activeProject(s, 'refs-project')).id;
  p = `${CE}/projects/${projectId}`;
  const secrets: any[] = [
    { name: 'hmac', format: 'hmac_auth', data: { access_key_id: 'a', secret_access_key: 'b' } },
    {
      name: 'cert',
      format: 'tls',
      data: { tls_cert: fixture('tls-cert.pem'), tls_key: fixture('tls-key.pem') },
    },
    { name: 'access', format: 'service_access', service_access: { service_instance: { id: 'inst' } } },
    { name: 'plain', format: 'generic', data: { a: 'b' } },
  ];
  for (const body of secrets) expect((await s.call('POST', `${p}/secrets`, { body })).status).toBe(201);
  await insertComponent(s, projectId, 'app', 'web');
  await insertComponent(s, projectId, 'job', 'batch');
});
afterAll(() => s.close());

describe('persistent data stores', () => {
  const data = { bucket_location: 'eu-de', bucket_name: 'my-bucket', secret_name: 'hmac' };

  it('creates, reads, lists, deletes', async () => {
    const res = await s.call('POST', `${p}/persistent_data_stores?version=${VERSION}`, {
      body: { name: 'store', storage_type: 'object_storage', data },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'store',
      storage_type: 'object_storage',
      data,
      resource_type: 'persistent_data_store_v2',
      region: 'local',
      project_id: projectId,
    });
    expect(res.body.href).toBe(`${s.url}${p}/persistent_data_stores/store`);
    expect(res.headers.get('etag')).toBe(res.body.entity_tag);
    const got = await s.call('GET', `${p}/persistent_data_stores/store`);
    expect(got.body).toEqual(res.body);
    await s.call('POST', `${p}/persistent_data_stores`, {
      body: { name: 'store2', storage_type: 'object_storage', data: { ...data, bucket_location: 'sng01' } },
    });
    const page = await s.call('GET', `${p}/persistent_data_stores?limit=1`);
    expect(page.body.persistent_data_stores.map((x: any) => x.name)).toEqual(['store']);
    const next = await s.call('GET', `${p}/persistent_data_stores?limit=1&start=${page.body.next.start}`);
    expect(next.body.persistent_data_stores.map((x: any) => x.name)).toEqual(['store2']);
    expect((await s.call('DELETE', `${p}/persistent_data_stores/store2`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/persistent_data_stores/store2`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/persistent_data_stores/store2`), 404);
  });

  it('refuses bad input (400), duplicates (409), other users (404)', async () => {
    const cases: [any, string | null][] = [
      [{ name: 'x', storage_type: 'object_storage' }, 'data'],
      [{ name: 'x', storage_type: 'block', data }, null],
      [{ name: 'x', storage_type: 'object_storage', data: { ...data, bucket_location: 'mars-1' } }, null],
      [
        { name: 'x', storage_type: 'object_storage', data: { ...data, bucket_name: 'Bad_Bucket' } },
        'data.bucket_name',
      ],
      [
        { name: 'x', storage_type: 'object_storage', data: { ...data, secret_name: 'missing' } },
        'data.secret_name',
      ],
      [
        { name: 'x', storage_type: 'object_storage', data: { ...data, secret_name: 'plain' } },
        'data.secret_name',
      ],
      [{ name: 'x', storage_type: 'object_storage', data: { bucket_name: 'b', secret_name: 'hmac' } }, null],
      [{ name: 'X!', storage_type: 'object_storage', data }, 'name'],
    ];
    for (const [body, field] of cases) {
      const err = expectCodeEngineError(await s.call('POST', `${p}/persistent_data_stores`, { body }), 400);
      if (field) expect(err.target, JSON.stringify(body)).toEqual({ type: 'field', name: field });
    }
    expectCodeEngineError(await s.call('GET', `${p}/persistent_data_stores/x`), 404);
    await s.call('POST', `${p}/persistent_data_stores`, {
      body: { name: 'once', storage_type: 'object_storage', data },
    });
    const dup = await s.call('POST', `${p}/persistent_data_stores`, {
      body: { name: 'once', storage_type: 'object_storage', data },
    });
    expectCodeEngineError(dup, 409);
    expectCodeEngineError(
      await s.call('GET', `${p}/persistent_data_stores/once`, { token: other.token }),
      404,
    );
  });
});

describe('bindings', () => {
  it('binds a service_access secret to an app: creating, then active; get, list, delete by id', async () => {
    const res = await s.call('POST', `${p}/bindings?version=${VERSION}`, {
      body: { component: { name: 'web', resource_type: 'app_v2' }, prefix: 'DB', secret_name: 'access' },
    });
    expect(res.status, res.text).toBe(201);
    const b = res.body;
    expect(b).toMatchObject({
      component: { name: 'web', resource_type: 'app_v2' },
      prefix: 'DB',
      secret_name: 'access',
      project_id: projectId,
      resource_type: 'binding_v2',
      status: 'creating',
    });
    expect(b.href).toBe(`${s.url}${p}/bindings/${b.id}`);
    await sleep(READY_MS + 50);
    const got = await s.call('GET', `${p}/bindings/${b.id}`);
    expect(got.status).toBe(200);
    expect(got.body.status).toBe('active');

    await s.call('POST', `${p}/bindings`, {
      body: { component: { name: 'batch', resource_type: 'job_v2' }, prefix: 'CACHE', secret_name: 'access' },
    });
    const page = await s.call('GET', `${p}/bindings?limit=1`);
    expect(page.body.bindings).toHaveLength(1);
    const next = await s.call('GET', `${p}/bindings?limit=1&start=${page.body.next.start}`);
    expect(next.body.bindings).toHaveLength(1);
    expect(next.body.bindings[0].id).not.toBe(page.body.bindings[0].id);
    expect(next.body.next).toBeUndefined();

    expect((await s.call('DELETE', `${p}/bindings/${b.id}`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/bindings/${b.id}`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/bindings/${b.id}`), 404);
  });

  it('shows failed when the component does not exist', async () => {
    const res = await s.call('POST', `${p}/bindings`, {
      body: { component: { name: 'ghost', resource_type: 'app_v2' }, prefix: 'GHOST', secret_name: 'access' },
    });
    expect(res.status).toBe(201);
    await sleep(READY_MS + 50);
    expect((await s.call('GET', `${p}/bindings/${res.body.id}`)).body.status).toBe('failed');
  });

  it('refuses bad input (400), the same prefix twice on one component (409), other users (404)', async () => {
    const ok = {
      component: { name: 'web', resource_type: 'app_v2' },
      prefix: 'TWICE',
      secret_name: 'access',
    };
    const cases: [any, string | null][] = [
      [{ ...ok, component: { name: 'web', resource_type: 'build_v2' } }, 'component.resource_type'],
      [{ ...ok, prefix: 'lower' }, 'prefix'],
      [{ ...ok, prefix: 'A'.repeat(32) }, 'prefix'],
      [{ ...ok, secret_name: 'plain' }, 'secret_name'],
      [{ ...ok, secret_name: 'missing' }, 'secret_name'],
      [{ component: ok.component, secret_name: 'access' }, null],
      [{ ...ok, component: { name: 'web' } }, null],
    ];
    for (const [body, field] of cases) {
      const err = expectCodeEngineError(await s.call('POST', `${p}/bindings`, { body }), 400);
      if (field) expect(err.target, JSON.stringify(body)).toEqual({ type: 'field', name: field });
    }
    const first = await s.call('POST', `${p}/bindings`, { body: ok });
    expect(first.status).toBe(201);
    expectCodeEngineError(await s.call('POST', `${p}/bindings`, { body: ok }), 409);
    const list = await s.call('GET', `${p}/bindings`);
    expect(list.body.bindings.filter((x: any) => x.prefix === 'TWICE')).toHaveLength(1);
    expectCodeEngineError(await s.call('GET', `${p}/bindings/${first.body.id}`, { token: other.token }), 404);
    expectCodeEngineError(
      await s.call('DELETE', `${p}/bindings/${first.body.id}`, { token: other.token }),
      404,
    );
    expectCodeEngineError(await s.call('GET', `${p}/bindings/not-an-id`), 404);
  });
});

describe('domain mappings', () => {
  const body = {
    name: 'www.example.com',
    component: { name: 'web', resource_type: 'app_v2' },
    tls_secret: 'cert',
  };

  it('maps a domain: deploying, then ready; patch under If-Match; delete', async () => {
    const res = await s.call('POST', `${p}/domain_mappings?version=${VERSION}`, { body });
    expect(res.status, res.text).toBe(201);
    const m = res.body;
    expect(m).toMatchObject({
      name: 'www.example.com',
      component: { name: 'web', resource_type: 'app_v2' },
      tls_secret: 'cert',
      status: 'deploying',
      status_details: { reason: 'deploying' },
      resource_type: 'domain_mapping_v2',
      user_managed: true,
      visibility: 'custom',
      region: 'local',
    });
    expect(m.cname_target).toMatch(/^custom\.[0-9a-f]{11}\.local\.codeengine\.appdomain\.cloud$/);
    expect(res.headers.get('etag')).toBe(m.entity_tag);
    await sleep(READY_MS + 50);
    const ready = await s.call('GET', `${p}/domain_mappings/www.example.com`);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.status_details).toEqual({ reason: 'ready' });

    await insertComponent(s, projectId, 'app', 'web2');
    const patched = await s.call('PATCH', `${p}/domain_mappings/www.example.com`, {
      // The contract's ComponentRef requires both fields, even inside a merge patch.
      body: { component: { name: 'web2', resource_type: 'app_v2' } },
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': m.entity_tag },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.component).toEqual({ name: 'web2', resource_type: 'app_v2' });
    expect(patched.body.status).toBe('deploying');
    expect(patched.body.entity_tag).not.toBe(m.entity_tag);

    const stale = await s.call('PATCH', `${p}/domain_mappings/www.example.com`, {
      body: { tls_secret: 'cert' },
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': m.entity_tag },
    });
    expectCodeEngineError(stale, 412);
    for (const patch of [
      { tls_secret: 'plain' },
      { tls_secret: 'missing' },
      { tls_secret: null },
      { component: { name: 'batch', resource_type: 'job_v2' } },
      { component: null },
    ]) {
      const bad = await s.call('PATCH', `${p}/domain_mappings/www.example.com`, {
        body: patch,
        contentType: 'application/merge-patch+json',
        headers: { 'if-match': '*' },
      });
      expectCodeEngineError(bad, 400);
    }
    const now = await s.call('GET', `${p}/domain_mappings/www.example.com`);
    expect(now.body.component.name).toBe('web2');
    expect(now.body.entity_tag).toBe(patched.body.entity_tag);
    // A merge patch may name only the member it changes (RFC 7396): the rest of component stays.
    const partial = await s.call('PATCH', `${p}/domain_mappings/www.example.com`, {
      body: { component: { name: 'web2' } },
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': '*' },
    });
    expect(partial.status).toBe(200);
    expect(partial.body.component).toEqual({ name: 'web2', resource_type: 'app_v2' });
    const unknown = await s.call('PATCH', `${p}/domain_mappings/no.example.com`, {
      body: {},
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': '*' },
    });
    expectCodeEngineError(unknown, 404);

    const list = await s.call('GET', `${p}/domain_mappings`);
    expect(list.body.domain_mappings.map((x: any) => x.name)).toEqual(['www.example.com']);
    expect(list.body.limit).toBe(50);
    expect((await s.call('DELETE', `${p}/domain_mappings/www.example.com`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${p}/domain_mappings/www.example.com`), 404);
    expectCodeEngineError(await s.call('DELETE', `${p}/domain_mappings/www.example.com`), 404);
  });

  it('fails with app_ref_failed when the app does not exist', async () => {
    const res = await s.call('POST', `${p}/domain_mappings`, {
      body: { ...body, name: 'ghost.example.com', component: { name: 'ghost', resource_type: 'app_v2' } },
    });
    expect(res.status).toBe(201);
    await sleep(READY_MS + 50);
    const got = await s.call('GET', `${p}/domain_mappings/ghost.example.com`);
    expect(got.body.status).toBe('failed');
    expect(got.body.status_details).toEqual({ reason: 'app_ref_failed' });
  });

  it('refuses bad input (400), duplicates and claimed domains (409), other users (404)', async () => {
    const cases: [any, string | null][] = [
      [{ ...body, name: 'localhost' }, 'name'],
      [{ ...body, name: 'WWW.Example.com' }, 'name'],
      [{ ...body, tls_secret: 'plain' }, 'tls_secret'],
      [{ ...body, tls_secret: 'missing' }, 'tls_secret'],
      [{ ...body, component: { name: 'batch', resource_type: 'job_v2' } }, 'component.resource_type'],
      [{ name: 'a.example.com', component: body.component }, null],
    ];
    for (const [b, field] of cases) {
      const err = expectCodeEngineError(await s.call('POST', `${p}/domain_mappings`, { body: b }), 400);
      if (field) expect(err.target, JSON.stringify(b)).toEqual({ type: 'field', name: field });
    }
    const d = { ...body, name: 'dup.example.com' };
    expect((await s.call('POST', `${p}/domain_mappings`, { body: d })).status).toBe(201);
    expectCodeEngineError(await s.call('POST', `${p}/domain_mappings`, { body: d }), 409);

    // Another user's project cannot claim the same domain.
    const theirs = await activeProject(s, 'their-project', other.token);
    const tp = `${CE}/projects/${theirs.id}`;
    const cert = {
      name: 'cert',
      format: 'tls',
      data: { tls_cert: fixture('tls-cert.pem'), tls_key: fixture('tls-key.pem') },
    };
    expect((await s.call('POST', `${tp}/secrets`, { token: other.token, body: cert })).status).toBe(201);
    const claimed = await s.call('POST', `${tp}/domain_mappings`, { token: other.token, body: d });
    expect(expectCodeEngineError(claimed, 409).code).toBe('domain_already_claimed');
    expectCodeEngineError(
      await s.call('GET', `${p}/domain_mappings/dup.example.com`, { token: other.token }),
      404,
    );
  });
});
