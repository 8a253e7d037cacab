import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/server/src/platform/config.ts';
import { openStore } from '../../packages/server/src/store/db.ts';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../helpers/server.ts';
import {
  client,
  createProject,
  createScript,
  downloadExport,
  newKeys,
  newUser,
  postImport,
  serverEnv,
  sized,
  sleep,
  spawnServer,
  tokenOf,
  waitFor,
} from './helpers.ts';

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
  runs: string[];
  exports: string[];
  imports: { id: string; projectId: string }[];
}

/** Background work set up before the kills: a job to run, a small project to export, a zip to import. */
interface Background {
  jobId: string;
  jobProject: string;
  exportProject: string;
  exportedNames: string[];
  zip: Buffer;
}

const ENDED_RUN = ['Completed', 'Failed', 'Canceled'];
const ENDED_TRANSFER = ['completed', 'failed', 'cancelled'];

let database: TestDatabase | undefined;
afterAll(async () => database?.drop());

/** Checks, over HTTP, that every acknowledged write is present and whole. */
async function verifyAcknowledged(
  url: string,
  token: string,
  acked: Acknowledged,
  assetProject: string,
  ceProject: string,
  bg: Background,
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
  // Background work cut by a kill resumes on the restarted server or ends cleanly (a run whose
  // process died is Failed with a reason); nothing stays half-done.
  const ends = {
    runs: {} as Record<string, number>,
    exports: {} as Record<string, number>,
    imports: {} as Record<string, number>,
  };
  const tally = (of: Record<string, number>, state: string) => (of[state] = (of[state] ?? 0) + 1);
  for (const id of acked.runs) {
    const run = await waitFor(
      async () => {
        const res = await call('GET', `/v2/jobs/${bg.jobId}/runs/${id}?project_id=${bg.jobProject}`);
        expect(res.status, `run ${id}: ${res.text}`).toBe(200);
        const r = res.body.entity.job_run;
        return ENDED_RUN.includes(r.state) ? r : undefined;
      },
      120_000,
      `run ${id} to end`,
    );
    if (run.state !== 'Completed') expect(run.message, `run ${id}: ${JSON.stringify(run)}`).toMatch(/\S/);
    tally(ends.runs, run.state === 'Completed' ? run.state : `${run.state}: ${run.message}`);
  }
  for (const id of acked.exports) {
    const done = await settledTransfer(call, `/v2/asset_exports/${id}?project_id=${bg.exportProject}`);
    tally(ends.exports, done.entity.status.state);
    if (done.entity.status.state === 'completed') {
      const zip = await downloadExport(url, token, bg.exportProject, id);
      expect(zip.subarray(0, 2).toString('latin1'), `export ${id} is a zip`).toBe('PK');
      expect(done.entity.status.progress.assets, `export ${id}`).toBe(bg.exportedNames.length);
    } else expect(JSON.stringify(done.entity.status), `export ${id} failed with a reason`).toMatch(/\w{8}/);
  }
  for (const im of acked.imports) {
    const done = await settledTransfer(call, `/v2/asset_imports/${im.id}?project_id=${im.projectId}`);
    tally(ends.imports, done.entity.status.state);
    if (done.entity.status.state !== 'completed') continue;
    // A completed import holds every asset of the archive, once.
    const found = await call('POST', `/v2/asset_types/data_asset/search?project_id=${im.projectId}`, {
      query: '*:*',
      limit: 200,
    });
    expect(found.status, found.text).toBe(200);
    expect(found.body.results.map((r: any) => r.metadata.name).sort(), `import ${im.id}`).toEqual(
      [...bg.exportedNames].sort(),
    );
  }
  return ends;
}

async function settledTransfer(call: ReturnType<typeof client>, url: string) {
  return waitFor(
    async () => {
      const res = await call('GET', url);
      expect(res.status, `${url}: ${res.text}`).toBe(200);
      return ENDED_TRANSFER.includes(res.body.entity.status.state) ? res.body : undefined;
    },
    120_000,
    url,
  );
}

