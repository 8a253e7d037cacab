import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { addMembers, MISSING, newProject } from './projects-fixtures.ts';

let s: TestServer;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
beforeAll(async () => {
  s = await startTestServer();
  [admin, editor, viewer, outsider] = await Promise.all(
    ['admin', 'editor', 'viewer', 'outsider'].map((p) => s.createUser(p)),
  );
});
afterAll(async () => s?.close());

const members = (id: string) => `/v2/projects/${id}/members`;
const member = (id: string, name: string) => `/v2/projects/${id}/members/${encodeURIComponent(name)}`;
const view = (u: TestUser, role: string) => ({
  user_name: u.username,
  id: u.iam_id,
  role,
  state: 'ACTIVE',
  type: 'user',
});

async function project(): Promise<string> {
  const id = await newProject(s, admin.token);
  await addMembers(s, admin.token, id, [
    { user: editor, role: 'editor' },
    { user: viewer, role: 'viewer' },
  ]);
  return id;
}
const list = async (id: string) => (await s.call('GET', members(id), { token: admin.token })).body.members;

describe('GET /v2/projects/{project_id}/members', () => {
  it('lists members for any member, filtered by roles and user names', async () => {
    const id = await project();
    const res = await s.call('GET', members(id), { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body.members).toEqual([view(admin, 'admin'), view(editor, 'editor'), view(viewer, 'viewer')]);
    const byRole = await s.call('GET', `${members(id)}?roles=admin,viewer`, { token: editor.token });
    expect(byRole.body.members.map((m: any) => m.role)).toEqual(['admin', 'viewer']);
    const byName = await s.call('GET', `${members(id)}?user_names=${encodeURIComponent(editor.username)}`, {
      token: viewer.token,
    });
    expect(byName.body.members).toEqual([view(editor, 'editor')]);
  });

  it('answers 403 to non-members, 404 for a missing project, 400 for a bad filter, 401 without auth', async () => {
    const id = await project();
    const denied = await s.call('GET', members(id), { token: outsider.token });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      code: '403',
      error: 'Forbidden',
      reason: expect.stringContaining(outsider.username),
    });
    const missing = await s.call('GET', members(MISSING), { token: admin.token });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: '404', error: 'Not Found' });
    expect((await s.call('GET', `${members(id)}?roles=owner`, { token: admin.token })).status).toBe(400);
    expect((await s.call('GET', '/v2/projects/not-a-uuid/members', { token: admin.token })).status).toBe(400);
    expect((await s.call('GET', members(id), { token: null })).status).toBe(401);
  });
});

