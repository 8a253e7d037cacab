import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createWorld, expectPlatformError, KINDS, type Container, type World } from '../assets/helpers.ts';
import { countRows, waitForStatus } from './helpers.ts';

let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

const get = (c: Container, token: string) =>
  s.call('GET', `/v2/asset_containers/configurations?${c.q}`, { token });
const put = (c: Container, token: string, body: unknown) =>
  s.call('PUT', `/v2/asset_containers/configurations?${c.q}`, { token, body });

describe.each(KINDS)('configurations of a %s', (kind) => {
  it('are 404 until created, then replaced whole by each PUT (admins), read by viewers', async () => {
    const c = w.containers[kind];
    expectPlatformError(await get(c, w.viewer.token), 404);
    const created = await put(c, w.admin.token, { masking: { enabled: true }, tags: ['a'] });
    expect(created.status, created.text).toBe(200);
    expect(created.body).toEqual({ masking: { enabled: true }, tags: ['a'] });
    expect((await get(c, w.viewer.token)).body).toEqual({ masking: { enabled: true }, tags: ['a'] });
    const replaced = await put(c, w.admin.token, { other: 1 });
    expect(replaced.status).toBe(200);
    expect((await get(c, w.editor.token)).body).toEqual({ other: 1 });
  });

  it('check roles: editors and viewers may not PUT, outsiders may not read; missing containers are 404', async () => {
    const c = w.containers[kind];
    expectPlatformError(await put(c, w.editor.token, { x: 1 }), 403);
    expectPlatformError(await put(c, w.viewer.token, { x: 1 }), 403);
    expectPlatformError(await put(c, w.outsider.token, { x: 1 }), 403);
    expectPlatformError(await get(c, w.outsider.token), 403);
    expectPlatformError(await get(c, ''), 401);
    const missing = {
      kind,
      id: 'f0000000-0000-4000-8000-000000000000',
      q: `${c.q.split('=')[0]}=f0000000-0000-4000-8000-000000000000`,
    };
    expectPlatformError(await get(missing, w.admin.token), 404);
    expectPlatformError(await put(missing, w.admin.token, {}), 404);
  });
});

describe('configurations', () => {
  it('refuse bodies that are not objects (400) and change nothing', async () => {
    const c = w.containers.catalog;
    await put(c, w.admin.token, { kept: true });
    for (const raw of ['[]', '1', '"x"', 'null', '{']) {
      const res = await s.call('PUT', `/v2/asset_containers/configurations?${c.q}`, {
        token: w.admin.token,
        raw,
      });
      expectPlatformError(res, 400);
    }
    expectPlatformError(
      await s.call('PUT', `/v2/asset_containers/configurations?${c.q}`, { token: w.admin.token }),
      400,
    );
    expect((await get(c, w.admin.token)).body).toEqual({ kept: true });
  });

  it('stay readable and writable while the container is archived', async () => {
    const c = w.containers.space;
    expect(
      (await s.call('POST', `/v2/asset_containers/archive?${c.q}`, { token: w.admin.token })).status,
    ).toBe(202);
    await waitForStatus(s, w.admin.token, c, 'archived');
    expect((await put(c, w.admin.token, { during: 'archive' })).status).toBe(200);
    expect((await get(c, w.viewer.token)).body).toEqual({ during: 'archive' });
    expect(
      (await s.call('POST', `/v2/asset_containers/restore?${c.q}`, { token: w.admin.token })).status,
    ).toBe(202);
    await waitForStatus(s, w.admin.token, c, 'active');
  });

  it('give back any JSON object exactly as stored (property)', async () => {
    const c = w.containers.project;
    const rows = await countRows(s, 'asset_container_configurations');
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 })),
        async (value) => {
          // Keys that could poison a prototype are refused with a 400 by design (checked below).
          fc.pre(!/"(__proto__|constructor)"/.test(JSON.stringify(value)));
          const clean = JSON.parse(JSON.stringify(value));
          const res = await put(c, w.admin.token, clean);
          expect(res.status, res.text).toBe(200);
          expect((await get(c, w.viewer.token)).body).toEqual(clean);
        },
      ),
      { numRuns: 30 },
    );
    expect(await countRows(s, 'asset_container_configurations')).toBe(Math.max(rows, 1));
    const before = (await get(c, w.viewer.token)).body;
    const poisoned = await s.call('PUT', `/v2/asset_containers/configurations?${c.q}`, {
      token: w.admin.token,
      raw: '{"a":{"__proto__":{"polluted":true}}}',
      contentType: 'application/json',
    });
    expect(poisoned.status, poisoned.text).toBe(400);
    expect((await get(c, w.viewer.token)).body).toEqual(before);
  });
});
