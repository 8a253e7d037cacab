import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectErrorShape } from '../helpers/error-shapes.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

describe('project tokens outside projects', () => {
  it('are refused (403) by areas that are not project-scoped, and by the admin API', async () => {
    const created = await s.call('POST', '/transactional/v2/projects', {
      body: { name: 'scoped', generator: 'test', storage: { type: 'assetfiles' } },
    });
    const projectId = created.body.location.split('/').pop();
    const token = await s.call('POST', `/v2/projects/${projectId}/tokens`, {
      body: { name: 'ci', scopes: [{ audience: 'project', guid: projectId, role: 'admin' }] },
    });
    expect(token.status).toBe(201);
    const projectToken = token.body.token as string;
    expect((await s.call('GET', `/v2/projects/${projectId}`, { token: projectToken })).status).toBe(200);

    const spaces = await s.call('GET', '/v2/spaces', { token: projectToken });
    expect(spaces.status).toBe(403);
    expectErrorShape('spaces', 403, spaces.body);
    const createSpace = await s.call('POST', '/v2/spaces', { token: projectToken, body: { name: 'nope' } });
    expect(createSpace.status).toBe(403);
    expect((await s.call('GET', '/v2/spaces')).body.resources).toEqual([]);
    expect((await s.call('GET', '/admin/v1/users', { token: projectToken })).status).toBe(403);
  });
});
