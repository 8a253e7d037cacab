import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import { fromJson, toJson, type Store } from '../../store/db.ts';
import type { AssetTables } from '../assets/tables.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { JobConfiguration, JobParameter, ParameterSet } from './job-model.ts';
import type { JobDefinitionRow, JobRunRow, JobTables } from './tables.ts';

export type JobDb = Kysely<JobTables & AssetTables>;
export type JobExecutor = JobDb | Transaction<JobTables & AssetTables>;

/** States a run is in while a process may exist for it. */
export const ACTIVE_STATES = ['Starting', 'Running', 'Paused', 'Resuming', 'Canceling'];
/** States a run ends in. */
export const FINAL_STATES = [
  'Completed',
  'Failed',
  'Canceled',
  'CompletedWithErrors',
  'CompletedWithWarnings',
];

/**
 * One page of `base()` in (created_at, id) order, oldest or newest first, after the key of the
 * previous page's last row; with the total of `base()` and the key of this page's last row when
 * more follow.
 */
async function keysetPage<Row extends { created_at: string }>(
  base: () => SelectQueryBuilder<any, any, object>,
  id: string,
  order: 'asc' | 'desc',
  limit: number,
  after?: Key,
): Promise<{ rows: Row[]; total: number; next?: Key }> {
  const beyond = order === 'asc' ? '>' : '<';
  let rowsQ = base().selectAll();
  if (after) {
    rowsQ = rowsQ.where((eb) =>
      eb.or([
        eb('created_at', beyond, after[0]),
        eb.and([eb('created_at', '=', after[0]), eb(id, beyond, after[1])]),
      ]),
    );
  }
  const [rows, count] = await Promise.all([
    rowsQ
      .orderBy('created_at', order)
      .orderBy(id, order)
      .limit(limit + 1)
      .execute() as Promise<Row[]>,
    base()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1] as (Row & Record<string, string>) | undefined;
  const next: Key | undefined = rows.length > limit && last ? [last.created_at, last[id]] : undefined;
  return { rows: page, total: Number(count.n), ...(next ? { next } : {}) };
}

/** What a run keeps of its job when it is made, so later job changes do not touch it. */
export interface RunDetails {
  job_name: string;
  job_type: string;
  asset_ref_id?: string;
  asset_ref_name?: string;
  configuration: JobConfiguration;
  job_parameters: JobParameter[];
  parameter_sets: ParameterSet[];
}

export interface JobRun extends Omit<JobRunRow, 'details' | 'is_scheduled'> {
  details: RunDetails;
  is_scheduled: boolean;
}

export const toRun = (r: JobRunRow): JobRun => ({
  ...r,
  details: fromJson<RunDetails>(r.details, {} as RunDetails),
  is_scheduled: Number(r.is_scheduled) === 1,
  log_lines: Number(r.log_lines),
  exit_code: r.exit_code === null ? null : Number(r.exit_code),
  pid: r.pid === null ? null : Number(r.pid),
});

/** Keyset position: `[created_at, id]` of the last row of a page. */
export type Key = [string, string];

/** SQL of jobs (their index rows beside the asset rows) and of runs, logs and schedule slots. */
export class JobRepository {
  readonly db: JobDb;

  constructor(readonly store: Store) {
    this.db = store.db.withTables<JobTables & AssetTables>() as unknown as JobDb;
  }

  transaction<T>(work: (trx: Transaction<JobTables & AssetTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ------------------------------------------------------------------ job definitions

  async putDefinition(row: JobDefinitionRow, trx: JobExecutor = this.db): Promise<void> {
    await trx.deleteFrom('job_definitions').where('job_id', '=', row.job_id).execute();
    await trx.insertInto('job_definitions').values(row).execute();
  }

  getDefinition(jobId: string, trx: JobExecutor = this.db) {
    return trx.selectFrom('job_definitions').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  }

  /** The job id of a serving name inside a container. */
  async jobIdByServingName(container: ContainerRef, name: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('job_definitions')
      .select('job_id')
      .where('serving_name', '=', name)
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .executeTakeFirst();
    return row?.job_id;
  }

  /** Job assets of a container with no index row: they arrived another way (asset imports, archives). */
  async unindexedJobIds(container: ContainerRef): Promise<string[]> {
    const rows = await this.db
      .selectFrom('assets')
      .select('assets.asset_id')
      .where('assets.container_kind', '=', container.kind)
      .where('assets.container_id', '=', container.id)
      .where('assets.asset_type', '=', 'job')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('job_definitions as d')
              .select('d.job_id')
              .whereRef('d.job_id', '=', 'assets.asset_id'),
          ),
        ),
      )
      .execute();
    return rows.map((r) => r.asset_id);
  }

  async servingNameTaken(name: string, exceptJob?: string, trx: JobExecutor = this.db): Promise<boolean> {
    let q = trx.selectFrom('job_definitions').select('job_id').where('serving_name', '=', name);
    if (exceptJob) q = q.where('job_id', '!=', exceptJob);
    return (await q.executeTakeFirst()) !== undefined;
  }

  async listDefinitions(
    container: ContainerRef,
    filters: { asset_ref?: string; asset_ref_type?: string; job_id?: string },
    limit: number,
    after?: Key,
  ): Promise<{ rows: JobDefinitionRow[]; total: number; next?: Key }> {
    const base = () => {
      let q = this.db
        .selectFrom('job_definitions')
        .where('container_kind', '=', container.kind)
        .where('container_id', '=', container.id);
      if (filters.asset_ref !== undefined) q = q.where('asset_ref', '=', filters.asset_ref);
      if (filters.asset_ref_type !== undefined) q = q.where('asset_ref_type', '=', filters.asset_ref_type);
      if (filters.job_id !== undefined) q = q.where('job_id', '=', filters.job_id);
      return q;
    };
    return keysetPage<JobDefinitionRow>(base, 'job_id', 'asc', limit, after);
  }

  /** Jobs whose next slot is due. */
  dueSchedules(now: string) {
    return this.db
      .selectFrom('job_definitions')
      .select(['job_id', 'container_kind', 'container_id', 'next_run_at'])
      .where('next_run_at', 'is not', null)
      .where('next_run_at', '<=', now)
      .orderBy('next_run_at')
      .limit(100)
      .execute();
  }

  /**
   * Moves a job's next slot on from `slot`, the one just fired. Only over that slot: a schedule
   * change committed meanwhile (PostgreSQL runs the fire at read committed) keeps its own next slot.
   */
  async setNextRun(jobId: string, slot: string, nextRunAt: string | null, trx: JobExecutor): Promise<void> {
    await trx
      .updateTable('job_definitions')
      .set({ next_run_at: nextRunAt })
      .where('job_id', '=', jobId)
      .where('next_run_at', '=', slot)
      .execute();
  }

  /** Records a fired slot; false when some server already fired it. */
  async claimSlot(jobId: string, slotAt: string, runId: string, trx: JobExecutor): Promise<boolean> {
    const res = await trx
      .insertInto('job_schedule_slots')
      .values({ job_id: jobId, slot_at: slotAt, run_id: runId })
      .onConflict((oc) => oc.columns(['job_id', 'slot_at']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async hasFiredSlot(jobId: string, trx: JobExecutor = this.db): Promise<boolean> {
    const row = await trx
      .selectFrom('job_schedule_slots')
      .select('slot_at')
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return row !== undefined;
  }

  // ------------------------------------------------------------------ runs

  async insertRun(row: JobRunRow, trx: JobExecutor = this.db): Promise<void> {
    await trx.insertInto('job_runs').values(row).execute();
  }

  async getRun(jobId: string, runId: string, trx: JobExecutor = this.db): Promise<JobRun | undefined> {
    const row = await trx
      .selectFrom('job_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return row && toRun(row);
  }

  async getRunById(runId: string, trx: JobExecutor = this.db): Promise<JobRun | undefined> {
    const row = await trx.selectFrom('job_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
    return row && toRun(row);
  }

  /** The job of a run inside a container (the jobs list's `run_id` filter). */
  async jobOfRun(container: ContainerRef, runId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('job_runs')
      .select('job_id')
      .where('run_id', '=', runId)
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .executeTakeFirst();
    return row?.job_id;
  }

  /** The name of the project or space a job lives in (`project_name` / `space_name` of a job). */
  async containerName(container: ContainerRef): Promise<string> {
    const any = this.db as unknown as Kysely<any>;
    const table =
      container.kind === 'space' ? 'spaces' : container.kind === 'project' ? 'projects' : undefined;
    if (!table) return '';
    const row = await any.selectFrom(table).select('name').where('id', '=', container.id).executeTakeFirst();
    return (row?.name as string | undefined) ?? '';
  }

  async lastRun(jobId: string): Promise<JobRun | undefined> {
    const row = await this.db
      .selectFrom('job_runs')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('created_at', 'desc')
      .orderBy('run_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toRun(row);
  }

  async listRuns(jobId: string, states: string[] | undefined, limit: number, after?: Key) {
    const base = () => {
      let q = this.db.selectFrom('job_runs').where('job_id', '=', jobId);
      if (states?.length) q = q.where('state', 'in', states);
      return q;
    };
    // newest first, like the seed's example
    const { rows, total, next } = await keysetPage<JobRunRow>(base, 'run_id', 'desc', limit, after);
    return { runs: rows.map(toRun), total, ...(next ? { next } : {}) };
  }

  async countActiveRuns(jobId: string): Promise<number> {
    const row = await this.db
      .selectFrom('job_runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', jobId)
      .where('state', 'in', ['Queued', ...ACTIVE_STATES])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Moves a run from one of `from` to `to` with `changes`; false when it was in no such state
   * (someone else moved it first). The condition makes each transition happen once.
   */
  async transition(
    runId: string,
    from: string[],
    to: string,
    changes: Partial<JobRunRow> = {},
    trx: JobExecutor = this.db,
  ): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await trx
      .updateTable('job_runs')
      .set({ ...changes, state: to, updated_at: now })
      .where('run_id', '=', runId)
      .where('state', 'in', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async deleteRun(runId: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('job_runs')
      .where('run_id', '=', runId)
      .where('state', 'in', FINAL_STATES)
      .executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  /** Finished runs of a job beyond the newest `amount` or older than `olderThan`: removed with their logs. */
  async pruneRuns(jobId: string, policy: { amount?: number; olderThan?: string }): Promise<number> {
    let removed = 0;
    if (policy.olderThan) {
      const res = await this.db
        .deleteFrom('job_runs')
        .where('job_id', '=', jobId)
        .where('state', 'in', FINAL_STATES)
        .where('created_at', '<', policy.olderThan)
        .executeTakeFirst();
      removed += Number(res.numDeletedRows);
    }
    if (policy.amount !== undefined) {
      const keep = await this.db
        .selectFrom('job_runs')
        .select(['run_id'])
        .where('job_id', '=', jobId)
        .where('state', 'in', FINAL_STATES)
        .orderBy('created_at', 'desc')
        .orderBy('run_id', 'desc')
        .offset(policy.amount)
        .limit(1000)
        .execute();
      if (keep.length) {
        const res = await this.db
          .deleteFrom('job_runs')
          .where(
            'run_id',
            'in',
            keep.map((r) => r.run_id),
          )
          .executeTakeFirst();
        removed += Number(res.numDeletedRows);
      }
    }
    return removed;
  }

  // ------------------------------------------------------------------ logs

  /** Appends lines after the run's current last one (one writer per run: the server running it). */
  async appendLogs(runId: string, first: number, lines: string[]): Promise<void> {
    if (!lines.length) return;
    await this.transaction(async (trx) => {
      await trx
        .insertInto('job_run_logs')
        .values(lines.map((line, i) => ({ run_id: runId, seq: first + i, line })))
        .execute();
      await trx
        .updateTable('job_runs')
        .set({ log_lines: first + lines.length })
        .where('run_id', '=', runId)
        .execute();
    });
  }

  async readLogs(runId: string, start: number, limit: number | undefined): Promise<string[]> {
    let q = this.db
      .selectFrom('job_run_logs')
      .select('line')
      .where('run_id', '=', runId)
      .where('seq', '>=', start)
      .orderBy('seq');
    if (limit !== undefined) q = q.limit(limit);
    return (await q.execute()).map((r) => r.line);
  }
}

export const runDetailsJson = (d: RunDetails) => toJson(d);
