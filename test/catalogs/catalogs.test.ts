import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { addCatalogMember, createAsset, createCatalog, expectPlatformError } from '../assets/helpers.ts';

let s: TestServer;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  s = await startTestServer();
  [owner, editor, viewer, outsider] = await Promise.all([
    s.createUser('owner'),
    s.createUser('editor'),
    s.createUser('viewer'),
    s.createUser('outsider'),
  ]);
});
afterAll(async () => s?.close());

const MISSING = '00000000-0000-4000-8000-000000000000';
const uniq = (p: string) => `${p} ${Math.random().toString(16).slice(2)}`;

async function catalogWithMembers() {
  const id = await createCatalog(s, owner.token, uniq('cat'));
  await addCatalogMember(s, owner.token, id, editor, 'editor');
  await addCatalogMember(s, owner.token, id, viewer, 'viewer');
  return id;
}

const memberCount = async (id: string) =>
  (
    await (s.built.ctx.store.db as any)
      .selectFrom('catalog_members')
      .select('iam_id')
      .where('catalog_id', '=', id)
      .execute()
  ).length;

describe('POST /v2/catalogs', () => {
  it('creates a catalog (201); the creator is its admin', async () => {
    const name = uniq('Sales');
    const res = await s.call('POST', '/v2/catalogs', {
      token: owner.token,
      body: { name, description: 'd', generator: 'tests', is_governed: true, capacity_limit: 10 },
    });
    expect(res.status, res.text).toBe(201);
    const id = res.body.metadata.guid;
    expect(res.body).toEqual({
      metadata: {
        guid: id,
        url: `/v2/catalogs/${id}`,
        creator_id: owner.iam_id,
        create_time: expect.any(String),
      },
      entity: {
        name,
        description: 'd',
        generator: 'tests',
        bss_account_id: 'cpdaccount',
        capacity_limit: 10,
        is_governed: true,
      },
      href: `/v2/catalogs/${id}`,
    });
    const members = await s.call('GET', `/v2/catalogs/${id}/members`, { token: owner.token });
    expect(members.body.members).toEqual([
      expect.objectContaining({ user_iam_id: owner.iam_id, role: 'admin' }),
    ]);
  });

  it('refuses a duplicate name in the account (409), invalid bodies (400), no token (401)', async () => {
    const name = uniq('dup');
    await createCatalog(s, owner.token, name);
    expectPlatformError(await s.call('POST', '/v2/catalogs', { token: editor.token, body: { name } }), 409);
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x', is_governed: 'yes' }, { name: 7 }]) {
      expectPlatformError(await s.call('POST', '/v2/catalogs', { token: owner.token, body }), 400);
    }
    expectPlatformError(
      await s.call('POST', '/v2/catalogs', { token: null, body: { name: uniq('x') } }),
      401,
    );
  });
});

describe('GET /v2/catalogs and /v2/catalogs/{id}', () => {
  it('lists only the catalogs of the caller, paged by bookmark', async () => {
    const user = await s.createUser('lister');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createCatalog(s, user.token, uniq('mine')));
    const seen: string[] = [];
    let bookmark: string | undefined;
    do {
      const res = await s.call(
        'GET',
        `/v2/catalogs?limit=2${bookmark ? `&bookmark=${encodeURIComponent(bookmark)}` : ''}`,
        { token: user.token },
      );
      expect(res.status, res.text).toBe(200);
      expect(res.body.catalogs.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.catalogs.map((c: any) => c.metadata.guid));
      bookmark = res.body.nextBookmark;
    } while (bookmark);
    expect(seen.sort()).toEqual([...ids].sort());
    expectPlatformError(await s.call('GET', '/v2/catalogs?bookmark=nonsense', { token: user.token }), 400);
    expectPlatformError(await s.call('GET', '/v2/catalogs?limit=0', { token: user.token }), 400);
    expectPlatformError(await s.call('GET', '/v2/catalogs', { token: null }), 401);
  });

  it('reads a catalog for members (200); 403 for others; 404 when missing', async () => {
    const id = await catalogWithMembers();
    const got = await s.call('GET', `/v2/catalogs/${id}`, { token: viewer.token });
    expect(got.status).toBe(200);
    expect(got.body.metadata.guid).toBe(id);
    expectPlatformError(await s.call('GET', `/v2/catalogs/${id}`, { token: outsider.token }), 403);
    expectPlatformError(await s.call('GET', `/v2/catalogs/${MISSING}`, { token: owner.token }), 404);
  });
});