/** A job of a one-line script, a 3-asset project, and an export of it to import again and again. */
async function setUpBackground(url: string, token: string): Promise<Background> {
  const call = client(url, token);
  const jobProject = await createProject(url, token, 'crash jobs');
  const script = await createScript(url, token, jobProject, 'print("crash run")');
  const job = await call('POST', `/v2/jobs?project_id=${jobProject}`, {
    job: { name: 'c', asset_ref: script },
  });
  expect(job.status, job.text).toBe(201);
  const exportProject = await createProject(url, token, 'crash exports');
  const exportedNames = ['one', 'two', 'three'].map((n) => `exported ${n}`);
  for (const name of exportedNames) {
    const a = await call('POST', `/v2/assets?project_id=${exportProject}`, {
      metadata: { name, asset_type: 'data_asset' },
      entity: { name },
    });
    expect(a.status, a.text).toBe(201);
  }
  const started = await call('POST', `/v2/asset_exports?project_id=${exportProject}`, {
    assets: { all_assets: true },
  });
  expect(started.status, started.text).toBe(200);
  await settledTransfer(call, `/v2/asset_exports/${started.body.metadata.id}?project_id=${exportProject}`);
  const zip = await downloadExport(url, token, exportProject, started.body.metadata.id);
  return { jobId: job.body.asset_id, jobProject, exportProject, exportedNames, zip };
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
    // Every run belongs to a job that exists; no run or transfer is left running with nobody on it.
    expect(
      await q(`select count(*) as n from job_runs r where not exists
        (select 1 from job_definitions d where d.job_id = r.job_id)`),
      'runs of missing jobs',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from job_runs where state not in ('Completed', 'Failed', 'Canceled')`),
      'runs not ended after the last stop',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from asset_transfers where state in ('pending', 'in_progress')`),
      'exports and imports not ended after the last stop',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from asset_transfers where kind = 'export' and state = 'completed'
        and archive_blob_id is null`),
      'completed exports without their zip',
    ).toBe(0);
  } finally {
    await store.close();
  }
}

describe(`crash safety (${TEST_DB})`, () => {
  it(`keeps every acknowledged write through ${KILLS} SIGKILLs under concurrent writes`, async () => {
    database = await createTestDatabase();
    const keys = newKeys();
    // Short leases: on PostgreSQL a killed server's runs and transfers are taken over once they expire.
    const env = {
      ...serverEnv(database, keys),
      JOB_RUN_LEASE_SECONDS: '8',
      ASSET_TRANSFER_LEASE_SECONDS: '8',
    };
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
    const bg = await setUpBackground(server.url, adminToken);
    await sleep(1000);

    const acked: Acknowledged = {
      projects: [assetProject],
      members: [],
      assets: [],
      secrets: [],
      runs: [],
      exports: [],
      imports: [],
    };
    const freePairs: { projectId: string; username: string }[] = [];
    let n = 0;
    const counts = { interrupted: 0, acknowledged: 0 };

    for (let round = 0; round < KILLS; round++) {
      if (round > 0) server = await spawnServer(env);
      const token = await tokenOf(server.url, keys.adminKey);
      await verifyAcknowledged(server.url, token, acked, assetProject, ceProject, bg);
      const call = client(server.url, token);
      let killed = false;
      const writer = async (w: number) => {
        while (!killed) {
          const i = n++;
          try {
            switch ((i + w) % 7) {
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
              case 4: {
                const res = await call('POST', `/v2/jobs/${bg.jobId}/runs?project_id=${bg.jobProject}`, {
                  job_run: {},
                });
                if (res.status !== 201) throw new Error(`start run: ${res.status} ${res.text}`);
                acked.runs.push(res.body.asset_id);
                break;
              }
              case 5: {
                const res = await call('POST', `/v2/asset_exports?project_id=${bg.exportProject}`, {
                  assets: { all_assets: true },
                });
                if (res.status !== 200) throw new Error(`export: ${res.status} ${res.text}`);
                acked.exports.push(res.body.metadata.id);
                break;
              }
              case 6: {
                // Into a project of its own, so that a completed import can be checked whole.
                const target = await createProject(server.url, token, `crash import ${i}`);
                acked.projects.push(target);
                const res = await postImport(server.url, token, target, bg.zip);
                if (res.status !== 200) throw new Error(`import: ${res.status} ${res.text}`);
                acked.imports.push({ id: res.body.metadata.id, projectId: target });
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
    const ends = await verifyAcknowledged(
      server.url,
      await tokenOf(server.url, keys.adminKey),
      acked,
      assetProject,
      ceProject,
      bg,
    );
    await server.stop();
    await verifyIntegrity(database);
    console.log(
      `crash (${TEST_DB}): ${KILLS} kills, ${counts.acknowledged} acknowledged writes all present ` +
        `(${acked.projects.length} projects, ${acked.members.length} members, ${acked.assets.length} assets, ` +
        `${acked.secrets.length} secrets, ${acked.runs.length} job runs, ${acked.exports.length} exports, ` +
        `${acked.imports.length} imports), ${counts.interrupted} requests cut by a kill; ended as ` +
        JSON.stringify(ends),
    );
    expect(counts.acknowledged).toBeGreaterThan(KILLS);
  }, 1_800_000);
});
