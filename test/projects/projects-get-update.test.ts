import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { addMembers, MISSING, newProject, rawDb } from './projects-fixtures.ts';

let s: TestServer;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let cosProject: string;
beforeAll(async () => {
  s = await startTestServer();
  [admin, editor, viewer, outsider] = await Promise.all(
    ['admin', 'editor', 'viewer', 'outsider'].map((p) => s.createUser(p)),
  );
  cosProject = await project({ storage: { type: 'bmcos_object_storage' }, tags: ['b', 'a'] });
});
afterAll(async () => s?.close());

/** What include=settings shows for a project nobody configured (the settings module's defaults). */
const DEFAULT_SETTINGS = {
  settings: {
    audit_events: { enabled: false },
    access_restrictions: {
      data: false,
      data_permissions: { editor: false },
      reporting: { authorized: false },
    },
    folders: { enabled: false },
  },
};

async function project(body: Record<string, unknown> = {}): Promise<string> {
  const id = await newProject(s, admin.token, body);
  await addMembers(s, admin.token, id, [
    { user: editor, role: 'editor' },
    { user: viewer, role: 'viewer' },
  ]);
  return id;
}
const get = (id: string, include = '', token = admin.token) =>
  s.call('GET', `/v2/projects/${id}${include ? `?include=${include}` : ''}`, { token });
const stored = async (id: string) =>
  rawDb(s).selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();

describe('GET /v2/projects/{project_id}', () => {
  it('answers the fields section by default, without storage credentials', async () => {
    const res = await get(cosProject, '', viewer.token);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.entity).sort()).toEqual(
      [
        'catalog',
        'creator',
        'creator_iam_id',
        'description',
        'generator',
        'name',
        'public',
        'scope',
        'storage',
        'type',
      ].sort(),
    );
    expect(res.body.entity.storage.properties).toMatchObject({
      bucket_name: expect.any(String),
      bucket_region: 'us-south',
    });
    expect(res.body.entity.storage.properties.credentials).toBeUndefined();
  });

  it('shapes the entity per include section', async () => {
    expect((await get(cosProject, 'name')).body.entity).toEqual({ name: expect.any(String) });
    expect((await get(cosProject, 'tags')).body.entity).toEqual({ tags: ['a', 'b'] });
    expect((await get(cosProject, 'members')).body.entity.members.map((m: any) => m.role)).toEqual([
      'admin',
      'editor',
      'viewer',
    ]);
    expect((await get(cosProject, 'settings')).body.entity).toEqual(DEFAULT_SETTINGS);
    expect((await get(cosProject, 'integrations')).body.entity).toEqual({ integrations: {} });
    const storage = (await get(cosProject, 'storage')).body.entity;
    expect(Object.keys(storage)).toEqual(['storage']);
    expect(storage.storage.properties.credentials).toBeUndefined();
    const both = (await get(cosProject, 'name,tags')).body.entity;
    expect(both).toEqual({ name: expect.any(String), tags: ['a', 'b'] });
    const everything = (await get(cosProject, 'everything')).body.entity;
    expect(Object.keys(everything)).toEqual(
      expect.arrayContaining(['name', 'storage', 'members', 'tags', 'settings', 'integrations']),
    );
  });

  it('shows each role the storage credentials of its role and below', async () => {
    const roles = async (token: string) =>
      Object.keys(
        (await get(cosProject, 'credentials', token)).body.entity.storage.properties.credentials,
      ).sort();
    expect(await roles(admin.token)).toEqual(['admin', 'editor', 'viewer']);
    expect(await roles(editor.token)).toEqual(['editor', 'viewer']);
    expect(await roles(viewer.token)).toEqual(['viewer']);
  });

  it('answers 204 for include=nothing', async () => {
    const res = await get(cosProject, 'nothing');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('answers 403 to non-members, 404 for a missing project, 400 for bad input, 401 without auth', async () => {
    const denied = await get(cosProject, '', outsider.token);
    expect(denied.status).toBe(403);
    expect(denied.body.reason).toBe(
      `Permission Denied: Authenticated user is not a member of the project: ${outsider.username}.`,
    );
    const missing = await get(MISSING);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      code: '404',
      error: 'Not Found',
      message: 'The requested resource could not be found.',
    });
    expect((await get('not-a-uuid')).status).toBe(400);
    expect((await get(cosProject, 'secrets')).status).toBe(400);
    expect((await s.call('GET', `/v2/projects/${cosProject}`, { token: null })).status).toBe(401);
  });
});

