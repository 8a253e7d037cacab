import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_DB, type TestServer } from '../helpers/server.ts';
import { preparedQuery, shapedQuery } from '../../packages/server/src/store/prepared.ts';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((p) => s.createUser(p)));
  expect([a, b, c].every((u) => u.id)).toBe(true);
});
afterAll(() => s?.close());

interface UserFilter {
  usernames?: string[];
  prefix?: string;
  limit: number;
}

describe('queries compiled once per shape', () => {
  it('answers each input as a query built for it would, whatever shape came first', async () => {
    const store = s.built.ctx.store;
    const db = store.db as any;
    const build = (f: UserFilter) => {
      let q = db.selectFrom('users').select('username').orderBy('username');
      if (f.usernames) q = q.where('username', 'in', f.usernames.length ? f.usernames : ['\u0001none']);
      if (f.prefix) q = q.where('username', 'like', f.prefix);
      return q.limit(f.limit);
    };
    const shaped = shapedQuery(store, build);
    const all = (
      (await db.selectFrom('users').select('username').orderBy('username').execute()) as any[]
    ).map((r) => r.username);
    const inputs: UserFilter[] = [
      { limit: 2 },
      { limit: 100 },
      { usernames: [all[0]], limit: 10 },
      { usernames: [all[1], all[2]], limit: 10 },
      { usernames: [all[2]], limit: 10 },
      { usernames: [], limit: 10 },
      { prefix: `${all[1].slice(0, 3)}%`, limit: 10 },
      { prefix: '', limit: 10 },
      // A value that looks like a placeholder is data like any other (PostgreSQL text holds no NUL).
      ...(TEST_DB === 'sqlite' ? [{ usernames: ['\u0000placeholder 0\u0000'], limit: 10 }] : []),
    ];
    for (const input of inputs) {
      const expected = ((await build(input).execute()) as any[]).map((r) => r.username);
      const got = ((await shaped(input)) as any[]).map((r) => r.username);
      expect(got).toEqual(expected);
    }
  });

  it('refuses a builder that does not bind a value it was given', () => {
    const store = s.built.ctx.store;
    const db = store.db as any;
    const inlining = shapedQuery(store, (f: { name: string }) =>
      db
        .selectFrom('users')
        .select('username')
        .where('username', '=', f.name === 'x' ? 'x' : 'y'),
    );
    expect(() => inlining({ name: 'x' })).toThrow(/not a bound parameter/);
    expect(() => preparedQuery(store, 1, (_id: string) => db.selectFrom('users').selectAll())).toThrow(
      /not a bound parameter/,
    );
  });
});
