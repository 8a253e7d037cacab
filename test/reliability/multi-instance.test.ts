import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/server/src/platform/config.ts';
import { openStore } from '../../packages/server/src/store/db.ts';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../helpers/server.ts';
import {
  client,
  createProject,
  createScript,
  downloadExport,
  postImport,
  newKeys,
  newUser,
  serverEnv,
  sized,
  sleep,
  spawnServer,
  tokenOf,
  waitFor,
  type ChildServer,
} from './helpers.ts';

/**
 * Several instances on one database (PostgreSQL, as deployed; the same on one SQLite file shared by
 * two processes): requests alternate between two servers, concurrent writes lose no update, and a
 * revocation on one instance holds on the other within 2 s. Background work (job runs, schedule
 * slots, asset exports and imports) is claimed by exactly one of them.
 */
const WRITES = sized('MULTI_WRITES', 24);

let database: TestDatabase;
const servers: ChildServer[] = [];
let adminToken: string;
let projectId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // Scheduler ticks of 200 ms, so that both instances race for every slot.
  const env: Record<string, string> = { ...serverEnv(database, newKeys()), JOB_SCHEDULER_TICK_MS: '200' };
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

  it('starts every job run exactly once, whichever instance it was posted to', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-multi-runs-'));
    const out = path.join(dir, 'started.txt');
    try {
      // Each process the run workers start appends its run id: a run started twice shows twice.
      const code = `import os\nwith open(os.environ["OUT"], "a") as f:\n    f.write(os.environ["JOB_RUN_ID"] + "\\n")\n`;
      const script = await createScript(servers[0].url, adminToken, projectId, code);
      const job = await alternate(1)('POST', `/v2/jobs?project_id=${projectId}`, {
        job: { name: 'once', asset_ref: script, configuration: { env_variables: [`OUT=${out}`] } },
      });
      expect(job.status, job.text).toBe(201);
      const jobId = job.body.asset_id;
      const started = await Promise.all(
        Array.from({ length: WRITES }, (_, i) =>
          alternate(i)('POST', `/v2/jobs/${jobId}/runs?project_id=${projectId}`, { job_run: {} }),
        ),
      );
      for (const a of started) expect(a.status, a.text).toBe(201);
      const ids = started.map((a) => a.body.asset_id as string);
      for (const [i, id] of ids.entries()) {
        const run = await waitFor(
          async () => {
            const r = await alternate(i + 1)('GET', `/v2/jobs/${jobId}/runs/${id}?project_id=${projectId}`);
            const state = r.body?.entity?.job_run?.state;
            return ['Completed', 'Failed', 'Canceled'].includes(state) ? r.body.entity.job_run : undefined;
          },
          180_000,
          `run ${id} to end`,
        );
        expect(run.state, JSON.stringify(run)).toBe('Completed');
      }
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
      expect(lines.sort()).toEqual([...ids].sort());
      console.log(`several instances (${TEST_DB}): ${ids.length} runs posted alternately, each started once`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('fires every slot of a schedule once, with both instances ticking', async () => {
    const script = await createScript(servers[1].url, adminToken, projectId, 'print("slot")');
    // A slot every 2 s, 4 slots: both schedulers see each one due within one tick of 200 ms.
    const startOn = Math.ceil((Date.now() + 4000) / 2000) * 2000;
    const endOn = startOn + 7000;
    const slots = [0, 2000, 4000, 6000].map((d) => new Date(startOn + d).toISOString());
    const job = await alternate(0)('POST', `/v2/jobs?project_id=${projectId}`, {
      job: {
        name: 'scheduled',
        asset_ref: script,
        schedule: '*/2 * * * * *',
        schedule_info: { startOn, endOn, repeat: true },
      },
    });
    expect(job.status, job.text).toBe(201);
    // The job shows its next three slots.
    expect(job.body.entity.job.future_scheduled_runs).toEqual(slots.slice(0, 3));
    const jobId = job.body.asset_id;
    await sleep(endOn - Date.now() + 1000);
    const runs = await waitFor(
      async () => {
        const list = await alternate(1)('GET', `/v2/jobs/${jobId}/runs?project_id=${projectId}`);
        const all = (list.body?.results ?? []).map((r: any) => r.entity.job_run);
        const ended = all.every((r: any) => ['Completed', 'Failed', 'Canceled'].includes(r.state));
        return all.length >= slots.length && ended ? all : undefined;
      },
      180_000,
      'the scheduled runs to end',
    );
    const fired = await inDatabase((db) =>
      sql<{ slot_at: string; run_id: string }>`select slot_at, run_id from job_schedule_slots
          where job_id = ${jobId} order by slot_at`.execute(db),
    );
    expect(fired.rows.map((r) => new Date(r.slot_at).toISOString())).toEqual(slots);
    expect(runs).toHaveLength(slots.length);
    expect(runs.every((r: any) => r.isScheduledRun && r.state === 'Completed')).toBe(true);
    expect(new Set(fired.rows.map((r) => r.run_id)).size).toBe(slots.length);
  }, 600_000);

  it('does every asset export and import exactly once, whichever instance took it', async () => {
    const source = await createProject(servers[0].url, adminToken, 'export source');
    const ASSETS = 6;
    for (let i = 0; i < ASSETS; i++) {
      const a = await alternate(i)('POST', `/v2/assets?project_id=${source}`, {
        metadata: { name: `exported ${i}`, asset_type: 'data_asset', tags: ['multi'] },
        entity: { n: i },
      });
      expect(a.status, a.text).toBe(201);
    }
    const count = Math.max(4, Math.floor(WRITES / 3));
    const exports = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        alternate(i)('POST', `/v2/asset_exports?project_id=${source}`, {
          name: `multi ${i}`,
          assets: { all_assets: true },
        }),
      ),
    );
    for (const e of exports) expect(e.status, e.text).toBe(200);
    const exportIds = exports.map((e) => e.body.metadata.id as string);
    const zips: Buffer[] = [];
    for (const [i, id] of exportIds.entries()) {
      const done = await settled(i + 1, `/v2/asset_exports/${id}?project_id=${source}`);
      expect(done.entity.status.state, JSON.stringify(done)).toBe('completed');
      zips.push(await downloadExport(servers[i % 2].url, adminToken, source, id));
    }
    const targets: string[] = [];
    for (let i = 0; i < count; i++)
      targets.push(await createProject(servers[i % 2].url, adminToken, `t${i}`));
    const imports = await Promise.all(
      zips.map((zip, i) => postImport(servers[i % 2].url, adminToken, targets[i], zip)),
    );
    for (const im of imports) expect(im.status, im.text).toBe(200);
    const importIds = imports.map((im) => im.body.metadata.id as string);
    for (const [i, id] of importIds.entries()) {
      const done = await settled(i + 1, `/v2/asset_imports/${id}?project_id=${targets[i]}`);
      expect(done.entity.status.state, JSON.stringify(done)).toBe('completed');
      // An import done twice would have created every asset twice.
      const search = await alternate(i)(
        'POST',
        `/v2/asset_types/data_asset/search?project_id=${targets[i]}`,
        {
          query: '*:*',
          limit: 200,
        },
      );
      expect(search.status, search.text).toBe(200);
      expect(search.body.results.map((r: any) => r.metadata.name).sort()).toEqual(
        Array.from({ length: ASSETS }, (_, n) => `exported ${n}`).sort(),
      );
    }
    // Each transfer's work was started once (a second claim would count a second attempt).
    const rows = await inDatabase((db) =>
      sql<{ id: string; attempts: number; lease_owner: string }>`select id, attempts, lease_owner
          from asset_transfers`.execute(db),
    );
    const mine = rows.rows.filter((r) => [...exportIds, ...importIds].includes(r.id));
    expect(mine).toHaveLength(exportIds.length + importIds.length);
    expect(mine.map((r) => Number(r.attempts))).toEqual(mine.map(() => 1));
    console.log(
      `several instances (${TEST_DB}): ${exportIds.length} exports and ${importIds.length} imports, each done once`,
    );
  }, 600_000);
});

/** Polls an export or import from alternating instances until it leaves pending/in_progress. */
async function settled(i: number, url: string) {
  let n = i;
  return waitFor(
    async () => {
      const r = await alternate(n++)('GET', url);
      if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.text}`);
      return ['pending', 'in_progress'].includes(r.body.entity.status.state) ? undefined : r.body;
    },
    180_000,
    url,
  );
}

/** Runs a query on the shared database directly (what the API does not show: owners, attempts, slots). */
async function inDatabase<T>(q: (db: ReturnType<typeof openStore>['db']) => Promise<T>): Promise<T> {
  const store = openStore({ ...loadConfig({}), ...database.config });
  try {
    return await q(store.db);
  } finally {
    await store.close();
  }
}