describe('GET /v2/projects/{project_id}/members/{user_name}', () => {
  it('answers one member, 404 for a user who is not a member', async () => {
    const id = await project();
    const res = await s.call('GET', `${member(id, editor.username)}?resolve_groups=true`, {
      token: viewer.token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(view(editor, 'editor'));
    expect((await s.call('GET', member(id, outsider.username), { token: viewer.token })).status).toBe(404);
    expect((await s.call('GET', member(id, editor.username), { token: outsider.token })).status).toBe(403);
    expect((await s.call('GET', member(MISSING, editor.username), { token: admin.token })).status).toBe(404);
  });
});

describe('POST /v2/projects/{project_id}/members', () => {
  it('adds users of the directory by id or by user name (200 with the added members)', async () => {
    const id = await newProject(s, admin.token);
    const res = await s.call('POST', members(id), {
      token: admin.token,
      body: {
        members: [
          { user_name: editor.username, id: editor.iam_id, role: 'editor', state: 'ACTIVE', type: 'user' },
          { user_name: viewer.username, role: 'viewer' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ members: [view(editor, 'editor'), view(viewer, 'viewer')] });
    expect(await list(id)).toHaveLength(3);
    // The new member now reaches the project.
    expect((await s.call('GET', `/v2/projects/${id}`, { token: viewer.token })).status).toBe(200);
  });

  it('is all or nothing: an unknown user, a member already present or a repeated name refuses the whole batch (400)', async () => {
    const id = await project();
    const before = await list(id);
    const cases = [
      [
        { user_name: outsider.username, role: 'viewer' },
        { user_name: 'nobody@example.com', role: 'viewer' },
      ],
      [
        { user_name: outsider.username, role: 'viewer' },
        { user_name: editor.username, role: 'viewer' },
      ],
      [
        { user_name: outsider.username, role: 'viewer' },
        { user_name: outsider.username, role: 'editor' },
      ],
      [{ user_name: outsider.username, id: editor.iam_id, role: 'viewer' }],
      [{ user_name: outsider.username, id: 'IBMid-UNKNOWN', role: 'viewer' }],
      [{ user_name: outsider.username, role: 'viewer', type: 'group' }],
      [{ user_name: outsider.username, role: 'viewer', state: 'INACTIVE' }],
    ];
    for (const batch of cases) {
      const res = await s.call('POST', members(id), { token: admin.token, body: { members: batch } });
      expect(res.status, JSON.stringify(batch)).toBe(400);
      expect(res.body.code).toBe('400');
    }
    expect(await list(id)).toEqual(before);
  });

  it('validates the body (400) and lets only admins add members (403)', async () => {
    const id = await project();
    for (const body of [
      {},
      { members: [] },
      { members: [{ user_name: outsider.username }] },
      { members: [{ user_name: outsider.username, role: 'owner' }] },
    ]) {
      expect((await s.call('POST', members(id), { token: admin.token, body })).status).toBe(400);
    }
    const huge = Array.from({ length: 1001 }, (_, i) => ({ user_name: `u${i}@example.com`, role: 'viewer' }));
    const tooMany = await s.call('POST', members(id), { token: admin.token, body: { members: huge } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.reason).toMatch(/at most 1000/);
    const body = { members: [{ user_name: outsider.username, role: 'viewer' }] };
    for (const who of [editor, viewer, outsider]) {
      expect((await s.call('POST', members(id), { token: who.token, body })).status).toBe(403);
    }
    expect((await s.call('POST', members(MISSING), { token: admin.token, body })).status).toBe(404);
    expect((await s.call('POST', members(id), { token: null, body })).status).toBe(401);
    expect(await list(id)).toHaveLength(3);
  });
});

describe('PATCH /v2/projects/{project_id}/members', () => {
  it('changes roles in a batch and answers the changed members', async () => {
    const id = await project();
    const res = await s.call('PATCH', members(id), {
      token: admin.token,
      body: {
        members: [
          { user_name: editor.username, id: editor.iam_id, role: 'admin' },
          { user_name: viewer.username, role: 'editor' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ members: [view(editor, 'admin'), view(viewer, 'editor')] });
    expect(await list(id)).toEqual([view(admin, 'admin'), view(editor, 'admin'), view(viewer, 'editor')]);
    // The promoted admin may now demote the first one: an admin remains.
    const demote = await s.call('PATCH', members(id), {
      token: editor.token,
      body: { members: [{ user_name: admin.username, role: 'viewer' }] },
    });
    expect(demote.status).toBe(200);
  });

  it('never leaves the project without an admin, and changes nothing when refused', async () => {
    const id = await project();
    const res = await s.call('PATCH', members(id), {
      token: admin.token,
      body: {
        members: [
          { user_name: viewer.username, role: 'editor' },
          { user_name: admin.username, role: 'editor' },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.reason).toMatch(/at least one admin/);
    expect(await list(id)).toEqual([view(admin, 'admin'), view(editor, 'editor'), view(viewer, 'viewer')]);
  });

  it('answers 404 for a user who is not a member, 400 for a mismatched id, 403 for non-admins', async () => {
    const id = await project();
    const notMember = await s.call('PATCH', members(id), {
      token: admin.token,
      body: {
        members: [
          { user_name: viewer.username, role: 'editor' },
          { user_name: outsider.username, role: 'editor' },
        ],
      },
    });
    expect(notMember.status).toBe(404);
    const mismatch = await s.call('PATCH', members(id), {
      token: admin.token,
      body: { members: [{ user_name: viewer.username, id: editor.iam_id, role: 'editor' }] },
    });
    expect(mismatch.status).toBe(400);
    const body = { members: [{ user_name: viewer.username, role: 'admin' }] };
    expect((await s.call('PATCH', members(id), { token: editor.token, body })).status).toBe(403);
    expect((await s.call('PATCH', members(id), { token: viewer.token, body })).status).toBe(403);
    expect((await s.call('PATCH', members(id), { token: admin.token, body: { members: [] } })).status).toBe(
      400,
    );
    expect(await list(id)).toEqual([view(admin, 'admin'), view(editor, 'editor'), view(viewer, 'viewer')]);
  });
});

describe('DELETE /v2/projects/{project_id}/members and /members/{user_name}', () => {
  it('removes members in a batch (204) and the removed lose access', async () => {
    const id = await project();
    const names = [editor.username, viewer.username].map(encodeURIComponent).join(',');
    const res = await s.call('DELETE', `${members(id)}?user_names=${names}`, { token: admin.token });
    expect(res.status).toBe(204);
    expect(await list(id)).toEqual([view(admin, 'admin')]);
    expect((await s.call('GET', `/v2/projects/${id}`, { token: viewer.token })).status).toBe(403);
  });

  it('removes one member (204)', async () => {
    const id = await project();
    const res = await s.call('DELETE', member(id, viewer.username), { token: admin.token });
    expect(res.status).toBe(204);
    expect(await list(id)).toEqual([view(admin, 'admin'), view(editor, 'editor')]);
  });

  it('refuses to remove the last admin (400), unknown members (404) and non-admins (403), changing nothing', async () => {
    const id = await project();
    const last = await s.call('DELETE', member(id, admin.username), { token: admin.token });
    expect(last.status).toBe(400);
    expect(last.body.reason).toMatch(/at least one admin/);
    const batch = await s.call(
      'DELETE',
      `${members(id)}?user_names=${encodeURIComponent(viewer.username)},${encodeURIComponent(admin.username)}`,
      { token: admin.token },
    );
    expect(batch.status).toBe(400);
    const unknown = await s.call(
      'DELETE',
      `${members(id)}?user_names=${encodeURIComponent(viewer.username)},${encodeURIComponent(outsider.username)}`,
      { token: admin.token },
    );
    expect(unknown.status).toBe(404);
    expect((await s.call('DELETE', member(id, outsider.username), { token: admin.token })).status).toBe(404);
    expect((await s.call('DELETE', member(id, viewer.username), { token: editor.token })).status).toBe(403);
    expect(
      (
        await s.call('DELETE', `${members(id)}?user_names=${encodeURIComponent(viewer.username)}`, {
          token: viewer.token,
        })
      ).status,
    ).toBe(403);
    expect((await s.call('DELETE', members(id), { token: admin.token })).status).toBe(400);
    expect((await s.call('DELETE', member(MISSING, viewer.username), { token: admin.token })).status).toBe(
      404,
    );
    expect((await s.call('DELETE', member(id, viewer.username), { token: null })).status).toBe(401);
    expect(await list(id)).toEqual([view(admin, 'admin'), view(editor, 'editor'), view(viewer, 'viewer')]);
  });
});
