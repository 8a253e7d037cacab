import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { addMember, createProject, projectsError } from './settings-fixtures.ts';

let s: TestServer;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let projectId: string;

beforeAll(async () => {
  s = await startTestServer();
  [admin, editor, viewer, outsider] = await Promise.all([
    s.createUser('admin'),
    s.createUser('editor'),
    s.createUser('viewer'),
    s.createUser('outsider'),
  ]);
  projectId = await createProject(s, admin);
  await addMember(s, projectId, admin, editor, 'editor');
  await addMember(s, projectId, admin, viewer, 'viewer');
});
afterAll(async () => s?.close());

const url = (group: string, id = projectId) => `/v2/projects/${id}/settings/${group}`;
const missingProject = () => crypto.randomUUID();

const GROUPS = [
  {
    group: 'audit_events',
    defaults: { enabled: false },
    changed: { enabled: true },
    invalid: { enabled: 'yes' },
  },
  {
    group: 'access_restrictions',
    defaults: { data: false, data_permissions: { editor: false }, reporting: { authorized: false } },
    changed: { data: true, data_permissions: { editor: true }, reporting: { authorized: true } },
    invalid: { data_permissions: { editor: true } },
  },
  {
    group: 'folders',
    defaults: { enabled: false },
    changed: { enabled: true },
    invalid: { enabled: 1 },
  },
] as const;

