import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { AppContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import { assetStoreOf } from '../areas/assets/store.ts';
import type { ContainerKind, ContainerRef } from '../areas/containers/access.ts';
import { ACTIVE_STATES, toRun, type JobRepository, type JobRun } from '../areas/jobs/repository.ts';
import type { JobEntity } from '../areas/jobs/job-model.ts';
import { loadRunnable } from '../areas/jobs/runnable.ts';
import { memoryLimitOf } from '../areas/jobs/runtime-spec.ts';
import { RunProcess } from './run-process.ts';
import { effectiveParameters, runEnvironment } from './run-env.ts';
import { LogSink } from './log-sink.ts';

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

interface LocalRun {
  run: JobRun;
  proc?: RunProcess;
  /** Set once a cancel reached this server; the run then ends Canceled. */
  canceled: boolean;
  paused: boolean;
}

/**
 * Runs queued job runs on this server. The queue is the `job_runs` table: a run is claimed by
 * moving it from Queued to Starting with this server as owner (rows locked FOR UPDATE SKIP LOCKED
 * on PostgreSQL; SQLite has one writer), so it starts exactly once across servers. Owners renew a
 * lease; runs whose owner stopped renewing are marked Failed by whichever server sweeps next.
 */
export class RunWorker {
  /** This server process as an owner of runs. */
  readonly me = crypto.randomUUID();
  private readonly host = os.hostname();
  private readonly concurrency = envInt('JOB_RUN_CONCURRENCY', 8);
  private readonly leaseMs = envInt('JOB_RUN_LEASE_SECONDS', 30) * 1000;
  private readonly pollMs = envInt('JOB_RUN_POLL_MS', 1000);
  private readonly local = new Map<string, LocalRun>();
  private readonly finishing = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private claiming: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly repo: JobRepository,
    /** Called once a run ended (retention policy). */
    private readonly onFinished: (run: JobRun) => Promise<void>,
  ) {}

  start(): Promise<void> {
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch((err) => this.warn(err)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.pollMs, async () => this.wake());
    every(Math.max(this.leaseMs / 3, 500), () => this.heartbeat());
    every(Math.max(this.leaseMs, 1000), () => this.sweep(false));
    every(500, () => this.reconcile());
    return this.sweep(true)
      .then(() => this.wake())
      .catch((err) => this.warn(err));
  }

  /** Looks for queued runs now (after a POST, a scheduled slot, a finished run). */
  wake(): void {
    if (this.closed) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claimLoop()
      .catch((err) => this.warn(err))
      .finally(() => {
        this.claiming = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async claimLoop(): Promise<void> {
    while (!this.closed) {
      const free = this.concurrency - this.local.size;
      if (free <= 0) return;
      const runs = await this.claim(free);
      for (const run of runs) this.launch(run);
      if (runs.length < free) return;
    }
  }

  private async claim(n: number): Promise<JobRun[]> {
    const now = new Date();
    const claimed = await this.repo.transaction(async (trx) => {
      let q = trx
        .selectFrom('job_runs')
        .select('run_id')
        .where('state', '=', 'Queued')
        .orderBy('created_at')
        .orderBy('run_id')
        .limit(n);
      if (this.ctx.store.dialect === 'postgres') q = q.forUpdate().skipLocked();
      const ids = (await q.execute()).map((r) => r.run_id);
      if (!ids.length) return [];
      await trx
        .updateTable('job_runs')
        .set({
          state: 'Starting',
          owner: this.me,
          host: this.host,
          lease_until: new Date(now.getTime() + this.leaseMs).toISOString(),
          updated_at: now.toISOString(),
        })
        .where('run_id', 'in', ids)
        .where('state', '=', 'Queued')
        .execute();
      return trx
        .selectFrom('job_runs')
        .selectAll()
        .where('run_id', 'in', ids)
        .where('owner', '=', this.me)
        .where('state', '=', 'Starting')
        .execute();
    });
    return claimed.map(toRun);
  }

  private launch(run: JobRun): void {
    const entry: LocalRun = { run, canceled: false, paused: false };
    this.local.set(run.run_id, entry);
    const work = this.execute(entry)
      .catch((err) => this.warn(err))
      .finally(() => {
        this.local.delete(run.run_id);
        this.finishing.delete(work);
        this.wake();
      });
    this.finishing.add(work);
  }

  private async execute(entry: LocalRun): Promise<void> {
    const { run } = entry;
    const container: ContainerRef = { kind: run.container_kind as ContainerKind, id: run.container_id };
    const sink = new LogSink(this.repo, run.run_id, run.log_lines);
    const fail = async (message: string) => {
      sink.push(message);
      await sink.close();
      await this.finish(run, 'Failed', { message });
    };
    const store = assetStoreOf(this.ctx);
    const job = await store.assets.getAsset(container, run.job_id);
    if (!job) return fail('The job of this run no longer exists.');
    const entity = (job.entity.job ?? {}) as JobEntity;
    let runnable;
    try {
      runnable = await loadRunnable(store, container, entity.asset_ref, entity.asset_ref_type);
    } catch (err) {
      if (err instanceof ApiError) return fail(err.message);
      throw err;
    }
    if (entry.canceled) {
      await sink.close();
      return this.finish(run, 'Canceled', { message: 'Canceled before it started.' });
    }
    const timeoutMs = envInt('JOB_RUN_TIMEOUT_SECONDS', 3600) * 1000;
    const memoryBytes = await memoryLimitOf(this.ctx, container, run.details.configuration ?? {});
    const proc = new RunProcess({
      language: runnable.language,
      code: runnable.code,
      env: runEnvironment(run.run_id, run.job_id, container, run.details),
      files: { 'parameters.json': JSON.stringify(effectiveParameters(run.details)) },
      timeoutMs,
      memoryBytes,
      onLine: (line) => sink.push(line),
    });
    entry.proc = proc;
    const pid = await proc.pid;
    if (pid !== undefined) {
      const now = new Date().toISOString();
      const moved = await this.repo.transition(run.run_id, ['Starting'], 'Running', { started_at: now, pid });
      if (!moved || entry.canceled) {
        // a cancel arrived while it was starting
        const current = await this.repo.getRunById(run.run_id);
        if (entry.canceled || current?.state === 'Canceling') {
          entry.canceled = true;
          proc.kill();
        }
      }
    }
    const outcome = await proc.done;
    await sink.close();
    const ended = { exit_code: outcome.exitCode, exit_signal: outcome.signal };
    if (outcome.spawnError)
      return this.finish(run, 'Failed', { message: `The process could not start: ${outcome.spawnError}` });
    const current = await this.repo.getRunById(run.run_id);
    if (entry.canceled || current?.state === 'Canceling') {
      return this.finish(run, 'Canceled', { ...ended, message: 'Canceled.' });
    }
    if (this.closed && outcome.signal) {
      return this.finish(run, 'Failed', {
        ...ended,
        message: 'The server stopped while the run was running.',
      });
    }
    if (outcome.timedOut) {
      return this.finish(run, 'Failed', {
        ...ended,
        message: `Stopped after the time limit of ${timeoutMs / 1000} s.`,
      });
    }
    if (outcome.exitCode === 0) return this.finish(run, 'Completed', { ...ended, message: null });
    const why = outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
    return this.finish(run, 'Failed', { ...ended, message: `The process ended with ${why}.` });
  }

  private async finish(
    run: JobRun,
    state: string,
    changes: { exit_code?: number | null; exit_signal?: string | null; message: string | null },
  ): Promise<void> {
    const moved = await this.repo.transition(run.run_id, [...ACTIVE_STATES], state, {
      ...changes,
      ended_at: new Date().toISOString(),
      owner: null,
      lease_until: null,
    });
    if (moved) await this.onFinished(run).catch((err) => this.warn(err));
  }

  // ------------------------------------------------------------------ control

  /** Applies a cancel at once when this server runs it (else the owner sees it within 500 ms). */
  cancelLocal(runId: string): void {
    const entry = this.local.get(runId);
    if (!entry) return;
    entry.canceled = true;
    entry.proc?.kill();
  }

  pauseLocal(runId: string): void {
    const entry = this.local.get(runId);
    if (entry?.proc && !entry.paused) entry.paused = entry.proc.pause();
  }

  async resumeLocal(runId: string): Promise<void> {
    const entry = this.local.get(runId);
    if (!entry?.proc) return;
    if (entry.paused) entry.proc.resume();
    entry.paused = false;
    await this.repo.transition(runId, ['Resuming'], 'Running');
  }

  /** Applies what other servers asked for runs of this one (cancel, pause, resume). */
  private async reconcile(): Promise<void> {
    if (!this.local.size) return;
    const rows = await this.repo.db
      .selectFrom('job_runs')
      .select(['run_id', 'state'])
      .where('owner', '=', this.me)
      .where('state', 'in', ['Canceling', 'Paused', 'Resuming'])
      .execute();
    for (const { run_id, state } of rows) {
      if (state === 'Canceling') this.cancelLocal(run_id);
      else if (state === 'Paused') this.pauseLocal(run_id);
      else await this.resumeLocal(run_id);
    }
  }

  // ------------------------------------------------------------------ leases

  private async heartbeat(): Promise<void> {
    if (!this.local.size) return;
    await this.repo.db
      .updateTable('job_runs')
      .set({ lease_until: new Date(Date.now() + this.leaseMs).toISOString() })
      .where('owner', '=', this.me)
      .where('state', 'in', ACTIVE_STATES)
      .execute();
  }

  /**
   * Marks Failed the active runs whose owner stopped renewing its lease (all active runs not ours
   * at start-up on SQLite, where one server owns the database), and ends their process group
   * when it is still alive on this machine.
   */
  async sweep(atStartup: boolean): Promise<void> {
    if (this.closed) return;
    const ignoreLeases = atStartup && this.ctx.store.dialect === 'sqlite';
    let q = this.repo.db
      .selectFrom('job_runs')
      .selectAll()
      .where('state', 'in', ACTIVE_STATES)
      .where((eb) => eb.or([eb('owner', 'is', null), eb('owner', '!=', this.me)]));
    if (!ignoreLeases) q = q.where('lease_until', '<', new Date().toISOString());
    for (const run of (await q.execute()).map(toRun)) {
      if (run.pid && run.host === this.host) killOrphan(run.pid, run.run_id);
      const moved = await this.repo.transition(run.run_id, [run.state], 'Failed', {
        ended_at: new Date().toISOString(),
        message: 'The server running this run stopped before it ended.',
        owner: null,
        lease_until: null,
      });
      if (moved) await this.onFinished(run).catch((err) => this.warn(err));
    }
  }

  /** Stops claiming, ends the local processes and records how their runs ended. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.claiming;
    for (const entry of this.local.values()) entry.proc?.kill();
    await Promise.allSettled([...this.finishing]);
  }

  /** Resolves once no run is running here (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.finishing.size) await Promise.allSettled([...this.finishing]);
  }

  private warn(err: unknown): void {
    if (!this.closed) this.ctx.log.warn({ err }, 'job runs');
  }
}

/** Kills the process group of a run of a dead server, if that group is still this run's. */
function killOrphan(pid: number, runId: string): void {
  try {
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    if (!environ.split('\0').includes(`JOB_RUN_ID=${runId}`)) return;
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone already, or not ours to see */
  }
}
