/** Tables of jobs (beside their asset rows) and of their runs. */
export type JobTables = {
  /** One row per job asset: what lists filter on, and the schedule the scheduler fires. */
  job_definitions: {
    job_id: string;
    container_kind: string;
    container_id: string;
    asset_ref: string | null;
    asset_ref_type: string | null;
    /** Globally unique when set (the seed's availability check has no container). */
    serving_name: string | null;
    schedule: string | null;
    /** The next slot to fire (ISO); null when nothing is left to fire. */
    next_run_at: string | null;
    created_at: string;
  };
  /** Slots already fired: the primary key makes each (job, slot) fire once across servers. */
  job_schedule_slots: { job_id: string; slot_at: string; run_id: string };
  job_runs: {
    run_id: string;
    job_id: string;
    container_kind: string;
    container_id: string;
    /** Queued, Starting, Running, Paused, Resuming, Canceling, Canceled, Failed, Completed. */
    state: string;
    name: string;
    description: string;
    /** JSON: configuration, job_parameters, parameter_sets, job name and asset reference. */
    details: string;
    is_scheduled: number;
    creator_id: string;
    created_at: string;
    updated_at: string;
    started_at: string | null;
    ended_at: string | null;
    exit_code: number | null;
    exit_signal: string | null;
    /** Why a run failed or was canceled, in words. */
    message: string | null;
    /** Server instance running it, its lease, and the process group (for the restart sweep). */
    owner: string | null;
    lease_until: string | null;
    pid: number | null;
    host: string | null;
    log_lines: number;
  };
  job_run_logs: { run_id: string; seq: number; line: string };
};

export type JobDefinitionRow = JobTables['job_definitions'];
export type JobRunRow = JobTables['job_runs'];
