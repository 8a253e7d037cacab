import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { addMember, createSpace, expectSpacesError, relative } from './helpers.ts';

let s: TestServer;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  s = await startTestServer();
  [owner, editor, viewer, stranger] = await Promise.all(
    ['owner', 'editor', 'viewer', 'stranger'].map((p) => s.createUser(p)),
  );
});
afterAll(async () => s?.close());

async function sharedSpace() {
  const id = await createSpace(s, owner.token);
  await addMember(s, owner.token, id, editor, 'editor');
  await addMember(s, owner.token, id, viewer, 'viewer');
  return id;
}

const membersOf = async (id: string) =>
  (await s.call('GET', `/v2/spaces/${id}/members`, { token: owner.token })).body.resources as any[];

const patchMember = (id: string, memberId: string, token: string, body: unknown) =>
  s.call('PATCH', `/v2/spaces/${id}/members/${memberId}`, {
    token,
    body,
    contentType: 'application/json-patch+json',
  });

describe('GET /v2/spaces/{space_id}/members', () => {
  it('lists members to every member, paged with first/next links, total_count and filters', async () => {
    const id = await sharedSpace();
    const all = await s.call('GET', `/v2/spaces/${id}/members?total_count=true`, { token: viewer.token });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      limit: 100,
      total_count: 3,
      first: { href: expect.stringContaining(`/v2/spaces/${id}/members`) },
    });
    expect(all.body.next).toBeUndefined();
    expect(all.body.resources).toHaveLength(3);
    expect(all.body.resources).toContainEqual({
      id: owner.iam_id,
      role: 'admin',
      state: 'active',
      type: 'user',
    });

    const seen: string[] = [];
    let page = await s.call('GET', `/v2/spaces/${id}/members?limit=1`, { token: editor.token });
    for (;;) {
      expect(page.status).toBe(200);
      expect(page.body.resources.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.resources.map((m: any) => m.id));
      if (!page.body.next) break;
      expect(page.body.next.href).toContain('start=');
      page = await s.call('GET', relative(page.body.next.href), { token: editor.token });
    }
    expect(seen.sort()).toEqual([owner.iam_id, editor.iam_id, viewer.iam_id].sort());

    const editors = await s.call('GET', `/v2/spaces/${id}/members?role=editor&type=user&state=active`, {
      token: owner.token,
    });
    expect(editors.body.resources).toEqual([
      { id: editor.iam_id, role: 'editor', state: 'active', type: 'user' },
    ]);
    const none = await s.call('GET', `/v2/spaces/${id}/members?type=service`, { token: owner.token });
    expect(none.body.resources).toEqual([]);
  });

  it('answers 400 to bad paging, 403 to non-members, 404 to unknown spaces, 401 without token', async () => {
    const id = await sharedSpace();
    for (const q of ['limit=0', 'limit=201', 'limit=x', 'start=garbage']) {
      expectSpacesError(await s.call('GET', `/v2/spaces/${id}/members?${q}`, { token: owner.token }), 400);
    }
    // A start token of another space's member list is refused too.
    const other = await sharedSpace();
    const page = await s.call('GET', `/v2/spaces/${other}/members?limit=1`, { token: owner.token });
    const token = new URL(page.body.next.href).searchParams.get('start');
    expectSpacesError(
      await s.call('GET', `/v2/spaces/${id}/members?start=${token}`, { token: owner.token }),
      400,
    );
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}/members`, { token: stranger.token }), 403);
    expectSpacesError(
      await s.call('GET', '/v2/spaces/00000000-0000-7000-8000-000000000000/members', { token: owner.token }),
      404,
      'SPACES0007E',
    );
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}/members`, { token: null }), 401);
  });
});

