import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';
import { CE, VERSION, activeProject, expectCodeEngineError, startCodeEngineServer } from './helpers.ts';

let s: TestServer;
let other: TestUser;
let base: string;

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-other');
  const p = await activeProject(s, 'cm-project');
  base = `${CE}/projects/${p.id}/config_maps`;
});
afterAll(() => s.close());

describe('config maps', () => {
  it('creates, reads with ETag, replaces under If-Match, deletes', async () => {
    const created = await s.call('POST', `${base}?version=${VERSION}`, {
      body: { name: 'app-settings', data: { MODE: 'fast', 'file.txt': 'x' } },
    });
    expect(created.status).toBe(201);
    const cm = created.body;
    expect(cm).toMatchObject({
      name: 'app-settings',
      data: { MODE: 'fast', 'file.txt': 'x' },
      region: 'local',
      resource_type: 'config_map_v2',
    });
    expect(cm.href).toBe(`${s.url}${base}/app-settings`);
    expect(cm.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cm.entity_tag).toMatch(/^\d+$/);
    expect(created.headers.get('etag')).toBe(cm.entity_tag);

    const got = await s.call('GET', `${base}/app-settings`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(cm);
    expect(got.headers.get('etag')).toBe(cm.entity_tag);

    const replaced = await s.call('PUT', `${base}/app-settings`, {
      body: { data: { MODE: 'slow' } },
      headers: { 'if-match': cm.entity_tag },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data).toEqual({ MODE: 'slow' });
    expect(replaced.body.entity_tag).not.toBe(cm.entity_tag);
    expect(replaced.body.id).toBe(cm.id);
    expect(replaced.headers.get('etag')).toBe(replaced.body.entity_tag);

    // The old tag is stale now: 412, nothing changes.
    const stale = await s.call('PUT', `${base}/app-settings`, {
      body: { data: { MODE: 'other' } },
      headers: { 'if-match': cm.entity_tag },
    });
    expect(expectCodeEngineError(stale, 412).target).toEqual({ type: 'header', name: 'If-Match' });
    expect((await s.call('GET', `${base}/app-settings`)).body.data).toEqual({ MODE: 'slow' });

    // Quoted tags and `*` match.
    const quoted = await s.call('PUT', `${base}/app-settings`, {
      body: { data: { MODE: 'quoted' } },
      headers: { 'if-match': `"${replaced.body.entity_tag}"` },
    });
    expect(quoted.status).toBe(200);
    const star = await s.call('PUT', `${base}/app-settings`, { body: {}, headers: { 'if-match': '*' } });
    expect(star.status).toBe(200);
    expect(star.body.data).toEqual({});

    expect((await s.call('DELETE', `${base}/app-settings?version=${VERSION}`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${base}/app-settings`), 404);
    expectCodeEngineError(await s.call('DELETE', `${base}/app-settings`), 404);
  });

  it('requires If-Match on replace (400) and answers 404 for an unknown name', async () => {
    await s.call('POST', base, { body: { name: 'needs-tag', data: { a: '1' } } });
    const missing = await s.call('PUT', `${base}/needs-tag`, { body: { data: { a: '2' } } });
    expectCodeEngineError(missing, 400);
    const unknown = await s.call('PUT', `${base}/nothing-here`, {
      body: { data: {} },
      headers: { 'if-match': '*' },
    });
    expectCodeEngineError(unknown, 404);
    expect((await s.call('GET', `${base}/needs-tag`)).body.data).toEqual({ a: '1' });
  });

  it('refuses duplicates (409) and bad input (400)', async () => {
    expect((await s.call('POST', base, { body: { name: 'once' } })).status).toBe(201);
    expectCodeEngineError(await s.call('POST', base, { body: { name: 'once', data: { b: '2' } } }), 409);
    expect((await s.call('GET', `${base}/once`)).body.data).toEqual({});
    for (const body of [
      {},
      { name: 'Upper' },
      { name: '-dash' },
      { name: 'x'.repeat(254) },
      { name: 'ok', data: { 'bad key': 'v' } },
      { name: 'ok', data: { k: 1 } },
      { name: 'ok', data: 'text' },
    ]) {
      expectCodeEngineError(await s.call('POST', base, { body }), 400);
    }
    expectCodeEngineError(await s.call('POST', base, { raw: '{not json' }), 400);
    expectCodeEngineError(await s.call('GET', `${base}/ok`), 404);
  });

  it('pages by name', async () => {
    const p = await activeProject(s, 'cm-paging');
    const url = `${CE}/projects/${p.id}/config_maps`;
    for (const n of ['c3', 'c1', 'c2']) await s.call('POST', url, { body: { name: n } });
    const first = await s.call('GET', `${url}?limit=2`);
    expect(first.body.config_maps.map((c: any) => c.name)).toEqual(['c1', 'c2']);
    expect(first.body.limit).toBe(2);
    const second = await s.call('GET', `${url}?limit=2&start=${first.body.next.start}`);
    expect(second.body.config_maps.map((c: any) => c.name)).toEqual(['c3']);
    expect(second.body.next).toBeUndefined();
    // A token of another list is refused.
    const projects = await s.call('GET', `${CE}/projects?limit=1`);
    expectCodeEngineError(await s.call('GET', `${url}?start=${projects.body.next.start}`), 400);
  });

  it('is invisible to other users and in unknown projects', async () => {
    await s.call('POST', base, { body: { name: 'mine' } });
    expectCodeEngineError(await s.call('GET', `${base}/mine`, { token: other.token }), 404);
    expectCodeEngineError(await s.call('GET', base, { token: other.token }), 404);
    expectCodeEngineError(await s.call('POST', base, { token: other.token, body: { name: 'theirs' } }), 404);
    expectCodeEngineError(
      await s.call('PUT', `${base}/mine`, { token: other.token, body: {}, headers: { 'if-match': '*' } }),
      404,
    );
    expectCodeEngineError(await s.call('DELETE', `${base}/mine`, { token: other.token }), 404);
    expect((await s.call('GET', `${base}/mine`)).status).toBe(200);
    expectCodeEngineError(await s.call('GET', `${CE}/projects/unknown/config_maps`), 404);
  });
});
