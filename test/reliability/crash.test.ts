import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
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
  connections: Tracked<ConnectionVersion>[];
  schedules: Tracked<ScheduleVersion>[];
}

/**
 * A record written again and again (a connection, a job's schedule): the version last acknowledged,
 * and the one whose write was in flight when a kill came (either may be what the server kept, never
 * a mix). `ackedAt` is when the acknowledged version was known to be committed.
 */
interface Tracked<V> {
  id: string;
  name: string;
  acked: V;
  ackedAt: number;
  pending?: V;
  /** Taken by a writer: one write at a time per record. */
  busy: boolean;
  /** Every version ever sent, acknowledged or not (a schedule's slots must come from one of them). */
  sent: V[];
}

/** What a connection's writes change together: a plain property, a secret and the description. */
interface ConnectionVersion {
  description: string;
  database: string;
  password: string;
}

/** A job's schedule: none, one firing every 2 s in a short window, or a daily one starting in 2099. */
interface ScheduleVersion {
  kind: 'none' | 'fast' | 'slow';
  schedule?: string;
  schedule_info?: { startOn: number; endOn?: number; repeat: boolean };
}

/** Background work set up before the kills: a job to run, a small project to export, a zip to import. */
interface Background {
  jobId: string;
  scriptId: string;
  jobProject: string;
  exportProject: string;
  exportedNames: string[];
  zip: Buffer;
}

