import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { COS_CRN, WML_CRN, addMember, createSpace, eventually, expectSpacesError } from './helpers.ts';

let s: TestServer;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  s = await startTestServer();
  owner = await s.createUser('owner');
  editor = await s.createUser('editor');
  viewer = await s.createUser('viewer');
  stranger = await s.createUser('stranger');
});
afterAll(async () => s?.close());

/** A space owned by `owner` with an editor and a viewer. */
async function sharedSpace(body: Record<string, unknown> = {}) {
  const id = await createSpace(s, owner.token, body);
  await addMember(s, owner.token, id, editor, 'editor');
  await addMember(s, owner.token, id, viewer, 'viewer');
  return id;
}

const countOwnSpaces = async (token: string) =>
  (await s.call('GET', '/v2/spaces?total_count=true&limit=1', { token })).body.total_count as number;

describe('POST /v2/spaces', () => {
  it('answers 202 with the space preparing, its creator as admin, and the seed defaults', async () => {
    const res = await s.call('POST', '/v2/spaces', { token: owner.token, body: { name: 'test' } });
    expect(res.status).toBe(202);
    const { metadata, entity } = res.body;
    expect(metadata).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      url: `/v2/spaces/${metadata.id}`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      creator_id: owner.iam_id,
    });
    expect(entity).toEqual({
      name: 'test',
      compute: [],
      members: [{ id: owner.iam_id, role: 'admin', state: 'active', type: 'user' }],
      scope: { bss_account_id: 'cpdaccount' },
      settings: { folders: { enabled: false } },
      stage: { production: false },
      status: { state: 'preparing' },
      type: 'cpd',
    });
  });

  it('keeps every documented field of the body', async () => {
    const res = await s.call('POST', '/v2/spaces', {
      token: owner.token,
      body: {
        name: 'full',
        description: 'all the fields',
        storage: { resource_crn: COS_CRN, delegated: true, plan_id: 'plan-1', properties: { bucket: 'b' } },
        compute: [{ name: 'Watson Machine Learning', crn: WML_CRN }],
        tags: ['a', 'b', 'a'],
        generator: 'test-suite',
        stage: { production: true, name: 'prod' },
        type: 'wx',
        settings: { folders: { enabled: true }, access_restrictions: { reporting: { authorized: true } } },
      },
    });
    expect(res.status).toBe(202);
    expect(res.body.entity).toMatchObject({
      name: 'full',
      description: 'all the fields',
      storage: {
        type: 'bmcos_object_storage',
        guid: '11111111-2222-3333-4444-555555555555',
        resource_crn: COS_CRN,
        delegated: true,
        plan_id: 'plan-1',
        properties: { bucket: 'b' },
      },
      compute: [
        {
          crn: WML_CRN,
          guid: '99999999-9999-9999-9999-999999999999',
          name: 'Watson Machine Learning',
          type: 'machine_learning',
        },
      ],
      tags: ['a', 'b'],
      generator: 'test-suite',
      stage: { production: true, name: 'prod' },
      type: 'wx',
      settings: { folders: { enabled: true }, access_restrictions: { reporting: { authorized: true } } },
    });
    const read = await s.call('GET', `/v2/spaces/${res.body.metadata.id}`, { token: owner.token });
    expect(read.body.entity).toMatchObject({ description: 'all the fields', tags: ['a', 'b'], type: 'wx' });
  });

  it('allows two spaces with the same name', async () => {
    const a = await createSpace(s, owner.token, { name: 'twin' });
    const b = await createSpace(s, owner.token, { name: 'twin' });
    expect(a).not.toBe(b);
  });

  it('refuses invalid bodies with 400 and creates nothing', async () => {
    const before = await countOwnSpaces(owner.token);
    const bad: unknown[] = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 42 },
      { name: 'x', description: 7 },
      { name: 'x', compute: [{ name: 'wml' }] },
      { name: 'x', compute: [{ name: 'wml', crn: 'not-a-crn' }] },
      { name: 'x', compute: {} },
      { name: 'x', storage: {} },
      { name: 'x', storage: { resource_crn: 'bucket' } },
      { name: 'x', tags: 'a' },
      { name: 'x', tags: [''] },
      { name: 'x', stage: { production: 'yes' } },
      { name: 'x', settings: { folders: { enabled: 'no' } } },
      { name: 'x', type: '' },
      [],
    ];
    for (const body of bad) {
      const res = await s.call('POST', '/v2/spaces', { token: owner.token, body });
      expectSpacesError(res, 400, 'SPACES0001E');
    }
    const malformed = await s.call('POST', '/v2/spaces', { token: owner.token, raw: '{"name": ' });
    expectSpacesError(malformed, 400);
    expect(await countOwnSpaces(owner.token)).toBe(before);
  });

  it('refuses missing and invalid tokens with 401 in the spaces body', async () => {
    expectSpacesError(await s.call('POST', '/v2/spaces', { token: null, body: { name: 'x' } }), 401);
    expectSpacesError(await s.call('POST', '/v2/spaces', { token: 'a.b.c', body: { name: 'x' } }), 401);
  });
});