describe('POST /v2/spaces/{space_id}/members', () => {
  it('lets an admin add directory users, who can then read the space', async () => {
    const id = await createSpace(s, owner.token);
    const newcomer = await s.createUser('newcomer');
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`, { token: newcomer.token }), 403);
    const res = await s.call('POST', `/v2/spaces/${id}/members`, {
      token: owner.token,
      body: { members: [{ id: newcomer.iam_id, role: 'viewer', state: 'active', type: 'user' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      resources: [{ id: newcomer.iam_id, role: 'viewer', state: 'active', type: 'user' }],
    });
    expect((await s.call('GET', `/v2/spaces/${id}`, { token: newcomer.token })).status).toBe(200);
  });

  it('adds several members at once, defaulting state and type', async () => {
    const id = await createSpace(s, owner.token);
    const res = await s.call('POST', `/v2/spaces/${id}/members`, {
      token: owner.token,
      body: {
        members: [
          { id: editor.iam_id, role: 'editor' },
          { id: viewer.iam_id, role: 'viewer' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.resources).toEqual([
      { id: editor.iam_id, role: 'editor', state: 'active', type: 'user' },
      { id: viewer.iam_id, role: 'viewer', state: 'active', type: 'user' },
    ]);
    expect(await membersOf(id)).toHaveLength(3);
  });

  it('refuses bad bodies, unknown users and existing members, adding none of the batch', async () => {
    const id = await createSpace(s, owner.token);
    const newcomer = await s.createUser('batch');
    const bad: [unknown, number][] = [
      [{}, 400],
      [{ members: [] }, 400],
      [{ members: [{ id: newcomer.iam_id }] }, 400],
      [{ members: [{ id: newcomer.iam_id, role: 'owner' }] }, 400],
      [{ members: [{ id: newcomer.iam_id, role: 'viewer', state: 'asleep' }] }, 400],
      [{ members: [{ id: newcomer.iam_id, role: 'viewer', type: 'robot' }] }, 400],
      [
        {
          members: [
            { id: newcomer.iam_id, role: 'viewer' },
            { id: newcomer.iam_id, role: 'editor' },
          ],
        },
        400,
      ],
      [
        {
          members: [
            { id: newcomer.iam_id, role: 'viewer' },
            { id: owner.iam_id, role: 'viewer' },
          ],
        },
        400,
      ],
      [
        {
          members: [
            { id: newcomer.iam_id, role: 'viewer' },
            { id: 'IBMid-NOBODY', role: 'viewer' },
          ],
        },
        404,
      ],
      [{ members: [{ id: 'iam-ServiceId-a1e4dc16', role: 'viewer', type: 'service' }] }, 404],
    ];
    for (const [body, status] of bad) {
      const res = await s.call('POST', `/v2/spaces/${id}/members`, { token: owner.token, body });
      expectSpacesError(res, status);
    }
    const unknown = await s.call('POST', `/v2/spaces/${id}/members`, {
      token: owner.token,
      body: { members: [{ id: 'IBMid-NOBODY', role: 'viewer' }] },
    });
    expect(unknown.body.errors[0]).toMatchObject({ code: 'SPACES0007E', parameters: ['IBMid-NOBODY'] });
    expect((await membersOf(id)).map((m) => m.id)).toEqual([owner.iam_id]);
  });

  it('is for admins only: editors, viewers and strangers get 403; unknown space 404', async () => {
    const id = await sharedSpace();
    const newcomer = await s.createUser('refused');
    const body = { members: [{ id: newcomer.iam_id, role: 'admin' }] };
    for (const user of [editor, viewer, stranger]) {
      expectSpacesError(await s.call('POST', `/v2/spaces/${id}/members`, { token: user.token, body }), 403);
    }
    expectSpacesError(
      await s.call('POST', '/v2/spaces/00000000-0000-7000-8000-000000000000/members', {
        token: owner.token,
        body,
      }),
      404,
    );
    expectSpacesError(await s.call('POST', `/v2/spaces/${id}/members`, { token: null, body }), 401);
    expect((await membersOf(id)).map((m) => m.id)).not.toContain(newcomer.iam_id);
  });
});

describe('GET /v2/spaces/{space_id}/members/{member_id}', () => {
  it('shows one member to members; 404 for non-members of the space; 403 for outsiders', async () => {
    const id = await sharedSpace();
    const res = await s.call('GET', `/v2/spaces/${id}/members/${editor.iam_id}`, { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: editor.iam_id, role: 'editor', state: 'active', type: 'user' });
    const missing = await s.call('GET', `/v2/spaces/${id}/members/${stranger.iam_id}`, {
      token: owner.token,
    });
    expectSpacesError(missing, 404, 'SPACES0007E');
    expect(missing.body.errors[0].parameters).toEqual([stranger.iam_id]);
    expectSpacesError(
      await s.call('GET', `/v2/spaces/${id}/members/${owner.iam_id}`, { token: stranger.token }),
      403,
    );
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}/members/${owner.iam_id}`, { token: null }), 401);
  });
});