/** Schedules: every 2 s in a 4 s window (3 slots, so that some fire between kills), or daily from 2099. */
const FAST = '*/2 * * * * *';
const SLOW = '0 3 * * *';
const SLOW_START = Date.UTC(2099, 0, 1);
const SLOW_SLOTS = [0, 1, 2].map((d) => new Date(SLOW_START + d * 86_400_000 + 3 * 3_600_000).toISOString());
/** Every connection password starts so: found in clear anywhere in the database, it is a leak. */
const SECRET_MARK = 'crash-pw-';

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
  connProject: string,
  bg: Background,
  killedAt: number,
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
  // A connection holds the version last acknowledged, or the one in flight at the kill: whole,
  // its secret readable by a member (decrypt_secrets=true).
  for (const t of acked.connections) {
    const res = await call('GET', `/v2/connections/${t.id}?project_id=${connProject}&decrypt_secrets=true`);
    expect(res.status, `connection ${t.id}: ${res.text}`).toBe(200);
    const e = res.body.entity;
    expect(e.name).toBe(t.name);
    expect(Object.keys(e.properties).sort(), `properties of ${t.id}`).toEqual(
      ['database', 'host', 'password', 'port', 'username'].sort(),
    );
    expect(e.properties).toMatchObject({ host: '127.0.0.1', port: '5432', username: 'crash' });
    settle(
      t,
      { description: e.description, database: e.properties.database, password: e.properties.password },
      killedAt,
      `connection ${t.id}`,
    );
  }
  // A job keeps the schedule last acknowledged (or the one in flight), with what follows from it.
  for (const t of acked.schedules) {
    const res = await call('GET', `/v2/jobs/${t.id}?project_id=${bg.jobProject}`);
    expect(res.status, `job ${t.id}: ${res.text}`).toBe(200);
    const job = res.body.entity.job;
    const kept = settle(t, scheduleOf(job), killedAt, `schedule of job ${t.id}`);
    const what = `job ${t.id} (${JSON.stringify(kept)}): ${JSON.stringify(job)}`;
    if (kept.kind === 'none') {
      expect(job.schedule_id, what).toBe('');
      expect(job.schedule_creator_id, what).toBe('');
      expect(job.future_scheduled_runs, what).toEqual([]);
    } else {
      expect(job.schedule_id, what).toBe(t.id);
      expect(job.schedule_creator_id, what).toBe(res.body.metadata.owner_id);
    }
    if (kept.kind === 'slow') expect(job.future_scheduled_runs, what).toEqual(SLOW_SLOTS);
    if (kept.kind === 'fast')
      for (const slot of job.future_scheduled_runs as string[])
        expect(inWindow(kept, Date.parse(slot)), `${slot} of ${what}`).toBe(true);
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

/**
 * Checks that `observed` is the acknowledged version of a record or the one in flight at the kill
 * (then acknowledged from now on: it was committed before `killedAt`); answers the version kept.
 */
function settle<V>(t: Tracked<V>, observed: V, killedAt: number, what: string): V {
  if (t.pending !== undefined && isDeepStrictEqual(observed, t.pending)) {
    t.acked = t.pending;
    t.ackedAt = killedAt;
  } else {
    expect(
      observed,
      `${what}: the acknowledged version${t.pending ? ' (or the one in flight)' : ''}`,
    ).toEqual(t.acked);
  }
  t.pending = undefined;
  return t.acked;
}

/** The schedule of a job as the API shows it, as a version. */
function scheduleOf(job: { schedule?: string; schedule_info?: ScheduleVersion['schedule_info'] }) {
  // a schedule_info left without its schedule shows as a version of its own (never sent)
  if (!job.schedule)
    return (
      job.schedule_info === undefined ? { kind: 'none' } : { kind: 'none', schedule_info: job.schedule_info }
    ) as ScheduleVersion;
  const kind = job.schedule === FAST ? 'fast' : 'slow';
  return { kind, schedule: job.schedule, schedule_info: job.schedule_info } as ScheduleVersion;
}

/** A schedule version to send: `fast` fires 3 slots, 2 s apart, starting 1.5 to 3.5 s from now. */
function newSchedule(kind: ScheduleVersion['kind']): ScheduleVersion {
  if (kind === 'none') return { kind };
  if (kind === 'slow') return { kind, schedule: SLOW, schedule_info: { startOn: SLOW_START, repeat: true } };
  const startOn = Math.ceil((Date.now() + 1500) / 2000) * 2000;
  return { kind, schedule: FAST, schedule_info: { startOn, endOn: startOn + 4000, repeat: true } };
}

/** Whether `at` (epoch ms) is a slot of a fast schedule version. */
const inWindow = (v: ScheduleVersion, at: number) =>
  v.kind === 'fast' && at % 2000 === 0 && at >= v.schedule_info!.startOn && at <= v.schedule_info!.endOn!;

/** Changes (or removes) a job's schedule with a JSON Patch; the version is acknowledged on a 200. */
async function patchSchedule(
  call: ReturnType<typeof client>,
  jobProject: string,
  t: Tracked<ScheduleVersion>,
  v: ScheduleVersion,
) {
  t.busy = true;
  t.pending = v;
  t.sent.push(v);
  try {
    const ops =
      v.kind === 'none'
        ? [
            { op: 'remove', path: '/entity/job/schedule' },
            { op: 'remove', path: '/entity/job/schedule_info' },
          ]
        : [
            { op: 'add', path: '/entity/job/schedule', value: v.schedule },
            { op: 'add', path: '/entity/job/schedule_info', value: v.schedule_info },
          ];
    const res = await call('PATCH', `/v2/jobs/${t.id}?project_id=${jobProject}`, ops, {
      'content-type': 'application/json-patch+json',
    });
    if (res.status !== 200) throw new Error(`patch schedule: ${res.status} ${res.text}`);
    expect(scheduleOf(res.body.entity.job)).toEqual(v);
    Object.assign(t, { acked: v, ackedAt: Date.now(), pending: undefined });
  } finally {
    t.busy = false;
  }
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
  return { jobId: job.body.asset_id, scriptId: script, jobProject, exportProject, exportedNames, zip };
}

/** Runs a query on the test database directly, beside the server. */
async function inDatabase<T>(db: TestDatabase, q: (d: ReturnType<typeof openStore>['db']) => Promise<T>) {
  const store = openStore({ ...loadConfig({}), ...db.config });
  try {
    return await q(store.db);
  } finally {
    await store.close();
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
    // The per-type asset counts (kept by triggers) agree with the rows, whatever the kills cut.
    expect(
      await q(`select count(*) as n from (
        select container_kind, container_id, asset_type, count(*) as n from assets
          group by container_kind, container_id, asset_type) a
        full outer join asset_type_counts c using (container_kind, container_id, asset_type)
        where coalesce(a.n, 0) <> coalesce(c.n, 0)`),
      'asset type counts that disagree with the assets',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from (
        select iam_id, count(*) as n from project_members group by iam_id) m
        full outer join project_member_counts c using (iam_id)
        where coalesce(m.n, 0) <> coalesce(c.n, 0)`),
      'membership counts that disagree with the members',
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
    // A connection asset and its list index row are written in one transaction, and the counts
    // (kept by triggers) match the facet rows they count.
    expect(
      await q(`select count(*) as n from assets a where a.asset_type = 'connection' and not exists
        (select 1 from connection_index i where i.asset_id = a.asset_id and i.name = a.name)`),
      'connections without their (current) list index row',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from connection_index i where not exists
        (select 1 from assets a where a.asset_id = i.asset_id and a.asset_type = 'connection')`),
      'list index rows without their connection',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from connection_index i where not exists
        (select 1 from connection_facets f where f.asset_id = i.asset_id and f.facet = '')`),
      'list index rows without their facets',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from connection_counts c where c.n <> (select count(*) from connection_facets f
        where f.container_kind = c.container_kind and f.container_id = c.container_id
          and f.facet = c.facet and f.flags = c.flags)`),
      'connection counts that differ from their facet rows',
    ).toBe(0);
    expect(
      await q(`select count(*) as n from connection_facets f where not exists (select 1 from connection_counts c
        where f.container_kind = c.container_kind and f.container_id = c.container_id
          and f.facet = c.facet and f.flags = c.flags)`),
      'facet rows not counted',
    ).toBe(0);
    // No connection secret in clear: sealed in the entity, nowhere else.
    const connRows = (
      await sql<{ asset_id: string; entity: string }>`select asset_id, entity from assets
        where asset_type = 'connection'`.execute(store.db)
    ).rows;
    expect(connRows.length, 'connections in the database').toBeGreaterThan(0);
    for (const r of connRows) {
      const e = JSON.parse(r.entity);
      expect(e.properties?.password, `password of ${r.asset_id} in clear`).toBeUndefined();
      expect(e.secrets?.shared, `sealed secrets of ${r.asset_id}`).toMatch(/^v1\./);
    }
    for (const table of ['assets', 'connection_index', 'connection_facets', 'job_runs', 'job_run_logs']) {
      const rows = (await sql`select * from ${sql.table(table)}`.execute(store.db)).rows;
      expect(
        rows.filter((row) => JSON.stringify(row).includes(SECRET_MARK)).length,
        `rows of ${table} holding a connection password in clear`,
      ).toBe(0);
    }
    if (db.config.dataDir) {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
      for (const f of fs.readdirSync(db.config.dataDir).filter((n) => /\.(db|sqlite)/.test(n)))
        expect(
          fs.readFileSync(path.join(db.config.dataDir, f)).includes(SECRET_MARK),
          `${f} holds a connection password in clear`,
        ).toBe(false);
    }
    // A job's index row (what the scheduler fires from) is written with the job asset.
    const jobs = (
      await sql<{ asset_id: string; entity: string; schedule: string | null; next_run_at: string | null }>`
        select a.asset_id, a.entity, d.schedule, d.next_run_at from assets a
        left join job_definitions d on d.job_id = a.asset_id where a.asset_type = 'job'`.execute(store.db)
    ).rows;
    for (const j of jobs) {
      const schedule = JSON.parse(j.entity).job?.schedule ?? null;
      expect(j.schedule, `index row of job ${j.asset_id} (${JSON.stringify(j)})`).toBe(schedule);
      if (!schedule) expect(j.next_run_at, `next slot of unscheduled job ${j.asset_id}`).toBeNull();
    }
    // Each slot fired once, with its own run, queued in the same transaction; no scheduled run
    // without its slot.
    const slots = (
      await sql<{
        job_id: string;
        slot_at: string;
        run_id: string;
        run_job: string | null;
        scheduled: number | null;
      }>`
        select s.job_id, s.slot_at, s.run_id, r.job_id as run_job, r.is_scheduled as scheduled
        from job_schedule_slots s left join job_runs r on r.run_id = s.run_id`.execute(store.db)
    ).rows;
    const fired = slots.map((r) => `${r.job_id} ${new Date(r.slot_at).toISOString()}`);
    expect(fired.length - new Set(fired).size, 'slots fired twice').toBe(0);
    expect(slots.length - new Set(slots.map((r) => r.run_id)).size, 'runs of two slots').toBe(0);
    for (const r of slots) {
      expect(r.run_job, `the run of slot ${JSON.stringify(r)}`).toBe(r.job_id);
      expect(Number(r.scheduled), `the run of slot ${JSON.stringify(r)} is scheduled`).toBe(1);
    }
    expect(
      await q(`select count(*) as n from job_runs r where r.is_scheduled = 1 and not exists
        (select 1 from job_schedule_slots s where s.run_id = r.run_id)`),
      'scheduled runs without their slot',
    ).toBe(0);
    return slots;
  } finally {
    await store.close();
  }
}

