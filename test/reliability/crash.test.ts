import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/server/src/platform/config.ts';
import { openStore } from '../../packages/server/src/store/db.ts';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../helpers/server.ts';
import { client, newKeys, newUser, serverEnv, sized, sleep, spawnServer, tokenOf } from './helpers.ts';

/**
 * Crash safety: a server under concurrent writes across the API areas is killed with SIGKILL at
 * random moments, again and again. After every restart the server starts cleanly, every write it
 * acknowledged (a 2xx answer) is there, whole, and nothing is half-written.
 */
const KILLS = sized('RELIABILITY_CRASHES', 20);
const WRITERS = 8;
const CE = '/codeengine/v2';
const VERSION = 'version=2025-01-10';

interface Acknowledged {
  projects: string[];
  members: { projectId: string; username: string; role: string }[];
  assets: { id: string; n: number; tags: string[] }[];
  secrets: { name: string; value: string }[];
}

let database: TestDatabase | undefined;
afterAll(async () => database?.drop());

/** Checks, over HTTP, that every acknowledged write is present and whole. */
async function verifyAcknowledged(
  url: string,
  token: string,
  acked: Acknowledged,
  assetProject: string,
  ceProject: string,
) {
  const call = client(url, token);
  const health = await fetch(url + '/health');
  expect(health.status).toBe(200);
  const projectIds = new Set([...acked.projects, ...acked.members.map((m) => m.projectId)]);
  for (const id of projectIds) {
    const res = await call('GET', `/v2/projects/${id}?include=fields,members`);
    expect(res.status, `project ${id}: ${res.text}`).toBe(200);
    const members = res.body.entity.members as { user_name: string; role: string }[];
    expect(
      members.some((m) => m.role === 'admin'),
      `project ${id} has an admin`,
    ).toBe(true);
    for (const m of acked.members.filter((x) => x.projectId === id)) {
      expect(members, `member ${m.username} of ${id}`).toContainEqual(
        expect.objectContaining({ user_name: m.username, role: m.role }),
      );
    }
  }
  for (const a of acked.assets) {
    const res = await call('GET', `/v2/assets/${a.id}?project_id=${assetProject}`);
    expect(res.status, `asset ${a.id}: ${res.text}`).toBe(200);
    expect(res.body.metadata.name).toBe(`crash asset ${a.n}`);
    expect(res.body.metadata.tags).toEqual(a.tags);
    expect(res.body.entity).toEqual({ n: a.n, payload: 'p'.repeat(2000) });
  }
  for (const secret of acked.secrets) {
    const res = await call('GET', `${CE}/projects/${ceProject}/secrets/${secret.name}?${VERSION}`);
    expect(res.status, `secret ${secret.name}: ${res.text}`).toBe(200);
    expect(res.body.data).toEqual({ value: secret.value });
  }
}