describe('preparing → active', () => {
  it('becomes active shortly after creation, with updated_at, and stores the state', async () => {
    const id = await createSpace(s, owner.token, { name: 'lifecycle' });
    const read = await eventually(
      () => s.call('GET', `/v2/spaces/${id}`, { token: owner.token }),
      (r) => r.body.entity.status.state === 'active',
    );
    expect(read.body.entity.status.state).toBe('active');
    expect(Date.parse(read.body.metadata.updated_at)).toBeGreaterThan(
      Date.parse(read.body.metadata.created_at),
    );
    const db = s.built.ctx.store.db as any;
    const row = await eventually(
      () => db.selectFrom('spaces').select(['state']).where('id', '=', id).executeTakeFirst(),
      (r: any) => r.state === 'active',
    );
    expect(row).toEqual({ state: 'active' });
  });
});

describe('GET /v2/spaces/{space_id}', () => {
  it('lets every member read, with members on request', async () => {
    const id = await sharedSpace({ name: 'readable' });
    for (const user of [owner, editor, viewer]) {
      const res = await s.call('GET', `/v2/spaces/${id}`, { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body.metadata.id).toBe(id);
      expect(res.body.entity.name).toBe('readable');
      expect(res.body.entity.members).toBeUndefined();
    }
    const withMembers = await s.call('GET', `/v2/spaces/${id}?include=members`, { token: viewer.token });
    expect(withMembers.body.entity.members).toHaveLength(3);
    expect(withMembers.body.entity.members).toContainEqual({
      id: viewer.iam_id,
      role: 'viewer',
      state: 'active',
      type: 'user',
    });
    const nothing = await s.call('GET', `/v2/spaces/${id}?include=nothing`, { token: owner.token });
    expect(nothing.body).toEqual({ metadata: { id, url: `/v2/spaces/${id}` } });
    const credentials = await s.call('GET', `/v2/spaces/${id}?include=credentials`, { token: owner.token });
    expect(credentials.status).toBe(200);
  });

  it('includes at most 100 members, as the seed says, while the member list pages through all', async () => {
    const id = await createSpace(s, owner.token, { name: 'crowded' });
    const now = new Date().toISOString();
    const extra = Array.from({ length: 120 }, (_, i) => ({
      space_id: id,
      iam_id: `IBMid-CROWD${String(i).padStart(3, '0')}`,
      role: 'viewer',
      state: 'active',
      type: 'user',
      created_at: now,
      updated_at: now,
    }));
    await (s.built.ctx.store.db as any).insertInto('space_members').values(extra).execute();
    const read = await s.call('GET', `/v2/spaces/${id}?include=members`, { token: owner.token });
    expect(read.body.entity.members).toHaveLength(100);
    const listed = await s.call('GET', `/v2/spaces?id=${id}&include=members`, { token: owner.token });
    expect(listed.body.resources[0].entity.members).toHaveLength(100);
    const members = await s.call('GET', `/v2/spaces/${id}/members?limit=200&total_count=true`, {
      token: owner.token,
    });
    expect(members.body.total_count).toBe(121);
    expect(members.body.resources).toHaveLength(121);
  });

  it('answers 403 to non-members, 404 with SPACES0007E to unknown ids, 400 to bad include, 401 without token', async () => {
    const id = await createSpace(s, owner.token);
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`, { token: stranger.token }), 403, 'SPACES0003E');
    const missing = await s.call('GET', '/v2/spaces/00000000-0000-7000-8000-000000000000', {
      token: owner.token,
    });
    expectSpacesError(missing, 404, 'SPACES0007E');
    expect(missing.body.errors[0]).toMatchObject({
      message: "Resource with given id '00000000-0000-7000-8000-000000000000' could not be found.",
      parameters: ['00000000-0000-7000-8000-000000000000'],
    });
    expectSpacesError(
      await s.call('GET', `/v2/spaces/${id}?include=everything`, { token: owner.token }),
      400,
    );
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`, { token: null }), 401);
  });

  it('does not let the platform administrator read a space it is not a member of', async () => {
    const id = await createSpace(s, owner.token);
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`), 403);
  });
});

describe('PATCH /v2/spaces/{space_id}', () => {
  const patch = (id: string, token: string, body: unknown, contentType = 'application/json-patch+json') =>
    s.call('PATCH', `/v2/spaces/${id}`, { token, body, contentType });

  it('lets an editor change name, description, compute, stage name and type', async () => {
    const id = await sharedSpace({ name: 'before', stage: { production: true } });
    const before = await s.call('GET', `/v2/spaces/${id}`, { token: owner.token });
    const res = await patch(id, editor.token, [
      { op: 'replace', path: '/name', value: 'after' },
      { op: 'add', path: '/description', value: 'space description' },
      { op: 'add', path: '/compute', value: [{ name: 'wml', crn: WML_CRN }] },
      { op: 'add', path: '/stage/name', value: 'qa' },
      { op: 'replace', path: '/type', value: 'wx' },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.entity).toMatchObject({
      name: 'after',
      description: 'space description',
      compute: [
        { crn: WML_CRN, guid: '99999999-9999-9999-9999-999999999999', name: 'wml', type: 'machine_learning' },
      ],
      stage: { production: true, name: 'qa' },
      type: 'wx',
    });
    expect(res.body.metadata.updated_at).toBeDefined();
    expect(res.body.metadata.updated_at).not.toBe(before.body.metadata.updated_at);
    const read = await s.call('GET', `/v2/spaces/${id}`, { token: viewer.token });
    expect(read.body.entity).toMatchObject({ name: 'after', description: 'space description', type: 'wx' });
    const byCompute = await s.call('GET', `/v2/spaces?compute.crn=${encodeURIComponent(WML_CRN)}&id=${id}`, {
      token: owner.token,
    });
    expect(byCompute.body.resources.map((r: any) => r.metadata.id)).toEqual([id]);
  });

  it('accepts application/json, move/copy/test/remove operations', async () => {
    const id = await createSpace(s, owner.token, { name: 'ops', description: 'desc' });
    const res = await patch(
      id,
      owner.token,
      [
        { op: 'test', path: '/name', value: 'ops' },
        { op: 'copy', from: '/name', path: '/description' },
        { op: 'move', from: '/description', path: '/stage/name' },
      ],
      'application/json',
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.entity.stage).toEqual({ production: false, name: 'ops' });
    expect(res.body.entity.description).toBeUndefined();
    const removed = await patch(id, owner.token, [{ op: 'remove', path: '/stage/name' }]);
    expect(removed.body.entity.stage).toEqual({ production: false });
  });

  it('lets admins, not editors, change the settings', async () => {
    const id = await sharedSpace();
    const ops = [
      { op: 'replace', path: '/settings/folders/enabled', value: true },
      { op: 'add', path: '/settings/access_restrictions/reporting/authorized', value: false },
    ];
    expectSpacesError(await patch(id, editor.token, ops), 403);
    const res = await patch(id, owner.token, ops);
    expect(res.status).toBe(200);
    expect(res.body.entity.settings).toEqual({
      folders: { enabled: true },
      access_restrictions: { reporting: { authorized: false } },
    });
  });

  it('refuses bad operations, paths and results with 400 and changes nothing', async () => {
    const id = await createSpace(s, owner.token, { name: 'stable', description: 'd' });
    // Once active, nothing but a patch changes the space: the body must stay identical.
    const before = (
      await eventually(
        () => s.call('GET', `/v2/spaces/${id}`, { token: owner.token }),
        (r) => r.body.entity.status.state === 'active',
      )
    ).body;
    const bad: unknown[] = [
      [{ op: 'replace', path: '/metadata/id', value: 'x' }],
      [{ op: 'replace', path: '/status/state', value: 'active' }],
      [{ op: 'add', path: '/tags', value: ['x'] }],
      [{ op: 'add', path: '/stage/production', value: true }],
      [{ op: 'frobnicate', path: '/name', value: 'x' }],
      [{ op: 'replace', path: '/name' }],
      [{ path: '/name', value: 'x' }],
      [{ op: 'remove', path: '/name' }],
      [{ op: 'replace', path: '/name', value: '' }],
      [{ op: 'replace', path: '/name', value: 5 }],
      [{ op: 'replace', path: '/type', value: '' }],
      [{ op: 'test', path: '/name', value: 'other' }],
      [{ op: 'replace', path: '/compute', value: [{ name: 'x', crn: 'nope' }] }],
      [{ op: 'replace', path: '/stage/name', value: 'absent' }],
      [{ op: 'copy', from: '/metadata/creator_id', path: '/name' }],
      [
        { op: 'replace', path: '/name', value: 'changed' },
        { op: 'remove', path: '/settings/folders/enabled' },
      ],
      { op: 'replace', path: '/name', value: 'x' },
      'name',
    ];
    for (const body of bad) {
      const res = await patch(id, owner.token, body);
      expectSpacesError(res, 400, 'SPACES0001E');
    }
    const after = (await s.call('GET', `/v2/spaces/${id}`, { token: owner.token })).body;
    expect(after).toEqual(before);
    expect(after.entity).toMatchObject({ name: 'stable', description: 'd' });
  });

  it('refuses viewers and non-members with 403, unknown spaces with 404, and changes nothing', async () => {
    const id = await sharedSpace({ name: 'guarded' });
    const ops = [{ op: 'replace', path: '/name', value: 'hijacked' }];
    expectSpacesError(await patch(id, viewer.token, ops), 403);
    expectSpacesError(await patch(id, stranger.token, ops), 403);
    expectSpacesError(
      await patch('00000000-0000-7000-8000-000000000000', owner.token, ops),
      404,
      'SPACES0007E',
    );
    expectSpacesError(await s.call('PATCH', `/v2/spaces/${id}`, { token: null, body: ops }), 401);
    const read = await s.call('GET', `/v2/spaces/${id}`, { token: owner.token });
    expect(read.body.entity.name).toBe('guarded');
  });
});

describe('DELETE /v2/spaces/{space_id}', () => {
  it('lets only admins delete; the space and its members go together', async () => {
    const id = await sharedSpace({
      name: 'doomed',
      tags: ['gone'],
      compute: [{ name: 'wml', crn: WML_CRN }],
    });
    expectSpacesError(await s.call('DELETE', `/v2/spaces/${id}`, { token: viewer.token }), 403);
    expectSpacesError(await s.call('DELETE', `/v2/spaces/${id}`, { token: editor.token }), 403);
    expectSpacesError(await s.call('DELETE', `/v2/spaces/${id}`, { token: stranger.token }), 403);
    expectSpacesError(await s.call('DELETE', `/v2/spaces/${id}`, { token: null }), 401);
    expect((await s.call('GET', `/v2/spaces/${id}`, { token: viewer.token })).status).toBe(200);

    const res = await s.call('DELETE', `/v2/spaces/${id}`, { token: owner.token });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}`, { token: owner.token }), 404, 'SPACES0007E');
    expectSpacesError(await s.call('GET', `/v2/spaces/${id}/members`, { token: owner.token }), 404);
    expectSpacesError(await s.call('DELETE', `/v2/spaces/${id}`, { token: owner.token }), 404, 'SPACES0007E');
    const db = s.built.ctx.store.db as any;
    for (const table of ['space_members', 'space_tags', 'space_computes']) {
      const rows = await db.selectFrom(table).selectAll().where('space_id', '=', id).execute();
      expect(rows, table).toEqual([]);
    }
    const listed = await s.call('GET', `/v2/spaces?id=${id}`, { token: owner.token });
    expect(listed.body.resources).toEqual([]);
  });
});