/**
 * Checks the fired slots against the schedules written: each from a schedule the job was given,
 * none after an acknowledged change took it away, and every slot of an acknowledged schedule fired
 * when a server was up around it. Answers how many slots were checked so.
 */
function verifySlots(
  schedules: Tracked<ScheduleVersion>[],
  slots: { job_id: string; slot_at: string }[],
  uptime: { from: number; to: number }[],
) {
  const byJob = new Map<string, number[]>();
  for (const r of slots) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), Date.parse(r.slot_at)]);
  let due = 0;
  for (const t of schedules) {
    const fired = byJob.get(t.id) ?? [];
    for (const at of fired) {
      const what = `slot ${new Date(at).toISOString()} of job ${t.id} (acknowledged ${JSON.stringify(t.acked)} at ${new Date(t.ackedAt).toISOString()})`;
      expect(
        t.sent.some((v) => inWindow(v, at)),
        `${what}: from a schedule it was given`,
      ).toBe(true);
      if (at > t.ackedAt) expect(inWindow(t.acked, at), `${what}: from the schedule it has`).toBe(true);
    }
    if (t.acked.kind !== 'fast') continue;
    for (let at = t.acked.schedule_info!.startOn; at <= t.acked.schedule_info!.endOn!; at += 2000) {
      // Well after the acknowledgement, with a server up from before the slot to well after it
      // (5 s: on a loaded machine a tick's fire may wait behind long write transactions).
      if (at < t.ackedAt + 500 || !uptime.some((u) => u.from <= at - 500 && u.to >= at + 5000)) continue;
      due++;
      expect(fired, `slot ${new Date(at).toISOString()} of job ${t.id} fired`).toContain(at);
    }
  }
  return due;
}