describe.each(GROUPS)('settings/$group', ({ group, defaults, changed, invalid }) => {
  it('starts with the defaults a new project has, readable by every member', async () => {
    for (const user of [admin, editor, viewer]) {
      const res = await s.call('GET', url(group), { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(defaults);
    }
  });

  it('lets an admin replace the group and keeps it', async () => {
    const put = await s.call('PUT', url(group), { token: admin.token, body: changed });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(changed);
    const got = await s.call('GET', url(group), { token: viewer.token });
    expect(got.body).toEqual(changed);
    // Back to the defaults for the tests that follow.
    const reset = await s.call('PUT', url(group), { token: admin.token, body: defaults });
    expect(reset.body).toEqual(defaults);
  });

  it('refuses editors, viewers and non-members, and changes nothing', async () => {
    for (const user of [editor, viewer, outsider]) {
      const res = await s.call('PUT', url(group), { token: user.token, body: changed });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(projectsError(403));
    }
    const denied = await s.call('GET', url(group), { token: outsider.token });
    expect(denied.status).toBe(403);
    expect(denied.body.reason).toContain('not a member');
    expect((await s.call('GET', url(group), { token: admin.token })).body).toEqual(defaults);
  });

  it('validates the body: wrong types, missing required flags, no body, not JSON', async () => {
    for (const body of [invalid, [], 'true', null]) {
      const res = await s.call('PUT', url(group), { token: admin.token, body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(projectsError(400));
    }
    const none = await s.call('PUT', url(group), { token: admin.token });
    expect(none.status).toBe(400);
    const broken = await s.call('PUT', url(group), { token: admin.token, raw: '{"enabled":' });
    expect(broken.status).toBe(400);
    expect((await s.call('GET', url(group), { token: admin.token })).body).toEqual(defaults);
  });

  it('answers 404 for a project that does not exist and 400 for a malformed id', async () => {
    const id = missingProject();
    const get = await s.call('GET', url(group, id), { token: admin.token });
    expect(get.status).toBe(404);
    expect(get.body).toEqual(projectsError(404));
    expect(get.body.reason).toContain(id);
    expect((await s.call('PUT', url(group, id), { token: admin.token, body: changed })).status).toBe(404);
    expect((await s.call('GET', url(group, 'not-a-project'), { token: admin.token })).status).toBe(400);
  });

  it('answers 401 without a valid token', async () => {
    const res = await s.call('GET', url(group), { token: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(projectsError(401));
    expect((await s.call('PUT', url(group), { token: 'garbage', body: changed })).status).toBe(401);
  });
});

describe('settings groups', () => {
  it('fills flags left out of a PUT with their defaults and ignores unknown fields', async () => {
    const put = await s.call('PUT', url('access_restrictions'), {
      token: admin.token,
      body: { data: true, reporting: {}, surprise: true },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      data: true,
      data_permissions: { editor: false },
      reporting: { authorized: false },
    });
    const folders = await s.call('PUT', url('folders'), { token: admin.token, body: {} });
    expect(folders.body).toEqual({ enabled: false });
    await s.call('PUT', url('access_restrictions'), { token: admin.token, body: { data: false } });
  });

  it('keeps each group apart and each project apart', async () => {
    const other = await createProject(s, admin, 'Other');
    await s.call('PUT', url('audit_events'), { token: admin.token, body: { enabled: true } });
    expect((await s.call('GET', url('folders'), { token: admin.token })).body).toEqual({ enabled: false });
    expect((await s.call('GET', url('audit_events', other), { token: admin.token })).body).toEqual({
      enabled: false,
    });
    await s.call('PUT', url('audit_events'), { token: admin.token, body: { enabled: false } });
  });

  it('survives a restart of the server (persisted in the database)', async () => {
    await s.call('PUT', url('folders'), { token: admin.token, body: { enabled: true } });
    const { ctx } = s.built;
    const again = await startTestServer({
      dataDir: ctx.config.dataDir,
      databaseUrl: ctx.config.databaseUrl,
      databaseSchema: ctx.config.databaseSchema,
    });
    try {
      const res = await again.call('GET', url('folders'), { token: await again.tokenFor(admin.apikey) });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ enabled: true });
    } finally {
      // Closes the second server and drops only the empty database it was given at start.
      await again.close();
    }
    await s.call('PUT', url('folders'), { token: admin.token, body: { enabled: false } });
  });
});

describe('integrations/jupyterlab', () => {
  const jl = (id = projectId) => `/v2/projects/${id}/integrations/jupyterlab`;

  it('is absent (404) until an admin sets it', async () => {
    const res = await s.call('GET', jl(), { token: viewer.token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(projectsError(404));
    expect((await s.call('DELETE', jl(), { token: admin.token })).status).toBe(404);
  });

  it('is set by an admin, read by every member, and deleted', async () => {
    const guid = crypto.randomUUID();
    const put = await s.call('PUT', jl(), { token: admin.token, body: { guid } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ guid });
    for (const user of [admin, editor, viewer]) {
      const got = await s.call('GET', jl(), { token: user.token });
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ guid });
    }
    const next = crypto.randomUUID();
    expect((await s.call('PUT', jl(), { token: admin.token, body: { guid: next } })).body).toEqual({
      guid: next,
    });
    const del = await s.call('DELETE', jl(), { token: admin.token });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await s.call('GET', jl(), { token: admin.token })).status).toBe(404);
  });

  it('refuses editors, viewers and non-members, and changes nothing', async () => {
    const guid = crypto.randomUUID();
    await s.call('PUT', jl(), { token: admin.token, body: { guid } });
    for (const user of [editor, viewer, outsider]) {
      expect((await s.call('PUT', jl(), { token: user.token, body: { guid: 'x' } })).status).toBe(403);
      expect((await s.call('DELETE', jl(), { token: user.token })).status).toBe(403);
    }
    expect((await s.call('GET', jl(), { token: outsider.token })).status).toBe(403);
    expect((await s.call('GET', jl(), { token: admin.token })).body).toEqual({ guid });
    await s.call('DELETE', jl(), { token: admin.token });
  });

  it('validates the body and the project', async () => {
    for (const body of [
      {},
      { guid: 12 },
      { guid: '' },
      { guid: '   ' },
      { guid: 'a\u0000b' },
      { guid: 'x'.repeat(256) },
    ]) {
      const res = await s.call('PUT', jl(), { token: admin.token, body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(projectsError(400));
    }
    expect((await s.call('GET', jl(), { token: admin.token })).status).toBe(404);
    const id = missingProject();
    expect((await s.call('GET', jl(id), { token: admin.token })).status).toBe(404);
    expect((await s.call('PUT', jl(id), { token: admin.token, body: { guid: 'g' } })).status).toBe(404);
    expect((await s.call('DELETE', jl(id), { token: admin.token })).status).toBe(404);
    expect((await s.call('DELETE', jl(), { token: null })).status).toBe(401);
  });
});
