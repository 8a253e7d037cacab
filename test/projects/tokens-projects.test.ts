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

  it('works in the other areas that act inside its project, and nowhere else', async () => {
    const token = await issue('editor');
    // Operations that require a container: its own project passes, another project is a 403.
    const own = await s.call('GET', `/v2/connections?project_id=${projectId}`, { token });
    expect(own.status, own.text).toBe(200);
    const created = await s.call('POST', `/v2/jobs?project_id=${projectId}`, {
      token,
      body: { job: { name: 'made with a project token', asset_ref_type: 'data_flow', configuration: {} } },
    });
    expect(created.status, created.text).toBe(201);
    const jobs = await s.call('GET', `/v2/jobs?project_id=${projectId}`, { token });
    expect(jobs.body.results.map((j: any) => j.metadata.asset_id)).toContain(created.body.metadata.asset_id);
    const exportsOwn = await s.call('GET', `/v2/asset_exports?project_id=${projectId}`, { token });
    expect(exportsOwn.status, exportsOwn.text).toBe(200);
    for (const path of [
      `/v2/connections?project_id=${otherProjectId}`,
      `/v2/jobs?project_id=${otherProjectId}`,
      `/v2/asset_exports?project_id=${otherProjectId}`,
    ]) {
      const other = await s.call('GET', path, { token });
      expect(other.status, `${path}: ${other.text}`).toBe(403);
    }
    // Operations that may act outside any container refuse it.
    for (const path of ['/v2/software_specifications', '/v2/datasource_types', '/v2/spaces']) {
      const global = await s.call('GET', path, { token });
      expect(global.status, `${path}: ${global.text}`).toBe(403);
    }
  });
});
