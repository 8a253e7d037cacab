import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { createCatalog, expectPlatformError } from '../assets/helpers.ts';

let s: TestServer;
let alice: TestUser; // owner
let bob: TestUser; // another user
let carol: TestUser; // admin of the catalog the orders are about: an approver
let catalogId: string;

const item = (id: string) => ({
  asset: { id, type: 'data_asset', container: { id: catalogId, type: 'catalog' } },
  properties: { my_property_1: 'Value 1' },
});

async function create(token: string, body: Record<string, unknown>) {
  const res = await s.call('POST', '/v2/asset_lists', { token, body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const order = (extra: Record<string, unknown> = {}) => ({
  name: `order ${Math.random().toString(36).slice(2)}`,
  description: 'Order of multiple items',
  type: 'order',
  asset: { id: 'dp-1', type: 'ibm_data_product_version', container: { id: catalogId, type: 'catalog' } },
  items: [item('a1')],
  ...extra,
});

const list = (token: string, query?: string, extra = '') =>
  s.call(
    'GET',
    `/v2/asset_lists?${query === undefined ? '' : `query=${encodeURIComponent(query)}`}${extra}`,
    {
      token,
    },
  );
const patch = (token: string, id: string, body: unknown) =>
  s.call('PATCH', `/v2/asset_lists/${id}`, { token, body, contentType: 'application/json-patch+json' });

beforeAll(async () => {
  s = await startTestServer();
  [alice, bob, carol] = await Promise.all([
    s.createUser('alice'),
    s.createUser('bob'),
    s.createUser('carol'),
  ]);
  catalogId = await createCatalog(s, carol.token);
});
afterAll(async () => s?.close());

describe('POST /v2/asset_lists', () => {
  it('creates a list owned by the caller in the default state, items given either way the seed shows', async () => {
    const body = {
      name: 'my_order',
      description: 'Order of multiple items',
      type: 'order',
      items: [
        item('8509d09e-b3d0-4e8b-9682-726a7b95f69a'),
        {
          asset: { metadata: item('8509d09e-b3d0-4e8b-9682-726a7b95f69b').asset },
          properties: { my_property_map: { my_property_map_key: 'Value 2' } },
        },
      ],
    };
    const res = await s.call('POST', '/v2/asset_lists', { token: alice.token, body });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'my_order',
      description: 'Order of multiple items',
      type: 'order',
      state: 'default_state',
      archived: false,
      properties: {},
      item_count: 2,
      access_control: { owner: alice.iam_id },
      last_updated_by: alice.iam_id,
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const items = await s.call('GET', `/v2/asset_lists/${res.body.id}/items`, { token: alice.token });
    expect(items.body.items[1]).toEqual({
      asset: item('8509d09e-b3d0-4e8b-9682-726a7b95f69b').asset,
      properties: { my_property_map: { my_property_map_key: 'Value 2' } },
    });
  });

  it('refuses bad bodies (400), a second list with the same type and name (409), no token (401)', async () => {
    const before = (await list(s.adminToken)).body.total_count;
    for (const body of [
      { type: 'order' },
      { name: 'x' },
      { name: '   ', type: 'order' },
      {
        name: 'x',
        type: 'order',
        items: [{ asset: { id: 'a', type: 't', container: { id: 'c', type: 'folder' } } }],
      },
      { name: 'x', type: 'order', items: [{ properties: {} }] },
      { name: 'x', type: 'order', asset: { id: 'a' } },
      { name: 'x', type: 'order', items: 'all' },
    ]) {
      expectPlatformError(await s.call('POST', '/v2/asset_lists', { token: alice.token, body }), 400);
    }
    expectPlatformError(await s.call('POST', '/v2/asset_lists', { token: alice.token, raw: '[]' }), 400);
    const first = await create(alice.token, { name: 'twice', type: 'order' });
    expectPlatformError(
      await s.call('POST', '/v2/asset_lists', { token: alice.token, body: { name: 'twice', type: 'order' } }),
      409,
    );
    // another owner, or another type, may use the name
    await create(bob.token, { name: 'twice', type: 'order' });
    await create(alice.token, { name: 'twice', type: 'cart' });
    expectPlatformError(
      await s.call('POST', '/v2/asset_lists', { token: null, body: { name: 'y', type: 'order' } }),
      401,
    );
    expect((await list(s.adminToken)).body.total_count).toBe(before + 3);
    expect(first.state).toBe('default_state');
  });
});

describe('GET /v2/asset_lists/{id} and its items', () => {
  it('shows a list to its owner, the approvers of its asset and functional users only', async () => {
    const made = await create(alice.token, order());
    for (const token of [alice.token, carol.token, s.adminToken]) {
      const res = await s.call('GET', `/v2/asset_lists/${made.id}`, { token });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual(made);
    }
    expectPlatformError(await s.call('GET', `/v2/asset_lists/${made.id}`, { token: bob.token }), 403);
    expectPlatformError(await s.call('GET', `/v2/asset_lists/${made.id}/items`, { token: bob.token }), 403);
    expectPlatformError(
      await s.call('GET', '/v2/asset_lists/00000000-0000-4000-8000-000000000000', { token: alice.token }),
      404,
    );
    expectPlatformError(
      await s.call('GET', '/v2/asset_lists/00000000-0000-4000-8000-000000000000/items', {
        token: alice.token,
      }),
      404,
    );
    expectPlatformError(await s.call('GET', '/v2/asset_lists/short', { token: alice.token }), 400);
    expectPlatformError(await s.call('GET', `/v2/asset_lists/${made.id}`, { token: null }), 401);
  });

  it('pages items with start and limit', async () => {
    const made = await create(alice.token, order({ items: ['i1', 'i2', 'i3'].map(item) }));
    const first = await s.call('GET', `/v2/asset_lists/${made.id}/items?limit=2`, { token: alice.token });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ limit: 2, total_count: 3 });
    expect(first.body.items.map((i: any) => i.asset.id)).toEqual(['i1', 'i2']);
    const next = new URL(first.body.next.href);
    const second = await s.call('GET', next.pathname + next.search, { token: alice.token });
    expect(second.body.items.map((i: any) => i.asset.id)).toEqual(['i3']);
    expect(second.body.next).toBeUndefined();
    expectPlatformError(
      await s.call('GET', `/v2/asset_lists/${made.id}/items?start=bogus`, { token: alice.token }),
      400,
    );
    expectPlatformError(
      await s.call('GET', `/v2/asset_lists/${made.id}/items?limit=0`, { token: alice.token }),
      400,
    );
    // a start token belongs to its list
    const other = await create(alice.token, order({ items: ['j1', 'j2', 'j3'].map(item) }));
    expectPlatformError(
      await s.call('GET', `/v2/asset_lists/${other.id}/items?start=${first.body.next.start}`, {
        token: alice.token,
      }),
      400,
    );
  });
});

describe('GET /v2/asset_lists', () => {
  it('lists what the caller may see, filtered by a CEL query, sorted, a page at a time', async () => {
    const dave = await s.createUser('dave');
    const mine = [
      await create(dave.token, { name: 'alpha', type: 'order' }),
      await create(dave.token, { name: 'beta', type: 'cart' }),
      await create(dave.token, { name: 'gamma', type: 'order', state: 'submitted' }),
    ];
    await create(bob.token, { name: 'alpha', type: 'order' });
    const all = await list(dave.token);
    expect(all.status, all.text).toBe(200);
    expect(all.body).toMatchObject({ limit: 200, total_count: 3 });
    expect(all.body.asset_lists.map((l: any) => l.id)).toEqual(mine.map((l) => l.id));
    expect(all.body.first.href).toContain('/v2/asset_lists');

    const orders = await list(dave.token, 'type == "order" && state != "submitted"');
    expect(orders.body.asset_lists.map((l: any) => l.name)).toEqual(['alpha']);
    const owner = await list(dave.token, `access_control.owner == "${dave.iam_id}" && name.startsWith("g")`);
    expect(owner.body.asset_lists.map((l: any) => l.name)).toEqual(['gamma']);
    const since = await list(dave.token, `created_at >= "${mine[0].created_at}" && archived == false`);
    expect(since.body.total_count).toBe(3);
    const sorted = await list(dave.token, undefined, '&sort=-name');
    expect(sorted.body.asset_lists.map((l: any) => l.name)).toEqual(['gamma', 'beta', 'alpha']);
    const twoKeys = await list(dave.token, undefined, '&sort=-last_updated_at&sort=name');
    expect(twoKeys.status, twoKeys.text).toBe(200);
    expect(twoKeys.body.asset_lists.map((l: any) => l.name)).toEqual(
      [...mine]
        .sort((x, y) =>
          x.last_updated_at === y.last_updated_at
            ? x.name < y.name
              ? -1
              : 1
            : x.last_updated_at > y.last_updated_at
              ? -1
              : 1,
        )
        .map((l) => l.name),
    );

    const page1 = await list(dave.token, 'true', '&limit=2');
    expect(page1.body.asset_lists).toHaveLength(2);
    expect(page1.body.next.start).toBeTruthy();
    const page2 = await list(dave.token, 'true', `&limit=2&start=${page1.body.next.start}`);
    expect(page2.body.asset_lists.map((l: any) => l.id)).toEqual([mine[2].id]);
    // a start token belongs to its query
    expectPlatformError(await list(dave.token, 'false', `&start=${page1.body.next.start}`), 400);

    // the approver sees the orders about the catalog; functional users see everything
    const about = await create(dave.token, order());
    expect((await list(carol.token, `id == "${about.id}"`)).body.total_count).toBe(1);
    expect((await list(bob.token, `id == "${about.id}"`)).body.total_count).toBe(0);
    expect((await list(s.adminToken, `access_control.owner == "${dave.iam_id}"`)).body.total_count).toBe(4);
  });

  it('answers a 400 that points at what is wrong in a query', async () => {
    const syntax = await list(alice.token, 'state == "x" && (');
    expectPlatformError(syntax, 400);
    expect(syntax.body.errors[0].message).toMatch(/column \d+/);
    expect(syntax.body.errors[0].parameters[0]).toBe('query');
    const seedExample = await list(
      alice.token,
      'created_at>="2023-08-23T21:10:40Z"&&limit=10&&archived="false"',
    );
    expectPlatformError(seedExample, 400);
    expect(seedExample.body.errors[0].message).toContain('==');
    const unknown = await list(alice.token, 'type == "order" && colour == "red"');
    expectPlatformError(unknown, 400);
    expect(unknown.body.errors[0].message).toContain("unknown field 'colour' at column 20");
    expectPlatformError(await list(alice.token, 'name'), 400); // not a condition
    expectPlatformError(await list(alice.token, 'state > 3'), 400); // no such overload
    expectPlatformError(await list(alice.token, 'id in [1]'), 400); // outside the documented characters
    expectPlatformError(await list(alice.token, ''), 400);
    expectPlatformError(await list(alice.token, undefined, '&sort=owner'), 400);
    expectPlatformError(await list(alice.token, undefined, '&limit=201'), 400);
  });

  it('gives a 400 or an answer to any query, never a 5xx (property)', async () => {
    const chars = 'abcdefghijklmnopqrstuvwxyz_ID0123456789.,:$%&=|()" <>!-^'.split('');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 60 }), async (cs) => {
        const res = await list(alice.token, cs.join(''));
        expect([200, 400], res.text).toContain(res.status);
        if (res.status === 400) expectPlatformError(res, 400);
      }),
      { numRuns: 150 },
    );
  });

  it('selects exactly the lists a JavaScript reading of the same condition selects (property)', async () => {
    const erin = await s.createUser('erin');
    const made: any[] = [];
    for (const [name, type, state] of [
      ['one', 'order', 'default_state'],
      ['two', 'cart', 'submitted'],
      ['three', 'order', 'confirmed'],
      ['four', 'cart', 'default_state'],
    ])
      made.push(await create(erin.token, { name, type, state }));
    type L = { name: string; type: string; state: string; archived: boolean };
    const atom = fc.oneof(
      fc.constantFrom('order', 'cart').map((v) => ({ cel: `type == "${v}"`, js: (l: L) => l.type === v })),
      fc
        .constantFrom('default_state', 'submitted', 'x')
        .map((v) => ({ cel: `state != "${v}"`, js: (l: L) => l.state !== v })),
      fc
        .constantFrom('o', 't', 'f')
        .map((v) => ({ cel: `name.startsWith("${v}")`, js: (l: L) => l.name.startsWith(v) })),
      fc.boolean().map((v) => ({ cel: `archived == ${v}`, js: (l: L) => l.archived === v })),
    );
    const cond = fc.letrec<{ c: { cel: string; js: (l: L) => boolean } }>((tie) => ({
      c: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        fc
          .tuple(tie('c'), tie('c'))
          .map(([a, b]) => ({ cel: `(${a.cel} && ${b.cel})`, js: (l: L) => a.js(l) && b.js(l) })),
        fc
          .tuple(tie('c'), tie('c'))
          .map(([a, b]) => ({ cel: `(${a.cel} || ${b.cel})`, js: (l: L) => a.js(l) || b.js(l) })),
        tie('c').map((a) => ({ cel: `!(${a.cel})`, js: (l: L) => !a.js(l) })),
      ),
    })).c;
    await fc.assert(
      fc.asyncProperty(cond, async ({ cel, js }) => {
        const res = await list(erin.token, cel);
        expect(res.status, `${cel}: ${res.text}`).toBe(200);
        expect(
          res.body.asset_lists.map((l: any) => l.name),
          cel,
        ).toEqual(made.filter(js).map((l) => l.name));
      }),
      { numRuns: 60 },
    );
  });
});