describe('DELETE /v2/catalogs/{id}', () => {
  it('is for admins (403 otherwise) and removes members and assets (204)', async () => {
    const id = await catalogWithMembers();
    const asset = await createAsset(s, editor.token, { kind: 'catalog', id, q: `catalog_id=${id}` });
    expectPlatformError(await s.call('DELETE', `/v2/catalogs/${id}`, { token: editor.token }), 403);
    expectPlatformError(await s.call('DELETE', `/v2/catalogs/${id}`, { token: outsider.token }), 403);
    expect((await s.call('GET', `/v2/catalogs/${id}`, { token: viewer.token })).status).toBe(200);
    const del = await s.call('DELETE', `/v2/catalogs/${id}`, { token: owner.token });
    expect(del.status, del.text).toBe(204);
    expectPlatformError(await s.call('GET', `/v2/catalogs/${id}`, { token: owner.token }), 404);
    expectPlatformError(await s.call('DELETE', `/v2/catalogs/${id}`, { token: owner.token }), 404);
    expect(await memberCount(id)).toBe(0);
    const db = s.built.ctx.store.db as any;
    const left = await db
      .selectFrom('assets')
      .select('asset_id')
      .where('asset_id', '=', asset.metadata.asset_id)
      .execute();
    expect(left).toEqual([]);
  });
});

