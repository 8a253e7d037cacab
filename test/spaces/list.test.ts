import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { WML_CRN, addMember, createSpace, expectSpacesError, relative } from './helpers.ts';

let s: TestServer;
let owner: TestUser;
let other: TestUser;
let stranger: TestUser;

/** What the test knows about each space `owner` can see, to compute the expected lists. */
interface Known {
  id: string;
  name: string;
  type: string;
  tags: string[];
  crn?: string;
  /** other's role in the space, if a member. */
  otherRole?: 'admin' | 'editor' | 'viewer';
}
const known: Known[] = [];
let hidden: string[] = [];

const OTHER_CRN = 'crn:v1:cpd:private:pm-20:private:a/cpduser:88888888-8888-8888-8888-888888888888::';
const NAMES = ['Alpha', 'beta', 'Gamma ray', 'delta_1', 'alphabet', '50% off', 'Beta max'];
const TYPES = ['cpd', 'wx'];
const TAGS = ['red', 'green', 'blue'];
const ROLES = ['admin', 'editor', 'viewer'] as const;

beforeAll(async () => {
  s = await startTestServer();
  [owner, other, stranger] = await Promise.all(['owner', 'other', 'stranger'].map((p) => s.createUser(p)));
  for (let i = 0; i < 21; i++) {
    const k: Known = {
      id: '',
      name: NAMES[i % NAMES.length],
      type: TYPES[i % 2],
      tags: TAGS.filter((_, t) => (i >> t) & 1),
      crn: i % 3 === 0 ? WML_CRN : i % 3 === 1 ? OTHER_CRN : undefined,
      otherRole: i % 4 === 3 ? undefined : ROLES[i % 4],
    };
    k.id = await createSpace(s, owner.token, {
      name: k.name,
      type: k.type,
      tags: k.tags,
      ...(k.crn ? { compute: [{ name: 'wml', crn: k.crn }] } : {}),
    });
    if (k.otherRole) await addMember(s, owner.token, k.id, other, k.otherRole);
    known.push(k);
  }
  // The list is in id order; ids are time-ordered, but two made in the same millisecond may swap.
  known.sort((a, b) => (a.id < b.id ? -1 : 1));
  // Spaces owner is not a member of never show up in owner's lists.
  hidden = [
    await createSpace(s, stranger.token, { name: 'Alpha' }),
    await createSpace(s, other.token, { name: 'beta' }),
  ];
});
afterAll(async () => s?.close());

type Filter = Record<string, string>;

/** The ids `owner` should see with `filter`, in creation (id) order. */
function expected(filter: Filter): string[] {
  return known
    .filter((k) => {
      if (filter.type && k.type !== filter.type) return false;
      if (filter.name && k.name !== filter.name) return false;
      if (filter.sub_name && !k.name.toLowerCase().includes(filter.sub_name.toLowerCase())) return false;
      if (filter.tags && !filter.tags.split(',').some((t) => k.tags.includes(t))) return false;
      if (filter['compute.crn'] && k.crn !== filter['compute.crn']) return false;
      if (filter.member) {
        if (!k.otherRole) return false;
        if (filter.roles && !filter.roles.split(',').includes(k.otherRole)) return false;
      }
      return true;
    })
    .map((k) => k.id);
}

/** Every id across all pages, following `next.href`, checking each page on the way. */
async function walk(query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let res = await s.call('GET', `/v2/spaces?limit=${limit}${query ? `&${query}` : ''}`, {
    token: owner.token,
  });
  for (let pages = 0; ; pages++) {
    expect(res.status, res.text).toBe(200);
    expect(res.body.limit).toBe(limit);
    expect(res.body.first.href).not.toContain('start=');
    const page = res.body.resources.map((r: any) => r.metadata.id);
    expect(page.length).toBeLessThanOrEqual(limit);
    ids.push(...page);
    if (!res.body.next) break;
    expect(page.length).toBe(limit);
    expect(res.body.next.href).toMatch(/[?&]start=/);
    expect(pages).toBeLessThan(100);
    res = await s.call('GET', relative(res.body.next.href), { token: owner.token });
  }
  return ids;
}

