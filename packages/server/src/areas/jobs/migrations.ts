import type { Kysely, Migration } from 'kysely';

export const jobMigrations: Record<string, Migration> = {
  '7001_jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('job_definitions')
        .addColumn('job_id', 'text', (c) => c.primaryKey().references('assets.asset_id').onDelete('cascade'))
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('asset_ref', 'text')
        .addColumn('asset_ref_type', 'text')
        .addColumn('serving_name', 'text', (c) => c.unique())
        .addColumn('schedule', 'text')
        .addColumn('next_run_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('job_definitions_container')
        .on('job_definitions')
        .columns(['container_kind', 'container_id', 'created_at', 'job_id'])
        .execute();
      await db.schema
        .createIndex('job_definitions_next_run')
        .on('job_definitions')
        .columns(['next_run_at'])
        .execute();

      await db.schema
        .createTable('job_runs')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull().references('assets.asset_id').onDelete('cascade'))
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('is_scheduled', 'integer', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('exit_code', 'integer')
        .addColumn('exit_signal', 'text')
        .addColumn('message', 'text')
        .addColumn('owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('pid', 'integer')
        .addColumn('host', 'text')
        .addColumn('log_lines', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('job_runs_by_job')
        .on('job_runs')
        .columns(['job_id', 'created_at', 'run_id'])
        .execute();
      // The queue: the oldest queued runs first; the sweep: active runs by lease.
      await db.schema
        .createIndex('job_runs_by_state')
        .on('job_runs')
        .columns(['state', 'created_at'])
        .execute();

      await db.schema
        .createTable('job_run_logs')
        .addColumn('run_id', 'text', (c) => c.notNull().references('job_runs.run_id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_run_logs_pk', ['run_id', 'seq'])
        .execute();

      await db.schema
        .createTable('job_schedule_slots')
        .addColumn('job_id', 'text', (c) => c.notNull().references('assets.asset_id').onDelete('cascade'))
        .addColumn('slot_at', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_schedule_slots_pk', ['job_id', 'slot_at'])
        .execute();
    },
  },
};