describe('PATCH /v2/projects/{project_id}', () => {
  it('lets editors change the documented fields and answers the project (200)', async () => {
    const id = await project();
    const before = await stored(id);
    const res = await s.call('PATCH', `/v2/projects/${id}`, {
      token: editor.token,
      body: {
        name: 'Renamed project',
        description: 'A project description.',
        compute: [
          {
            type: 'code-assistant',
            guid: 'g',
            crn: 'crn:c',
            name: 'IBM watsonx Code Assistant',
            label: 'code-assistant',
            credentials: {},
          },
        ],
        tools: ['notebooks'],
        public: true,
        type: 'wx',
        catalog: { public: true },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.metadata.guid).toBe(id);
    expect(res.body.entity).toMatchObject({
      name: 'Renamed project',
      description: 'A project description.',
      type: 'wx',
      public: true,
      tools: ['notebooks'],
      compute: [expect.objectContaining({ type: 'code-assistant', crn: 'crn:c' })],
      catalog: { public: true, guid: expect.any(String) },
    });
    expect(res.body.metadata.updated_at >= before!.updated_at).toBe(true);
    const after = (await get(id)).body.entity;
    expect(after.name).toBe('Renamed project');
    // The new name is searchable by keyword.
    const found = await s.call('GET', '/v2/projects?bss_account_id=999&name=renamed&match=keyword', {
      token: admin.token,
    });
    expect(found.body.resources.map((r: any) => r.metadata.guid)).toEqual([id]);
    // The type filter follows the change, for every member.
    for (const token of [admin.token, viewer.token]) {
      const wx = await s.call('GET', '/v2/projects?type=wx&limit=100', { token });
      expect(wx.body.resources.map((r: any) => r.metadata.guid)).toContain(id);
      const cpd = await s.call('GET', '/v2/projects?type=cpd&limit=100', { token });
      expect(cpd.body.resources.map((r: any) => r.metadata.guid)).not.toContain(id);
    }
  });

  it('refuses viewers and non-members (403) and invalid values (400), changing nothing', async () => {
    const id = await project();
    const before = await stored(id);
    expect(
      (await s.call('PATCH', `/v2/projects/${id}`, { token: viewer.token, body: { name: 'x' } })).status,
    ).toBe(403);
    expect(
      (await s.call('PATCH', `/v2/projects/${id}`, { token: outsider.token, body: { name: 'x' } })).status,
    ).toBe(403);
    for (const body of [
      { name: '' },
      { name: ' ' },
      { name: 'bad\u0001name' },
      { name: '<script>' },
      { type: 'nope' },
      { public: 'yes' },
      { name: 5 },
    ]) {
      const res = await s.call('PATCH', `/v2/projects/${id}`, { token: admin.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (await s.call('PATCH', `/v2/projects/${MISSING}`, { token: admin.token, body: { name: 'x' } })).status,
    ).toBe(404);
    expect((await s.call('PATCH', `/v2/projects/${id}`, { token: null, body: { name: 'x' } })).status).toBe(
      401,
    );
    expect(await stored(id)).toEqual(before);
  });
});

describe('PATCH /v2/projects/{project_id}/storage/properties', () => {
  const credentials = {
    admin: { api_key: 'k-admin', service_id: 's-admin', access_key_id: 'a', secret_access_key: 'b' },
    viewer: {
      api_key: 'k-viewer',
      service_id: 's-viewer',
      access_key_id: 'c',
      secret_access_key: 'd',
      resource_key_crn: 'crn:v',
    },
  };

  it('replaces the credentials of the given roles (200) for COS storage, admins only', async () => {
    const id = await project({ storage: { type: 'bmcos_object_storage' } });
    const editorBefore = (await get(id, 'credentials')).body.entity.storage.properties.credentials.editor;
    const res = await s.call('PATCH', `/v2/projects/${id}/storage/properties`, {
      token: admin.token,
      body: { credentials },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      credentials: { ...credentials, editor: editorBefore },
      credentials_updated_at: expect.any(String),
    });
    const after = (await get(id, 'credentials')).body.entity.storage.properties.credentials;
    expect(after.admin).toEqual(credentials.admin);
    expect(after.editor).toEqual(editorBefore);
  });

  it('refuses other storage types and empty or misplaced bodies (400), non-admins (403), changing nothing', async () => {
    const files = await project();
    const cos = await project({ storage: { type: 'bmcos_object_storage' } });
    const url = (id: string) => `/v2/projects/${id}/storage/properties`;
    const beforeFiles = await stored(files);
    const beforeCos = await stored(cos);
    const wrongType = await s.call('PATCH', url(files), { token: admin.token, body: { credentials } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.reason).toMatch(/assetfiles/);
    expect((await s.call('PATCH', url(cos), { token: admin.token, body: {} })).status).toBe(400);
    expect(
      (await s.call('PATCH', url(cos), { token: admin.token, body: { repository: { url: 'x' } } })).status,
    ).toBe(400);
    expect(
      (
        await s.call('PATCH', url(cos), {
          token: admin.token,
          body: { credentials: { admin: { api_key: 5 } } },
        })
      ).status,
    ).toBe(400);
    expect((await s.call('PATCH', url(cos), { token: editor.token, body: { credentials } })).status).toBe(
      403,
    );
    expect((await s.call('PATCH', url(cos), { token: viewer.token, body: { credentials } })).status).toBe(
      403,
    );
    expect((await s.call('PATCH', url(MISSING), { token: admin.token, body: { credentials } })).status).toBe(
      404,
    );
    expect((await s.call('PATCH', url(cos), { token: null, body: { credentials } })).status).toBe(401);
    expect(await stored(files)).toEqual(beforeFiles);
    expect(await stored(cos)).toEqual(beforeCos);
  });
});

describe('project tokens', () => {
  it('see their own project only, with their role', async () => {
    const id = await project();
    const other = await project();
    const issued = await s.call('POST', `/v2/projects/${id}/tokens`, {
      token: admin.token,
      body: { name: 'viewer token', scopes: [{ audience: 'project', guid: id, role: 'viewer' }] },
    });
    expect(issued.status).toBe(201);
    const token = issued.body.token;
    expect((await get(id, '', token)).status).toBe(200);
    expect((await get(other, '', token)).status).toBe(403);
    expect((await s.call('PATCH', `/v2/projects/${id}`, { token, body: { name: 'x' } })).status).toBe(403);
    const listed = await s.call('GET', '/v2/projects', { token });
    expect(listed.status).toBe(200);
    expect(listed.body.resources.map((r: any) => r.metadata.guid)).toEqual([id]);
    expect(listed.body.total_results).toBe(1);
    const created = await s.call('POST', '/transactional/v2/projects', {
      token,
      body: { name: 'n', generator: 'g' },
    });
    expect(created.status).toBe(403);
  });
});

describe('concurrent changes to different sections of a project', () => {
  it('keep both: a project update and a settings change never overwrite each other', async () => {
    const id = await project();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => [
        s.call('PATCH', `/v2/projects/${id}`, { token: admin.token, body: { tools: [`tool-${i}`] } }),
        s.call('PUT', `/v2/projects/${id}/settings/audit_events`, {
          token: admin.token,
          body: { enabled: true },
        }),
      ]).flat(),
    );
    expect(results.map((r) => r.status).every((status) => status === 200)).toBe(true);
    const entity = (await get(id, 'fields,settings')).body.entity;
    expect(entity.tools).toHaveLength(1);
    expect(entity.settings.audit_events).toEqual({ enabled: true });
  });
});