describe(`crash safety (${TEST_DB})`, () => {
  it(`keeps every acknowledged write through ${KILLS} SIGKILLs under concurrent writes`, async () => {
    database = await createTestDatabase();
    const keys = newKeys();
    // Short leases: on PostgreSQL a killed server's runs and transfers are taken over once they expire.
    const env = {
      ...serverEnv(database, keys),
      // Scheduler ticks of 200 ms: a slot every 2 s fires within a tick.
      JOB_SCHEDULER_TICK_MS: '200',
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
    const connProject = await createProject(server.url, adminToken, 'crash connections');
    await sleep(1000);

    const acked: Acknowledged = {
      projects: [assetProject],
      members: [],
      assets: [],
      secrets: [],
      runs: [],
      exports: [],
      imports: [],
      connections: [],
      schedules: [],
    };
    acked.projects.push(connProject);
    // When each server was up (for the slots it had to fire) and when the last one was killed.
    const uptime: { from: number; to: number }[] = [{ from: Date.now(), to: Infinity }];
    let killedAt = 0;
    const freePairs: { projectId: string; username: string }[] = [];
    let n = 0;
    const counts = { interrupted: 0, acknowledged: 0 };

    for (let round = 0; round < KILLS; round++) {
      if (round > 0) {
        server = await spawnServer(env);
        uptime.push({ from: Date.now(), to: Infinity });
      }
      const token = await tokenOf(server.url, keys.adminKey);
      await verifyAcknowledged(server.url, token, acked, assetProject, ceProject, connProject, bg, killedAt);
      const call = client(server.url, token);
      let killed = false;
      const writer = async (w: number) => {
        while (!killed) {
          const i = n++;
          try {
            switch ((i + w) % 9) {
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
              case 7: {
                // A connection: created, or its plain property, secret and description changed at once.
                const version = (): ConnectionVersion => ({
                  description: `version ${i}`,
                  database: `db${i}`,
                  password: SECRET_MARK + crypto.randomBytes(8).toString('hex'),
                });
                const t =
                  i % 2 ? acked.connections.find((c) => !c.busy && c.pending === undefined) : undefined;
                if (!t) {
                  const v = version();
                  const name = `crash connection ${i}`;
                  const res = await call('POST', `/v2/connections?project_id=${connProject}&test=false`, {
                    datasource_type: 'postgresql',
                    name,
                    description: v.description,
                    properties: {
                      host: '127.0.0.1',
                      port: 5432,
                      username: 'crash',
                      database: v.database,
                      password: v.password,
                    },
                  });
                  if (res.status !== 201) throw new Error(`create connection: ${res.status} ${res.text}`);
                  acked.connections.push({
                    id: res.body.metadata.asset_id,
                    name,
                    acked: v,
                    ackedAt: Date.now(),
                    busy: false,
                    sent: [v],
                  });
                  break;
                }
                const v = version();
                t.busy = true;
                t.pending = v;
                t.sent.push(v);
                try {
                  const res = await call(
                    'PATCH',
                    `/v2/connections/${t.id}?project_id=${connProject}&test=false`,
                    [
                      { op: 'replace', path: '/description', value: v.description },
                      { op: 'replace', path: '/properties/database', value: v.database },
                      { op: 'replace', path: '/properties/password', value: v.password },
                    ],
                    { 'content-type': 'application/json-patch+json' },
                  );
                  if (res.status !== 200) throw new Error(`patch connection: ${res.status} ${res.text}`);
                  expect(res.body.properties).toMatchObject({ database: v.database, password: v.password });
                  Object.assign(t, { acked: v, ackedAt: Date.now(), pending: undefined });
                } finally {
                  t.busy = false;
                }
                break;
              }
              case 8: {
                // A job with a schedule, or its schedule changed or removed.
                const t = i % 2 ? acked.schedules.find((j) => !j.busy && j.pending === undefined) : undefined;
                if (!t) {
                  const v = newSchedule(i % 3 ? 'slow' : 'fast');
                  const name = `crash schedule ${i}`;
                  const res = await call('POST', `/v2/jobs?project_id=${bg.jobProject}`, {
                    job: {
                      name,
                      asset_ref: bg.scriptId,
                      schedule: v.schedule,
                      schedule_info: v.schedule_info,
                    },
                  });
                  if (res.status !== 201) throw new Error(`create scheduled job: ${res.status} ${res.text}`);
                  acked.schedules.push({
                    id: res.body.asset_id,
                    name,
                    acked: v,
                    ackedAt: Date.now(),
                    busy: false,
                    sent: [v],
                  });
                  break;
                }
                const kinds = (['fast', 'slow', 'none'] as const).filter(
                  (k) => k === 'fast' || k !== t.acked.kind,
                );
                await patchSchedule(call, bg.jobProject, t, newSchedule(kinds[i % kinds.length]));
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
      killedAt = Date.now();
      uptime[uptime.length - 1].to = killedAt;
      await Promise.all(running);
    }

    server = await spawnServer(env);
    uptime.push({ from: Date.now(), to: Infinity });
    const finalToken = await tokenOf(server.url, keys.adminKey);
    const ends = await verifyAcknowledged(
      server.url,
      finalToken,
      acked,
      assetProject,
      ceProject,
      connProject,
      bg,
      killedAt,
    );
    // Two schedules written now, with no kill to come, must fire every one of their slots; the last
    // windows pass and their runs end before the graceful stop.
    for (const t of acked.schedules.slice(-2))
      await patchSchedule(client(server.url, finalToken), bg.jobProject, t, newSchedule('fast'));
    const lastSlot = Math.max(
      0,
      ...acked.schedules.flatMap((t) => t.sent.map((v) => v.schedule_info?.endOn ?? 0)),
    );
    await sleep(Math.max(0, lastSlot + 5000 - Date.now()));
    await waitFor(
      () =>
        inDatabase(database!, async (db) =>
          Number(
            (
              await sql<{ n: number }>`select count(*) as n from job_runs
                where state not in ('Completed', 'Failed', 'Canceled')`.execute(db)
            ).rows[0].n,
          ) === 0
            ? true
            : undefined,
        ),
      120_000,
      'the scheduled runs to end',
    );
    await server.stop();
    uptime[uptime.length - 1].to = Date.now();
    const slots = await verifyIntegrity(database);
    const due = verifySlots(acked.schedules, slots, uptime);
    console.log(
      `crash (${TEST_DB}): ${KILLS} kills, ${counts.acknowledged} acknowledged writes all present ` +
        `(${acked.projects.length} projects, ${acked.members.length} members, ${acked.assets.length} assets, ` +
        `${acked.secrets.length} secrets, ${acked.runs.length} job runs, ${acked.exports.length} exports, ` +
        `${acked.imports.length} imports, ${acked.connections.length} connections written ` +
        `${acked.connections.reduce((n, t) => n + t.sent.length, 0)} times, ${acked.schedules.length} scheduled ` +
        `jobs written ${acked.schedules.reduce((n, t) => n + t.sent.length, 0)} times), ` +
        `${counts.interrupted} requests cut by a kill; ${slots.length} slots fired once each ` +
        `(${due} checked as due); ended as ${JSON.stringify(ends)}`,
    );
    expect(counts.acknowledged).toBeGreaterThan(KILLS);
    expect(slots.length, 'slots fired during the suite').toBeGreaterThan(0);
    expect(due, 'slots checked as due').toBeGreaterThanOrEqual(6);
    expect(
      acked.connections.some((t) => t.sent.length > 1),
      'a connection changed',
    ).toBe(true);
    expect(
      acked.schedules.some((t) => t.sent.length > 1),
      'a schedule changed',
    ).toBe(true);
  }, 1_800_000);
});