describe('catalog members', () => {
  it('lists (viewers), reads one, pages by bookmark', async () => {
    const id = await catalogWithMembers();
    const list = await s.call('GET', `/v2/catalogs/${id}/members?limit=2`, { token: viewer.token });
    expect(list.status).toBe(200);
    expect(list.body.members).toHaveLength(2);
    const rest = await s.call(
      'GET',
      `/v2/catalogs/${id}/members?limit=2&bookmark=${encodeURIComponent(list.body.nextBookmark)}`,
      { token: viewer.token },
    );
    const all = [...list.body.members, ...rest.body.members].map((m: any) => m.user_iam_id).sort();
    expect(all).toEqual([owner.iam_id, editor.iam_id, viewer.iam_id].sort());
    expect(rest.body.nextBookmark).toBeUndefined();
    const one = await s.call('GET', `/v2/catalogs/${id}/members/${editor.iam_id}`, { token: viewer.token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ user_iam_id: editor.iam_id, role: 'editor' });
    expectPlatformError(
      await s.call('GET', `/v2/catalogs/${id}/members/${outsider.iam_id}`, { token: viewer.token }),
      404,
    );
    expectPlatformError(await s.call('GET', `/v2/catalogs/${id}/members`, { token: outsider.token }), 403);
    expectPlatformError(await s.call('GET', `/v2/catalogs/${MISSING}/members`, { token: owner.token }), 404);
    // a bookmark of another list is refused
    const other = await createCatalog(s, viewer.token, uniq('other'));
    const bookmark = encodeURIComponent(list.body.nextBookmark);
    expectPlatformError(
      await s.call('GET', `/v2/catalogs/${other}/members?bookmark=${bookmark}`, { token: viewer.token }),
      400,
    );
  });

  it('adds members (admins only, 201), all or none', async () => {
    const id = await catalogWithMembers();
    const extra = await s.createUser('extra');
    expectPlatformError(
      await s.call('POST', `/v2/catalogs/${id}/members`, {
        token: editor.token,
        body: { members: [{ user_iam_id: extra.iam_id, role: 'viewer' }] },
      }),
      403,
    );
    // one already a member: 409, and the other was not added either
    expectPlatformError(
      await s.call('POST', `/v2/catalogs/${id}/members`, {
        token: owner.token,
        body: {
          members: [
            { user_iam_id: extra.iam_id, role: 'viewer' },
            { user_iam_id: editor.iam_id, role: 'viewer' },
          ],
        },
      }),
      409,
    );
    for (const members of [
      [],
      [{ user_iam_id: 'IBMid-nobody', role: 'viewer' }],
      [{ user_iam_id: extra.iam_id, role: 'owner' }],
      [
        { user_iam_id: extra.iam_id, role: 'viewer' },
        { user_iam_id: extra.iam_id, role: 'editor' },
      ],
    ]) {
      expectPlatformError(
        await s.call('POST', `/v2/catalogs/${id}/members`, { token: owner.token, body: { members } }),
        400,
      );
    }
    expect(await memberCount(id)).toBe(3);
    const ok = await s.call('POST', `/v2/catalogs/${id}/members`, {
      token: owner.token,
      body: { members: [{ user_iam_id: extra.iam_id, role: 'editor' }] },
    });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.members).toEqual([expect.objectContaining({ user_iam_id: extra.iam_id, role: 'editor' })]);
    expect(await memberCount(id)).toBe(4);
    expectPlatformError(
      await s.call('POST', `/v2/catalogs/${MISSING}/members`, {
        token: owner.token,
        body: { members: [{ user_iam_id: extra.iam_id, role: 'editor' }] },
      }),
      404,
    );
  });

  it('changes roles (admins only) and keeps at least one admin (409)', async () => {
    const id = await catalogWithMembers();
    const url = (m: TestUser) => `/v2/catalogs/${id}/members/${m.iam_id}`;
    expectPlatformError(
      await s.call('PATCH', url(viewer), { token: editor.token, body: { role: 'admin' } }),
      403,
    );
    expectPlatformError(
      await s.call('PATCH', url(viewer), { token: owner.token, body: { role: 'boss' } }),
      400,
    );
    expectPlatformError(
      await s.call('PATCH', url(outsider), { token: owner.token, body: { role: 'viewer' } }),
      404,
    );
    expectPlatformError(
      await s.call('PATCH', url(owner), { token: owner.token, body: { role: 'editor' } }),
      409,
    );
    const up = await s.call('PATCH', url(editor), { token: owner.token, body: { role: 'admin' } });
    expect(up.status, up.text).toBe(200);
    expect(up.body).toMatchObject({ user_iam_id: editor.iam_id, role: 'admin' });
    // now two admins: the owner may step down
    const down = await s.call('PATCH', url(owner), { token: owner.token, body: { role: 'viewer' } });
    expect(down.status).toBe(200);
    // and the viewer-now owner cannot manage members any more
    expectPlatformError(
      await s.call('PATCH', url(viewer), { token: owner.token, body: { role: 'editor' } }),
      403,
    );
  });

  it('removes members (admins, or oneself), never the last admin (409)', async () => {
    const id = await catalogWithMembers();
    const url = (m: TestUser) => `/v2/catalogs/${id}/members/${m.iam_id}`;
    expectPlatformError(await s.call('DELETE', url(editor), { token: viewer.token }), 403);
    expectPlatformError(await s.call('DELETE', url(owner), { token: owner.token }), 409);
    expect(await memberCount(id)).toBe(3);
    const leave = await s.call('DELETE', url(viewer), { token: viewer.token });
    expect(leave.status, leave.text).toBe(204);
    expectPlatformError(await s.call('GET', `/v2/catalogs/${id}`, { token: viewer.token }), 403);
    const kick = await s.call('DELETE', url(editor), { token: owner.token });
    expect(kick.status).toBe(204);
    expectPlatformError(await s.call('DELETE', url(editor), { token: owner.token }), 404);
    expect(await memberCount(id)).toBe(1);
  });

  it('gives catalog roles their meaning for assets: viewers read, editors write', async () => {
    const id = await catalogWithMembers();
    const c = { kind: 'catalog' as const, id, q: `catalog_id=${id}` };
    const a = await createAsset(s, editor.token, c, { name: 'in catalog' });
    expectPlatformError(
      await s.call('POST', `/v2/assets?${c.q}`, {
        token: viewer.token,
        body: { metadata: { name: 'x', asset_type: 'data_asset' } },
      }),
      403,
    );
    const got = await s.call('GET', `/v2/assets/${a.metadata.asset_id}?${c.q}`, { token: viewer.token });
    expect(got.status).toBe(200);
    expect(got.body.metadata.catalog_id).toBe(id);
  });
});
