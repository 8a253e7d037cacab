import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { createProject, deleteProject, projectsError } from './settings-fixtures.ts';

/** Project tokens used on the projects core operations: GET, PATCH, the list, deletion. */
let s: TestServer;
let admin: TestUser;
let projectId: string;
let otherProjectId: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.createUser('admin');
  projectId = await createProject(s, admin, 'Token target');
  otherProjectId = await createProject(s, admin, 'Token elsewhere');
});
afterAll(async () => s?.close());

async function issue(role: 'admin' | 'editor' | 'viewer', id = projectId): Promise<string> {
  const res = await s.call('POST', `/v2/projects/${id}/tokens`, {
    token: admin.token,
    body: { name: `${role} token`, scopes: [{ audience: 'project', guid: id, role }] },
  });
  expect(res.status).toBe(201);
  return res.body.token;
}

const nameOf = async (id: string) =>
  (await s.call('GET', `/v2/projects/${id}?include=name`, { token: admin.token })).body.entity.name;

describe('a project token on the projects core', () => {
  it('a viewer token reads its project but cannot PATCH it', async () => {
    const token = await issue('viewer');
    const get = await s.call('GET', `/v2/projects/${projectId}`, { token });
    expect(get.status).toBe(200);
    expect(get.body.metadata.guid).toBe(projectId);
    const before = await nameOf(projectId);
    const patch = await s.call('PATCH', `/v2/projects/${projectId}`, {
      token,
      body: { name: 'Renamed by viewer' },
    });
    expect(patch.status).toBe(403);
    expect(patch.body).toEqual(projectsError(403));
    expect(await nameOf(projectId)).toBe(before);
  });

  it('an editor token can PATCH its project', async () => {
    const token = await issue('editor');
    const name = `Renamed ${crypto.randomBytes(3).toString('hex')}`;
    const patch = await s.call('PATCH', `/v2/projects/${projectId}`, { token, body: { name } });
    expect(patch.status).toBe(200);
    expect(await nameOf(projectId)).toBe(name);
  });

  it('cannot read or change another project its creator administers (403)', async () => {
    const token = await issue('admin');
    const get = await s.call('GET', `/v2/projects/${otherProjectId}`, { token });
    expect(get.status).toBe(403);
    expect(get.body).toEqual(projectsError(403));
    const before = await nameOf(otherProjectId);
    const patch = await s.call('PATCH', `/v2/projects/${otherProjectId}`, {
      token,
      body: { name: 'Hijacked' },
    });
    expect(patch.status).toBe(403);
    expect(await nameOf(otherProjectId)).toBe(before);
  });

  it('lists only its own project', async () => {
    const token = await issue('viewer');
    const list = await s.call('GET', '/v2/projects', { token });
    expect(list.status).toBe(200);
    expect(list.body.resources.map((p: any) => p.metadata.guid)).toEqual([projectId]);
    const mine = await s.call('GET', '/v2/projects', { token: admin.token });
    expect(mine.body.resources.map((p: any) => p.metadata.guid).sort()).toEqual(
      [projectId, otherProjectId].sort(),
    );
  });

  it('stops working when its project is deleted through the API', async () => {
    const id = await createProject(s, admin, 'Short lived');
    const token = await issue('admin', id);
    expect((await s.call('GET', `/v2/projects/${id}`, { token })).status).toBe(200);
    await deleteProject(s, id, admin);
    const after = await s.call('GET', `/v2/projects/${id}`, { token });
    expect(after.status).toBe(401);
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token })).status).toBe(401);
  });
});