describe('GET /v2/spaces', () => {
  it('lists only the caller’s spaces, oldest first, with the seed’s paging fields', async () => {
    const res = await s.call('GET', '/v2/spaces', { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.limit).toBe(100);
    expect(res.body.first.href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/spaces$/);
    expect(res.body.next).toBeUndefined();
    expect(res.body.total_count).toBeUndefined();
    expect(res.body.resources.map((r: any) => r.metadata.id)).toEqual(known.map((k) => k.id));
    const created = res.body.resources.map((r: any) => r.metadata.created_at);
    expect(created).toEqual([...created].sort());
    for (const id of hidden) expect(res.body.resources.map((r: any) => r.metadata.id)).not.toContain(id);
    const first = res.body.resources[0];
    expect(Object.keys(first).sort()).toEqual(['entity', 'metadata']);
    expect(first.entity.members).toBeUndefined();
    const strangers = await s.call('GET', '/v2/spaces?total_count=true', { token: stranger.token });
    expect(strangers.body.resources.map((r: any) => r.metadata.id)).toEqual([hidden[0]]);
    expect(strangers.body.total_count).toBe(1);
  });

  it('applies every documented filter', async () => {
    const cases: Filter[] = [
      { id: `${known[2].id},${known[5].id},${hidden[0]}` },
      { tags: 'red' },
      { tags: 'green,blue' },
      { name: 'Alpha' },
      { sub_name: 'ALPHA' },
      { sub_name: '%' },
      { sub_name: '_' },
      { 'compute.crn': WML_CRN },
      { type: 'wx' },
      { member: other.iam_id },
      { member: other.iam_id, roles: 'admin,viewer' },
      { type: 'wx', tags: 'red', sub_name: 'a' },
    ];
    for (const filter of cases) {
      const query = new URLSearchParams(filter).toString();
      const res = await s.call('GET', `/v2/spaces?${query}&total_count=true`, { token: owner.token });
      expect(res.status, query).toBe(200);
      const want = filter.id ? [known[2].id, known[5].id] : expected(filter);
      expect(
        res.body.resources.map((r: any) => r.metadata.id),
        query,
      ).toEqual(want);
      expect(res.body.total_count, query).toBe(want.length);
      expect(want.length, query).toBeLessThan(known.length);
      expect(want.length, query).toBeGreaterThan(0);
    }
  });

  it('includes members or nothing on request', async () => {
    const members = await s.call('GET', `/v2/spaces?include=members&id=${known[0].id}`, {
      token: owner.token,
    });
    expect(members.body.resources[0].entity.members).toEqual(
      expect.arrayContaining([
        { id: owner.iam_id, role: 'admin', state: 'active', type: 'user' },
        { id: other.iam_id, role: 'admin', state: 'active', type: 'user' },
      ]),
    );
    const nothing = await s.call('GET', `/v2/spaces?include=nothing&limit=2`, { token: owner.token });
    expect(nothing.body.resources).toEqual(
      known.slice(0, 2).map((k) => ({ metadata: { id: k.id, url: `/v2/spaces/${k.id}` } })),
    );
  });

  it('lets only accredited callers (platform admins) filter by bss_account_id, across the account', async () => {
    const refused = await s.call('GET', '/v2/spaces?bss_account_id=cpdaccount', { token: owner.token });
    expectSpacesError(refused, 403);
    const all = await s.call('GET', '/v2/spaces?bss_account_id=cpdaccount&total_count=true', {
      token: s.adminToken,
    });
    expect(all.status).toBe(200);
    expect(all.body.total_count).toBe(known.length + hidden.length);
    const other = await s.call('GET', '/v2/spaces?bss_account_id=elsewhere', { token: s.adminToken });
    expect(other.body.resources).toEqual([]);
  });

  it('refuses bad parameters with 400 and a missing token with 401', async () => {
    const bad = [
      'limit=0',
      'limit=201',
      'limit=ten',
      'start=not-a-token',
      'start=' + Buffer.from('{"l":"spaces"}').toString('base64url'),
      'roles=admin',
      `member=${other.iam_id}&roles=owner`,
      'include=everything',
      'total_count=maybe',
    ];
    for (const q of bad)
      expectSpacesError(await s.call('GET', `/v2/spaces?${q}`, { token: owner.token }), 400);
    // A start token of a member list is not a space list token.
    const memberPage = await s.call('GET', `/v2/spaces/${known[0].id}/members?limit=1`, {
      token: owner.token,
    });
    const start = new URL(memberPage.body.next.href).searchParams.get('start');
    expectSpacesError(await s.call('GET', `/v2/spaces?start=${start}`, { token: owner.token }), 400);
    expectSpacesError(await s.call('GET', '/v2/spaces', { token: null }), 401);
  });

  it('keeps the other query parameters in first and next links', async () => {
    const res = await s.call('GET', '/v2/spaces?limit=2&type=cpd&include=members', { token: owner.token });
    const next = new URL(res.body.next.href);
    expect(next.searchParams.get('type')).toBe('cpd');
    expect(next.searchParams.get('include')).toBe('members');
    expect(next.searchParams.get('limit')).toBe('2');
    expect(new URL(res.body.first.href).search).toBe('?limit=2&type=cpd&include=members');
  });

  it('pages through every matching space exactly once, for any limit and filter (property)', async () => {
    const filterArb = fc.oneof(
      fc.constant<Filter>({}),
      fc.constantFrom(...TYPES).map((type) => ({ type })),
      fc.subarray(TAGS, { minLength: 1 }).map((tags) => ({ tags: tags.join(',') })),
      fc.constantFrom('a', 'AL', 'bet', 'ray', '1', '%', 'z').map((sub_name) => ({ sub_name })),
      fc.constantFrom(WML_CRN, OTHER_CRN).map((crn) => ({ 'compute.crn': crn })),
      fc
        .subarray([...ROLES])
        .map((roles) => ({ member: other.iam_id, ...(roles.length ? { roles: roles.join(',') } : {}) })),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 25 }), filterArb, async (limit, filter) => {
        const ids = await walk(new URLSearchParams(filter).toString(), limit);
        expect(ids).toEqual(expected(filter));
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 40 },
    );
  });
});