describe('PATCH /v2/asset_lists/{id}', () => {
  it('lets each role patch the fields the seed gives it, and no other', async () => {
    const made = await create(alice.token, order());
    const ok = async (token: string, ops: unknown[]) => {
      const res = await patch(token, made.id, ops);
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    const renamed = await ok(alice.token, [
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'replace', path: '/description', value: 'new words' },
    ]);
    expect(renamed).toMatchObject({
      name: 'renamed',
      description: 'new words',
      last_updated_by: alice.iam_id,
    });
    expectPlatformError(
      await patch(alice.token, made.id, [{ op: 'replace', path: '/state', value: 'confirmed' }]),
      403,
    );
    expectPlatformError(
      await patch(alice.token, made.id, [{ op: 'add', path: '/properties/k', value: 1 }]),
      403,
    );
    expectPlatformError(
      await patch(carol.token, made.id, [{ op: 'replace', path: '/name', value: 'mine' }]),
      403,
    );
    expectPlatformError(
      await patch(bob.token, made.id, [{ op: 'replace', path: '/name', value: 'mine' }]),
      403,
    );

    const approved = await ok(carol.token, [
      { op: 'replace', path: '/state', value: 'confirmed' },
      { op: 'replace', path: '/message', value: 'approved' },
    ]);
    expect(approved).toMatchObject({
      state: 'confirmed',
      message: 'approved',
      last_updated_by: carol.iam_id,
    });
    const functional = await ok(s.adminToken, [{ op: 'add', path: '/properties/ticket', value: { id: 7 } }]);
    expect(functional.properties).toEqual({ ticket: { id: 7 } });
    expect((await ok(alice.token, [{ op: 'replace', path: '/archived', value: true }])).archived).toBe(true);
    expectPlatformError(
      await patch(carol.token, made.id, [{ op: 'replace', path: '/archived', value: false }]),
      403,
    );
    const got = await s.call('GET', `/v2/asset_lists/${made.id}`, { token: alice.token });
    expect(got.body).toMatchObject({
      name: 'renamed',
      state: 'confirmed',
      archived: true,
      properties: { ticket: { id: 7 } },
    });
  });

  it('refuses other paths and bad values (400), failed tests (409), other media types (415)', async () => {
    const made = await create(alice.token, order());
    const other = await create(alice.token, order({ name: 'taken' }));
    for (const ops of [
      [{ op: 'replace', path: '/id', value: 'x' }],
      [{ op: 'replace', path: '/access_control/owner', value: bob.iam_id }],
      [{ op: 'replace', path: '/name/x', value: 'x' }],
      [{ op: 'replace', path: '/name', value: '' }],
      [{ op: 'replace', path: '/archived', value: 'yes' }],
      [{ op: 'remove', path: '/type' }],
      [{ op: 'move', from: '/created_at', path: '/name' }],
    ]) {
      expectPlatformError(await patch(alice.token, made.id, ops), 400);
    }
    expectPlatformError(await patch(alice.token, made.id, { op: 'replace' }), 400);
    expectPlatformError(
      await patch(alice.token, made.id, [
        { op: 'test', path: '/name', value: 'not the name' },
        { op: 'replace', path: '/name', value: 'x' },
      ]),
      409,
    );
    expectPlatformError(
      await patch(alice.token, made.id, [{ op: 'replace', path: '/name', value: other.name }]),
      409,
    );
    const plain = await s.call('PATCH', `/v2/asset_lists/${made.id}`, {
      token: alice.token,
      raw: 'name=x',
      contentType: 'text/plain',
    });
    expectPlatformError(plain, 415);
    const form = await s.call('PATCH', `/v2/asset_lists/${made.id}`, {
      token: alice.token,
      raw: 'name=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expectPlatformError(form, 415);
    expectPlatformError(await patch(alice.token, '00000000-0000-4000-8000-000000000000', []), 404);
    expect((await s.call('GET', `/v2/asset_lists/${made.id}`, { token: alice.token })).body).toEqual(made);
  });
});

describe('DELETE /v2/asset_lists/{id} and DELETE /v2/asset_lists', () => {
  it('deletes a list of its owner (204); one in process only once archived (409 before)', async () => {
    const made = await create(alice.token, order());
    expectPlatformError(await s.call('DELETE', `/v2/asset_lists/${made.id}`, { token: bob.token }), 403);
    expectPlatformError(await s.call('DELETE', `/v2/asset_lists/${made.id}`, { token: carol.token }), 403);
    await patch(carol.token, made.id, [{ op: 'replace', path: '/state', value: 'confirmed' }]);
    expectPlatformError(await s.call('DELETE', `/v2/asset_lists/${made.id}`, { token: alice.token }), 409);
    await patch(alice.token, made.id, [{ op: 'replace', path: '/archived', value: true }]);
    expect((await s.call('DELETE', `/v2/asset_lists/${made.id}`, { token: alice.token })).status).toBe(204);
    expectPlatformError(await s.call('DELETE', `/v2/asset_lists/${made.id}`, { token: alice.token }), 404);
    // functional users delete any list, in process or not
    const busy = await create(bob.token, { name: 'busy', type: 'order', state: 'submitted' });
    expect((await s.call('DELETE', `/v2/asset_lists/${busy.id}`, { token: s.adminToken })).status).toBe(204);
  });

  it('deletes the caller’s lists a query selects, all or none', async () => {
    const fay = await s.createUser('fay');
    const del = (token: string, query?: string) =>
      s.call('DELETE', `/v2/asset_lists${query === undefined ? '' : `?query=${encodeURIComponent(query)}`}`, {
        token,
      });
    const a = await create(fay.token, { name: 'a', type: 'cart' });
    const b = await create(fay.token, { name: 'b', type: 'cart' });
    const c = await create(fay.token, { name: 'c', type: 'order', state: 'submitted' });
    const bobs = await create(bob.token, { name: 'a', type: 'cart' });
    expectPlatformError(await del(fay.token), 400);
    expectPlatformError(await del(fay.token, 'type = "cart"'), 400);
    expectPlatformError(await del(fay.token, 'type == "none"'), 404);
    expectPlatformError(await del(fay.token, 'true'), 403); // c is in process: nothing goes
    expect((await list(fay.token)).body.total_count).toBe(3);
    expect((await del(fay.token, 'type == "cart"')).status).toBe(204);
    expect((await list(fay.token)).body.asset_lists.map((l: any) => l.id)).toEqual([c.id]);
    expect((await s.call('GET', `/v2/asset_lists/${bobs.id}`, { token: bob.token })).status).toBe(200);
    for (const gone of [a, b])
      expectPlatformError(await s.call('GET', `/v2/asset_lists/${gone.id}`, { token: fay.token }), 404);
    expectPlatformError(await del(fay.token, 'true'), 403);
  });
});
