// Property: whatever the projects, members and tags, paging through GET /v2/projects with the
// bookmark returns exactly the filtered set of the caller's projects, each once, in creation order.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { idOf } from './projects-fixtures.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

type Role = 'admin' | 'editor' | 'viewer';
const ROLES: Role[] = ['admin', 'editor', 'viewer'];
const TYPES = ['cpd', 'wx', 'dpx'] as const;
const TAGS = ['t1', 't2', 't3', 't4'];
const WORDS = ['alpha', 'beta', 'gamma'];
const ACCOUNTS = ['999', 'abc'];

/** Usually absent, so that the filtered sets are large enough to span several pages. */
const sometimes = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });

/** Users 0..2 of a run; user 0 is the caller. */
const projectSpec = fc.record({
  creator: fc.constantFrom(0, 0, 1, 2),
  type: fc.constantFrom(...TYPES),
  account: fc.constantFrom(...ACCOUNTS),
  words: fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 2 }),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
  /** Role of each other user (index 0..2), or null for not a member. */
  roles: fc.array(fc.option(fc.constantFrom(...ROLES), { nil: null }), { minLength: 3, maxLength: 3 }),
});

const querySpec = fc.record({
  type: sometimes(fc.constantFrom(...TYPES)),
  account: sometimes(fc.constantFrom(...ACCOUNTS)),
  tags: sometimes(fc.uniqueArray(fc.constantFrom(...TAGS), { minLength: 1, maxLength: 2 })),
  member: sometimes(
    fc.record({
      user: fc.integer({ min: 0, max: 2 }),
      roles: sometimes(fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 })),
    }),
  ),
  name: sometimes(
    fc.record({
      match: fc.constantFrom('exact', 'keyword'),
      words: fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 2 }),
    }),
  ),
  limit: fc.integer({ min: 1, max: 4 }),
  include: fc.constantFrom('fields', 'name', 'nothing', 'members,tags'),
});

interface Made {
  id: string;
  name: string;
  type: string;
  account: string;
  tags: string[];
  members: Map<number, Role>;
}

describe('GET /v2/projects paging (property)', () => {
  it('returns exactly the filtered set once, in order, whatever the data and the page size', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(projectSpec, { minLength: 3, maxLength: 12 }),
        fc.array(querySpec, { minLength: 1, maxLength: 3 }),
        async (specs, queries) => {
          run += 1;
          const users: TestUser[] = [];
          for (let i = 0; i < 3; i++) users.push(await s.createUser(`p${run}u${i}`));
          const made: Made[] = [];
          for (const [n, spec] of specs.entries()) {
            const name = `${spec.words.join(' ')} ${run}x${n}`;
            const res = await s.call('POST', '/transactional/v2/projects', {
              token: users[spec.creator].token,
              body: {
                name,
                generator: 'property',
                type: spec.type,
                tags: spec.tags,
                scope: { bss_account_id: spec.account },
              },
            });
            expect(res.status, res.text).toBe(201);
            const id = idOf(res.body.location);
            const members = new Map<number, Role>([[spec.creator, 'admin']]);
            const additions = spec.roles
              .map((role, user) => ({ role, user }))
              .filter((m) => m.role && m.user !== spec.creator);
            if (additions.length) {
              const add = await s.call('POST', `/v2/projects/${id}/members`, {
                token: users[spec.creator].token,
                body: {
                  members: additions.map((m) => ({ user_name: users[m.user].username, role: m.role })),
                },
              });
              expect(add.status, add.text).toBe(200);
              for (const m of additions) members.set(m.user, m.role!);
            }
            made.push({ id, name, type: spec.type, account: spec.account, tags: spec.tags, members });
          }

          for (const q of queries) {
            const params = new URLSearchParams({ limit: String(q.limit), include: q.include });
            if (q.type) params.set('type', q.type);
            const account = q.account ?? (q.name ? '999' : undefined);
            if (account) params.set('bss_account_id', account);
            if (q.tags) params.set('tag_names', q.tags.join(','));
            if (q.member) {
              params.set('member', users[q.member.user].username);
              if (q.member.roles) params.set('roles', q.member.roles.join(','));
            }
            if (q.name) {
              params.set('name', q.name.words.join(' '));
              params.set('match', q.name.match);
            }
            const text = q.name?.words.join(' ');
            const expected = made
              .filter((p) => p.members.has(0))
              .filter((p) => !q.type || p.type === q.type)
              .filter((p) => !account || p.account === account)
              .filter((p) => !q.tags || q.tags.some((t) => p.tags.includes(t)))
              .filter((p) => {
                if (!q.member) return true;
                const role = p.members.get(q.member.user);
                return role !== undefined && (!q.member.roles || q.member.roles.includes(role));
              })
              .filter((p) => {
                if (!q.name) return true;
                if (q.name.match === 'exact') return p.name === text;
                return q.name.words.some((w) => p.name.split(' ').includes(w));
              })
              .map((p) => p.id);

            const seen: string[] = [];
            let bookmark: string | undefined;
            for (let page = 0; page < 20; page++) {
              const url = `/v2/projects?${params}${bookmark ? `&bookmark=${bookmark}` : ''}`;
              const res = await s.call('GET', url, { token: users[0].token });
              expect(res.status, res.text).toBe(200);
              expect(res.body.total_results).toBe(expected.length);
              expect(res.body.resources.length).toBeLessThanOrEqual(q.limit);
              seen.push(...res.body.resources.map((r: any) => r.metadata.guid));
              bookmark = res.body.bookmark;
              if (!bookmark) break;
              expect(res.body.resources).toHaveLength(q.limit);
            }
            if (seen.length > q.limit) console.log('multi', seen.length, q.limit);
            expect(seen).toEqual(expected);
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 240_000);
});