/** Checks, in the database itself, that no write was left half done. */
async function verifyIntegrity(db: TestDatabase) {
  const store = openStore({ ...loadConfig({}), ...db.config });
  try {
    const q = async (text: string) =>
      (await sql<{ n: number }>`${sql.raw(text)}`.execute(store.db)).rows.map((r) => Number(r.n))[0];
    // Every project keeps an admin (created in the same transaction as the project).
    expect(
      await q(`select count(*) as n from projects p where not exists
        (select 1 from project_members m where m.project_id = p.id and m.role = 'admin')`),
      'projects without an admin',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from project_members m where not exists
        (select 1 from projects p where p.id = m.project_id)`),
      'members of missing projects',
    ).toBe(0);
    // An asset's tag rows are written with the asset: each tagged asset has all of its rows.
    const assets = (
      await sql<{ asset_id: string; tags: string }>`select asset_id, tags from assets`.execute(store.db)
    ).rows;
    const tagRows = (
      await sql<{ asset_id: string; tag: string }>`select asset_id, tag from asset_tags`.execute(store.db)
    ).rows;
    const byAsset = new Map<string, string[]>();
    for (const r of tagRows) byAsset.set(r.asset_id, [...(byAsset.get(r.asset_id) ?? []), r.tag]);
    for (const a of assets) {
      const tags = (JSON.parse(a.tags) as string[]).map((t) => t.toLowerCase());
      expect((byAsset.get(a.asset_id) ?? []).sort(), `tag rows of asset ${a.asset_id}`).toEqual(
        [...new Set(tags)].sort(),
      );
    }
    expect(
      tagRows.filter((r) => !assets.some((a) => a.asset_id === r.asset_id)).length,
      'tag rows of missing assets',
    ).toBe(0);
  } finally {
    await store.close();
  }
}

describe(`crash safety (${TEST_DB})`, () => {
  it(`keeps every acknowledged write through ${KILLS} SIGKILLs under concurrent writes`, async () => {
    database = await createTestDatabase();
    const keys = newKeys();
    const env = serverEnv(database, keys);
    let server = await spawnServer(env);
    const adminToken = await tokenOf(server.url, keys.adminKey);
    const admin = client(server.url, adminToken);
    // Users to add as members, a project for assets, a Code Engine project for secrets.
    const users: Awaited<ReturnType<typeof newUser>>[] = [];
    for (let i = 0; i < 12; i++) users.push(await newUser(server.url, adminToken, 'crash'));
    const created = await admin('POST', '/transactional/v2/projects', {
      name: 'crash assets',
      generator: 'reliability',
      storage: { type: 'assetfiles' },
    });
    expect(created.status, created.text).toBe(201);
    const assetProject = created.body.location.split('/').pop();
    const ce = await admin('POST', `${CE}/projects?${VERSION}`, { name: 'crash-ce' });
    expect(ce.status, ce.text).toBe(202);
    const ceProject = ce.body.id;
    await sleep(1000);

    const acked: Acknowledged = { projects: [assetProject], members: [], assets: [], secrets: [] };
    const freePairs: { projectId: string; username: string }[] = [];
    let n = 0;
    const counts = { interrupted: 0, acknowledged: 0 };

    for (let round = 0; round < KILLS; round++) {
      if (round > 0) server = await spawnServer(env);
      const token = await tokenOf(server.url, keys.adminKey);
      await verifyAcknowledged(server.url, token, acked, assetProject, ceProject);
      const call = client(server.url, token);
      let killed = false;
      const writer = async (w: number) => {
        while (!killed) {
          const i = n++;
          try {
            switch ((i + w) % 4) {
              case 0: {
                const res = await call('POST', '/transactional/v2/projects', {
                  name: `crash project ${i}`,
                  generator: 'reliability',
                  storage: { type: 'assetfiles' },
                });
                if (res.status !== 201) throw new Error(`create project: ${res.status} ${res.text}`);
                const id = res.body.location.split('/').pop();
                acked.projects.push(id);
                for (const u of users) freePairs.push({ projectId: id, username: u.username });
                break;
              }
              case 1: {
                const pair = freePairs.splice(Math.floor(Math.random() * freePairs.length), 1)[0];
                if (!pair) break;
                const user = users.find((u) => u.username === pair.username)!;
                const role = i % 2 ? 'editor' : 'viewer';
                const res = await call('POST', `/v2/projects/${pair.projectId}/members`, {
                  members: [{ user_name: user.username, id: user.iamId, role }],
                });
                if (res.status !== 200) throw new Error(`add member: ${res.status} ${res.text}`);
                acked.members.push({ ...pair, role });
                break;
              }
              case 2: {
                const tags = [`t${i % 7}`, 'crash'];
                const res = await call('POST', `/v2/assets?project_id=${assetProject}`, {
                  metadata: { name: `crash asset ${i}`, asset_type: 'data_asset', tags },
                  entity: { n: i, payload: 'p'.repeat(2000) },
                });
                if (res.status !== 201) throw new Error(`create asset: ${res.status} ${res.text}`);
                acked.assets.push({ id: res.body.metadata.asset_id, n: i, tags });
                break;
              }
              case 3: {
                const name = `s-${i}`;
                const value = crypto.randomBytes(12).toString('hex');
                const res = await call('POST', `${CE}/projects/${ceProject}/secrets?${VERSION}`, {
                  name,
                  format: 'generic',
                  data: { value },
                });
                if (res.status !== 201) throw new Error(`create secret: ${res.status} ${res.text}`);
                acked.secrets.push({ name, value });
                break;
              }
            }
            counts.acknowledged++;
          } catch (err) {
            // A request cut by the kill is not acknowledged; any other failure is a bug.
            if (!killed) throw err;
            counts.interrupted++;
          }
        }
      };
      const running = Array.from({ length: WRITERS }, (_, w) => writer(w));
      await sleep(300 + Math.random() * 1500);
      killed = true;
      await server.kill();
      await Promise.all(running);
    }

    server = await spawnServer(env);
    await verifyAcknowledged(
      server.url,
      await tokenOf(server.url, keys.adminKey),
      acked,
      assetProject,
      ceProject,
    );
    await server.stop();
    await verifyIntegrity(database);
    console.log(
      `crash (${TEST_DB}): ${KILLS} kills, ${counts.acknowledged} acknowledged writes all present ` +
        `(${acked.projects.length} projects, ${acked.members.length} members, ${acked.assets.length} assets, ` +
        `${acked.secrets.length} secrets), ${counts.interrupted} requests cut by a kill`,
    );
    expect(counts.acknowledged).toBeGreaterThan(KILLS);
  }, 1_800_000);
});
