import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createWorld, type World } from '../assets/helpers.ts';
import { waitForStatus } from './helpers.ts';

let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

describe('an archived container, seen from the areas built on requireContainerRole', () => {
  it('refuses connections and environments of the container (403 asset_container_archived) until restored', async () => {
    const c = w.containers.project;
    const calls = () => [
      s.call('GET', `/v2/connections?${c.q}`, { token: w.viewer.token }),
      s.call('GET', `/v2/environments?${c.q}`, { token: w.viewer.token }),
    ];
    for (const res of await Promise.all(calls())) expect(res.status, res.text).toBe(200);
    expect(
      (await s.call('POST', `/v2/asset_containers/archive?${c.q}`, { token: w.admin.token })).status,
    ).toBe(202);
    await waitForStatus(s, w.viewer.token, c, 'archived');
    for (const res of await Promise.all(calls())) {
      expect(res.status, res.text).toBe(403);
      expect(res.body.errors[0].code).toBe('asset_container_archived');
    }
    expect(
      (await s.call('POST', `/v2/asset_containers/restore?${c.q}`, { token: w.admin.token })).status,
    ).toBe(202);
    await waitForStatus(s, w.viewer.token, c, 'active');
    for (const res of await Promise.all(calls())) expect(res.status, res.text).toBe(200);
  });
});
