import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { projectListQueries } from '../../packages/server/src/areas/projects/repository.ts';
import { addMembers, newProject } from './projects-fixtures.ts';

let s: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
/** Alice's projects, in creation order. */
const ids: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer();
  [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((p) => s.createUser(p)));
  ids.alpha = await newProject(s, alice.token, {
    name: 'Sentiment Analysis',
    type: 'cpd',
    tags: ['dev', 'test'],
  });
  ids.beta = await newProject(s, alice.token, { name: 'Churn model', type: 'wx', tags: ['prod'] });
  ids.gamma = await newProject(s, alice.token, {
    name: 'Sentiment scoring',
    type: 'wx',
    scope: { bss_account_id: 'abc123' },
  });
  ids.delta = await newProject(s, alice.token, { name: 'Delta', type: 'dpx', tags: ['dev'] });
  await addMembers(s, alice.token, ids.beta, [{ user: bob, role: 'editor' }]);
  await addMembers(s, alice.token, ids.delta, [{ user: bob, role: 'viewer' }]);
  // Bob's own project, which Alice does not see.
  ids.bobs = await newProject(s, bob.token, { name: 'Bob project' });
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

const guids = (body: any) => body.resources.map((r: any) => r.metadata.guid);
const list = async (query: string, token = alice.token) => {
  const res = await s.call('GET', `/v2/projects${query}`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body;
};

describe('GET /v2/projects', () => {
  it("lists the caller's projects, oldest first, with the fields section by default", async () => {
    const body = await list('');
    expect(body.total_results).toBe(4);
    expect(body.bookmark).toBeUndefined();
    expect(guids(body)).toEqual([ids.alpha, ids.beta, ids.gamma, ids.delta]);
    const first = body.resources[0];
    expect(first.metadata).toEqual({
      guid: ids.alpha,
      url: `/v2/projects/${ids.alpha}`,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(first.entity).toMatchObject({
      name: 'Sentiment Analysis',
      description: '',
      type: 'cpd',
      generator: 'core-tests',
      public: false,
      creator: alice.username,
      storage: { type: 'assetfiles' },
      scope: { bss_account_id: '999', enforce_members: true },
    });
    expect(first.entity.members).toBeUndefined();
    expect(first.entity.tags).toBeUndefined();
    expect(guids(await list('', bob.token))).toEqual([ids.beta, ids.delta, ids.bobs]);
    expect(await list('', carol.token)).toEqual({ total_results: 0, resources: [] });
  });

  it('filters by bss_account_id, type, tag_names (any of) and name with match', async () => {
    expect(guids(await list('?bss_account_id=abc123'))).toEqual([ids.gamma]);
    expect(guids(await list('?type=wx'))).toEqual([ids.beta, ids.gamma]);
    expect(guids(await list('?type=wx&bss_account_id=999'))).toEqual([ids.beta]);
    expect(guids(await list('?tag_names=dev'))).toEqual([ids.alpha, ids.delta]);
    expect(guids(await list('?tag_names=test,prod'))).toEqual([ids.alpha, ids.beta]);
    expect(guids(await list('?tag_names=none'))).toEqual([]);
    expect(guids(await list('?bss_account_id=999&name=Sentiment%20Analysis'))).toEqual([ids.alpha]);
    expect(guids(await list('?bss_account_id=999&name=sentiment%20analysis&match=exact'))).toEqual([]);
    expect(guids(await list('?bss_account_id=999&name=sentiment&match=keyword'))).toEqual([ids.alpha]);
    expect(guids(await list('?bss_account_id=abc123&name=SENTIMENT&match=keyword'))).toEqual([ids.gamma]);
    expect(guids(await list('?bss_account_id=999&name=churn%20delta&match=keyword'))).toEqual([
      ids.beta,
      ids.delta,
    ]);
    expect(guids(await list('?bss_account_id=999&name=%25&match=keyword'))).toEqual([]);
  });

  it('filters by member, roles and guids', async () => {
    const bobName = encodeURIComponent(bob.username);
    expect(guids(await list(`?member=${bobName}`))).toEqual([ids.beta, ids.delta]);
    expect(guids(await list(`?member=${bobName}&roles=viewer`))).toEqual([ids.delta]);
    expect(guids(await list(`?member=${bobName}&roles=admin`))).toEqual([]);
    expect(
      guids(await list(`?member=${encodeURIComponent(alice.username)}&roles=admin,editor`)),
    ).toHaveLength(4);
    expect(guids(await list(`?member=${bobName}&guids=${ids.delta},${ids.alpha}`))).toEqual([ids.delta]);
  });

  it('shapes resources per include section', async () => {
    const named = await list(`?include=name&tag_names=prod`);
    expect(named.resources[0].entity).toEqual({ name: 'Churn model' });
    const nothing = await list(`?include=nothing&tag_names=prod`);
    expect(nothing.resources[0]).toEqual({ metadata: expect.objectContaining({ guid: ids.beta }) });
    const mt = await list(`?include=members,tags&tag_names=prod`);
    expect(mt.resources[0].entity).toEqual({
      members: [
        { user_name: alice.username, id: alice.iam_id, role: 'admin', state: 'ACTIVE', type: 'user' },
        { user_name: bob.username, id: bob.iam_id, role: 'editor', state: 'ACTIVE', type: 'user' },
      ],
      tags: ['prod'],
    });
    const settings = await list(`?include=settings&tag_names=prod`);
    expect(settings.resources[0].entity).toEqual(DEFAULT_SETTINGS);
    const all = await list(`?include=everything&tag_names=prod`);
    expect(Object.keys(all.resources[0].entity)).toEqual(
      expect.arrayContaining(['name', 'description', 'storage', 'scope', 'members', 'tags', 'settings']),
    );
    // The list never exposes storage credentials.
    expect(all.resources[0].entity.storage.properties.credentials).toBeUndefined();
  });

  it('pages with limit and an opaque bookmark, and with the deprecated skip', async () => {
    const first = await list('?limit=3');
    expect(first.total_results).toBe(4);
    expect(guids(first)).toEqual([ids.alpha, ids.beta, ids.gamma]);
    expect(first.bookmark).toMatch(/^[0-9A-Za-z_-]+$/);
    const second = await list(`?limit=3&bookmark=${first.bookmark}`);
    expect(guids(second)).toEqual([ids.delta]);
    expect(second.total_results).toBe(4);
    expect(second.bookmark).toBeUndefined();
    expect(guids(await list('?limit=2&skip=1'))).toEqual([ids.beta, ids.gamma]);
    expect(guids(await list('?skip=3'))).toEqual([ids.delta]);
    // A page past the end still says how many match.
    expect(await list('?skip=10')).toEqual({ total_results: 4, resources: [] });
    const none = await list('?limit=0');
    expect(none).toEqual({ total_results: 4, resources: [] });
  });

  it('answers 400 for invalid or unpaired parameters, 401 without auth', async () => {
    const bad = [
      '?name=x',
      '?roles=admin',
      `?guids=${ids.alpha}`,
      '?limit=101',
      '?limit=-1',
      '?type=nope',
      '?include=credentials',
      '?bss_account_id=NOPE',
      '?bookmark=not!valid',
      '?bookmark=AAAA',
      '?skip=-1',
      '?match=fuzzy',
    ];
    for (const q of bad) {
      const res = await s.call('GET', `/v2/projects${q}`, { token: alice.token });
      expect(res.status, q).toBe(400);
      expect(res.body).toMatchObject({ code: '400', error: 'Bad Request' });
    }
    expect((await s.call('GET', '/v2/projects', { token: null })).status).toBe(401);
  });
});

describe('GET /v2/projects/total', () => {
  it('counts the caller projects in the account (default 999) with the filters', async () => {
    const total = async (q: string, token = alice.token) => {
      const res = await s.call('GET', `/v2/projects/total${q}`, { token });
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    expect(await total('')).toEqual({ total: 3 });
    expect(await total('?bss_account_id=abc123')).toEqual({ total: 1 });
    expect(await total('?type=wx')).toEqual({ total: 1 });
    expect(await total('?tag_names=dev,prod')).toEqual({ total: 3 });
    expect(await total(`?member=${encodeURIComponent(bob.username)}`)).toEqual({ total: 2 });
    expect(await total('', carol.token)).toEqual({ total: 0 });
    expect((await s.call('GET', '/v2/projects/total?type=nope', { token: alice.token })).status).toBe(400);
    // The cap (10,000 through the API) stops the count early.
    const lists = projectListQueries(s.built.ctx.store);
    expect(await lists.count({ iamId: alice.iam_id }, 2)).toBe(2);
    expect(await lists.count({ iamId: alice.iam_id }, 100)).toBe(4);
    expect((await s.call('GET', '/v2/projects/total', { token: null })).status).toBe(401);
  });
});

describe('the total of an unfiltered list (a kept count of memberships)', () => {
  /** The kept counts against a count of the membership rows, for every user. */
  async function expectCountsKept() {
    const db = s.built.ctx.store.db as any;
    const kept = await db.selectFrom('project_member_counts').select(['iam_id', 'n']).execute();
    const counted = await db
      .selectFrom('project_members')
      .select(['iam_id', (eb: any) => eb.fn.countAll().as('n')])
      .groupBy('iam_id')
      .execute();
    const key = (r: any) => `${r.iam_id} ${Number(r.n)}`;
    expect(kept.map(key).sort()).toEqual(counted.map(key).sort());
  }

  it('follows members added and removed and projects deleted', async () => {
    const dave = await s.createUser('dave');
    const total = async () => (await list('', dave.token)).total_results;
    expect(await total()).toBe(0);
    const own = await newProject(s, dave.token, { name: 'Dave one' });
    const second = await newProject(s, dave.token, { name: 'Dave two' });
    await addMembers(s, alice.token, ids.alpha, [{ user: dave, role: 'viewer' }]);
    expect(await total()).toBe(3);
    expect((await list('?limit=1', dave.token)).total_results).toBe(3);
    await expectCountsKept();
    const removed = await s.call(
      'DELETE',
      `/v2/projects/${ids.alpha}/members/${encodeURIComponent(dave.username)}`,
      {
        token: alice.token,
      },
    );
    expect(removed.status, removed.text).toBe(204);
    expect(await total()).toBe(2);
    const deleted = await s.call('DELETE', `/transactional/v2/projects/${second}`, { token: dave.token });
    expect(deleted.status, deleted.text).toBe(204);
    expect(await total()).toBe(1);
    expect(guids(await list('', dave.token))).toEqual([own]);
    await expectCountsKept();
  });
});
