import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../helpers/server.ts';
import {
  client,
  newKeys,
  newUser,
  serverEnv,
  sized,
  sleep,
  spawnServer,
  tokenOf,
  type ChildServer,
} from './helpers.ts';

/**
 * Several instances on one database (PostgreSQL, as deployed; the same on one SQLite file shared by
 * two processes): requests alternate between two servers, concurrent writes lose no update, and a
 * revocation on one instance holds on the other within 2 s.
 */
const WRITES = sized('MULTI_WRITES', 24);

let database: TestDatabase;
const servers: ChildServer[] = [];
let adminToken: string;
let projectId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = serverEnv(database, newKeys());
  servers.push(await spawnServer(env));
  servers.push(await spawnServer(env));
  adminToken = await tokenOf(servers[0].url, env.ADMIN_APIKEY);
  const created = await client(servers[0].url, adminToken)('POST', '/transactional/v2/projects', {
    name: 'two instances',
    generator: 'reliability',
    storage: { type: 'assetfiles' },
  });
  expect(created.status, created.text).toBe(201);
  projectId = created.body.location.split('/').pop();
}, 300_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await database?.drop();
});

/** The call of request `i`: even ones to the first server, odd ones to the second. */
const alternate = (i: number, token = adminToken) => client(servers[i % 2].url, token);

describe(`two instances on one database (${TEST_DB})`, () => {
  it('loses no member added concurrently through either instance', async () => {
    const users = [];
    for (let i = 0; i < WRITES; i++) users.push(await newUser(servers[i % 2].url, adminToken, 'multi'));
    const answers = await Promise.all(
      users.map((u, i) =>
        alternate(i)('POST', `/v2/projects/${projectId}/members`, {
          members: [{ user_name: u.username, id: u.iamId, role: i % 2 ? 'editor' : 'viewer' }],
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(users.map(() => 200));
    for (const s of servers) {
      const listed = await client(s.url, adminToken)('GET', `/v2/projects/${projectId}/members`);
      const names = listed.body.members.map((m: { user_name: string }) => m.user_name);
      expect(names).toEqual(expect.arrayContaining(users.map((u) => u.username)));
    }
  });

  it('loses no project tag added concurrently through either instance', async () => {
    const tags = Array.from({ length: WRITES }, (_, i) => `multi-${i}`);
    const answers = await Promise.all(
      tags.map((tag, i) =>
        i % 3 === 0
          ? alternate(i)('PATCH', `/v2/projects/${projectId}/tags`, [{ op: 'add', tags: [tag] }])
          : alternate(i)('POST', `/v2/projects/${projectId}/tags/${tag}`),
      ),
    );
    for (const a of answers) expect([200, 201, 204], a.text).toContain(a.status);
    for (const s of servers) {
      const project = await client(s.url, adminToken)('GET', `/v2/projects/${projectId}?include=fields,tags`);
      expect(project.body.entity.tags).toEqual(expect.arrayContaining(tags));
    }
  });

  it('loses no asset tag added concurrently by JSON Patch through either instance', async () => {
    const created = await alternate(0)('POST', `/v2/assets?project_id=${projectId}`, {
      metadata: { name: 'shared', asset_type: 'data_asset', tags: [] },
      entity: {},
    });
    expect(created.status, created.text).toBe(201);
    const assetId = created.body.metadata.asset_id;
    const tags = Array.from({ length: WRITES }, (_, i) => `patch-${i}`);
    const answers = await Promise.all(
      tags.map((tag, i) =>
        alternate(i)(
          'PATCH',
          `/v2/assets/${assetId}?project_id=${projectId}`,
          [{ op: 'add', path: '/metadata/tags/-', value: tag }],
          {
            'content-type': 'application/json-patch+json',
          },
        ),
      ),
    );
    for (const a of answers) expect(a.status, a.text).toBe(200);
    for (const s of servers) {
      const asset = await client(s.url, adminToken)('GET', `/v2/assets/${assetId}?project_id=${projectId}`);
      expect([...asset.body.metadata.tags].sort()).toEqual([...tags].sort());
    }
  });

  it('refuses a revoked API key at once on its instance and within 2 s on the other', async () => {
    const user = await newUser(servers[0].url, adminToken, 'revoked');
    // Both instances have checked (and cached) the token.
    for (const s of servers)
      expect((await client(s.url, user.token)('GET', '/v2/projects')).status).toBe(200);
    const keys = await client(servers[0].url, adminToken)('GET', '/admin/v1/users');
    const keyId = keys.body.resources.find((u: { username: string }) => u.username === user.username)
      ?.apikeys?.[0]?.id;
    const revoke = await client(servers[0].url, adminToken)(
      'DELETE',
      `/admin/v1/apikeys/${keyId ?? user.apikeyId}`,
    );
    expect(revoke.status, revoke.text).toBe(204);
    expect((await client(servers[0].url, user.token)('GET', '/v2/projects')).status).toBe(401);
    await sleep(2100);
    expect((await client(servers[1].url, user.token)('GET', '/v2/projects')).status).toBe(401);
  });

  // TODO (RELIABILITY.md): job runs started once, schedule slots fired once, asset exports and
  // imports done once across instances, once those areas are on main.
});
