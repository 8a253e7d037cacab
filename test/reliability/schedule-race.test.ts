import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/server/src/platform/config.ts';
import { openStore } from '../../packages/server/src/store/db.ts';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../helpers/server.ts';
import {
  client,
  createProject,
  createScript,
  newKeys,
  serverEnv,
  sleep,
  spawnServer,
  tokenOf,
  type ChildServer,
} from './helpers.ts';

/**
 * A schedule changed while the scheduler fires one of its slots: the change wins. Found by the
 * crash suite on PostgreSQL: the fire read the job, the change committed, and the fire then wrote
 * the old schedule's next slot over the new one, so a slot of the old schedule fired after the
 * change was acknowledged (and a removed schedule kept a due slot forever). Here the fire is held
 * at its slot claim (another transaction holds the same slot, uncommitted) while the change is sent.
 */
const EVERY_SECOND = '* * * * * *';
const DAILY_2099 = { schedule: '0 3 * * *', schedule_info: { startOn: Date.UTC(2099, 0, 1), repeat: true } };
const SLOTS_2099 = [0, 1, 2].map((d) => new Date(Date.UTC(2099, 0, 1 + d, 3)).toISOString());

let database: TestDatabase | undefined;
let server: ChildServer | undefined;
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe(`schedule change during a fire (${TEST_DB})`, () => {
  it('keeps the new schedule: no slot of the old one fires after the change', async () => {
    database = await createTestDatabase();
    const keys = newKeys();
    server = await spawnServer({ ...serverEnv(database, keys), JOB_SCHEDULER_TICK_MS: '100' });
    const token = await tokenOf(server.url, keys.adminKey);
    const call = client(server.url, token);
    const project = await createProject(server.url, token, 'schedule race');
    const script = await createScript(server.url, token, project, 'print("slot")');
    const store = openStore({ ...loadConfig({}), ...database.config });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const created = await call('POST', `/v2/jobs?project_id=${project}`, {
          job: { name: `race ${attempt}`, asset_ref: script, schedule: EVERY_SECOND },
        });
        expect(created.status, created.text).toBe(201);
        const jobId = created.body.asset_id as string;
        const slot = created.body.entity.job.future_scheduled_runs[0] as string;
        // Another transaction takes the slot first, uncommitted: the scheduler's claim waits on it.
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let taken!: () => void;
        const holding = new Promise<void>((resolve) => (taken = resolve));
        const blocker = store.db
          .transaction()
          .execute(async (trx) => {
            await sql`insert into job_schedule_slots (job_id, slot_at, run_id)
              values (${jobId}, ${slot}, ${'blocker'})`.execute(trx);
            taken();
            await released;
            throw new Error('rolled back');
          })
          .catch((err: Error) => {
            if (err.message !== 'rolled back') throw err;
          });
        await holding;
        // The slot is due and the scheduler (100 ms ticks) is at its claim: change the schedule now.
        await sleep(Math.max(0, Date.parse(slot) - Date.now()) + 400);
        const change = call(
          'PATCH',
          `/v2/jobs/${jobId}?project_id=${project}`,
          [
            { op: 'replace', path: '/entity/job/schedule', value: DAILY_2099.schedule },
            { op: 'add', path: '/entity/job/schedule_info', value: DAILY_2099.schedule_info },
          ],
          { 'content-type': 'application/json-patch+json' },
        );
        await sleep(300);
        release();
        await blocker;
        const changed = await change;
        expect(changed.status, changed.text).toBe(200);
        const acknowledgedAt = Date.now();
        // Long enough for two more slots of the old schedule.
        await sleep(2500);
        const job = await call('GET', `/v2/jobs/${jobId}?project_id=${project}`);
        expect(job.status, job.text).toBe(200);
        expect(job.body.entity.job.future_scheduled_runs, `attempt ${attempt}`).toEqual(SLOTS_2099);
        const fired = await sql<{ slot_at: string }>`select slot_at from job_schedule_slots
          where job_id = ${jobId}`.execute(store.db);
        // The held slot may fire (it was due before the change); nothing after the change does.
        for (const r of fired.rows)
          expect(Date.parse(r.slot_at), `slot ${r.slot_at} fired after the change`).toBeLessThan(
            acknowledgedAt,
          );
      }
    } finally {
      await store.close();
    }
  }, 120_000);
});