describe('PATCH /v2/spaces/{space_id}/members/{member_id}', () => {
  it('lets an admin change role and state', async () => {
    const id = await sharedSpace();
    const res = await patchMember(id, viewer.iam_id, owner.token, [
      { op: 'add', path: '/role', value: 'admin' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: viewer.iam_id, role: 'admin', state: 'active', type: 'user' });
    // The promoted member now acts as an admin.
    expect(
      (
        await patchMember(id, editor.iam_id, viewer.token, [
          { op: 'replace', path: '/role', value: 'viewer' },
        ])
      ).status,
    ).toBe(200);
    // A pending member keeps the membership but loses access.
    const paused = await s.call('PATCH', `/v2/spaces/${id}/members/${editor.iam_id}`, {
      token: owner.token,
      body: [{ op: 'replace', path: '/state', value: 'pending' }],
    });
    expect(paused.body).toEqual({ id: editor.iam_id, role: 'viewer', state: 'pending', type: 'user' });
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`, { token: editor.token }), 403);
  });

  it('refuses bad patches with 400, non-admins with 403, unknown members with 404, and changes nothing', async () => {
    const id = await sharedSpace();
    const bad: unknown[] = [
      [{ op: 'replace', path: '/id', value: 'IBMid-X' }],
      [{ op: 'replace', path: '/type', value: 'service' }],
      [{ op: 'replace', path: '/role', value: 'owner' }],
      [{ op: 'replace', path: '/state', value: 'gone' }],
      [{ op: 'remove', path: '/role' }],
      [{ op: 'copy', from: '/id', path: '/role' }],
      [{ op: 'test', path: '/role', value: 'admin' }],
      { op: 'replace', path: '/role', value: 'admin' },
    ];
    for (const body of bad) expectSpacesError(await patchMember(id, viewer.iam_id, owner.token, body), 400);
    const promote = [{ op: 'replace', path: '/role', value: 'admin' }];
    expectSpacesError(await patchMember(id, viewer.iam_id, editor.token, promote), 403);
    expectSpacesError(await patchMember(id, viewer.iam_id, viewer.token, promote), 403);
    expectSpacesError(await patchMember(id, viewer.iam_id, stranger.token, promote), 403);
    expectSpacesError(await patchMember(id, stranger.iam_id, owner.token, promote), 404, 'SPACES0007E');
    expectSpacesError(
      await patchMember('00000000-0000-7000-8000-000000000000', viewer.iam_id, owner.token, promote),
      404,
    );
    const after = await s.call('GET', `/v2/spaces/${id}/members/${viewer.iam_id}`, { token: owner.token });
    expect(after.body).toEqual({ id: viewer.iam_id, role: 'viewer', state: 'active', type: 'user' });
  });

  it('keeps at least one active admin', async () => {
    const id = await sharedSpace();
    const demote = [{ op: 'replace', path: '/role', value: 'editor' }];
    expectSpacesError(await patchMember(id, owner.iam_id, owner.token, demote), 400);
    expectSpacesError(
      await patchMember(id, owner.iam_id, owner.token, [{ op: 'replace', path: '/state', value: 'pending' }]),
      400,
    );
    expect(
      (await patchMember(id, editor.iam_id, owner.token, [{ op: 'replace', path: '/role', value: 'admin' }]))
        .status,
    ).toBe(200);
    const res = await patchMember(id, owner.iam_id, owner.token, demote);
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('editor');
    expectSpacesError(await patchMember(id, editor.iam_id, editor.token, demote), 400);
  });
});

describe('DELETE /v2/spaces/{space_id}/members/{member_id}', () => {
  it('lets an admin remove a member (204), who then loses access', async () => {
    const id = await sharedSpace();
    const res = await s.call('DELETE', `/v2/spaces/${id}/members/${editor.iam_id}`, { token: owner.token });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectSpacesError(
      await s.call('GET', `/v2/spaces/${id}/members/${editor.iam_id}`, { token: owner.token }),
      404,
    );
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`, { token: editor.token }), 403);
    expectSpacesError(
      await s.call('DELETE', `/v2/spaces/${id}/members/${editor.iam_id}`, { token: owner.token }),
      404,
    );
  });

  it('lets any member leave, but not remove others unless admin', async () => {
    const id = await sharedSpace();
    expectSpacesError(
      await s.call('DELETE', `/v2/spaces/${id}/members/${viewer.iam_id}`, { token: editor.token }),
      403,
    );
    expectSpacesError(
      await s.call('DELETE', `/v2/spaces/${id}/members/${owner.iam_id}`, { token: stranger.token }),
      403,
    );
    expectSpacesError(
      await s.call('DELETE', `/v2/spaces/${id}/members/${owner.iam_id}`, { token: null }),
      401,
    );
    expect(await membersOf(id)).toHaveLength(3);
    const leave = await s.call('DELETE', `/v2/spaces/${id}/members/${viewer.iam_id}`, {
      token: viewer.token,
    });
    expect(leave.status).toBe(204);
    expect((await membersOf(id)).map((m) => m.id)).not.toContain(viewer.iam_id);
  });

  it('never removes the last active admin', async () => {
    const id = await sharedSpace();
    expectSpacesError(
      await s.call('DELETE', `/v2/spaces/${id}/members/${owner.iam_id}`, { token: owner.token }),
      400,
    );
    expect((await membersOf(id)).map((m) => m.id)).toContain(owner.iam_id);
    await patchMember(id, editor.iam_id, owner.token, [{ op: 'replace', path: '/role', value: 'admin' }]);
    expect(
      (await s.call('DELETE', `/v2/spaces/${id}/members/${owner.iam_id}`, { token: owner.token })).status,
    ).toBe(204);
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`, { token: owner.token }), 403);
  });
});
