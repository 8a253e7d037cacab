import type { Principal } from '../../platform/auth/principal.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { RunWorker } from '../../workers/run-worker.ts';
import { checkEnvVariables, type JobEntity } from './job-model.ts';
import { decodeKey, nextToken, type JobService } from './job-service.ts';
import { FINAL_STATES, type JobRepository, type JobRun } from './repository.ts';
import { loadRunnable } from './runnable.ts';
import { newRunRow, presentRun, type RunOverrides } from './run-model.ts';

export interface RunListQuery {
  limit?: number;
  next?: string;
  states?: string;
}

export interface LogQuery {
  limit?: number;
  start?: number;
}

const runNotFound = (id: string) =>
  notFound(`Job run ${id} was not found.`, { target: { type: 'parameter', name: 'run_id' } });

/** Runs of jobs: queued here, run by the worker (workers/run-worker.ts). */
export class RunService {
  constructor(
    private readonly jobs: JobService,
    private readonly repo: JobRepository,
    private readonly worker: RunWorker,
  ) {}

  private async findRun(
    principal: Principal,
    container: ContainerRef,
    jobIdOrName: string,
    runId: string,
    role: 'viewer' | 'editor',
  ) {
    const job = await this.jobs.find(principal, container, jobIdOrName, role);
    const run = await this.repo.getRun(job.asset_id, runId);
    if (!run) throw runNotFound(runId);
    return { job, run };
  }

  /** Queues a run (201, state Queued); 400 at once when the job's asset cannot run here. */
  async start(
    principal: Principal,
    container: ContainerRef,
    jobIdOrName: string,
    body: { job_run?: RunOverrides },
  ) {
    const job = await this.jobs.find(principal, container, jobIdOrName, 'editor');
    const overrides = body.job_run ?? {};
    checkEnvVariables(overrides.configuration?.env_variables, 'job_run.configuration.env_variables');
    const entity = (job.entity.job ?? {}) as JobEntity;
    await loadRunnable(this.jobs.store, container, entity.asset_ref, entity.asset_ref_type);
    const row = newRunRow(job, overrides, principal.iamId, false);
    await this.repo.insertRun(row);
    this.worker.wake();
    return presentRun((await this.repo.getRunById(row.run_id))!, container);
  }

  async list(principal: Principal, container: ContainerRef, jobIdOrName: string, q: RunListQuery) {
    const job = await this.jobs.find(principal, container, jobIdOrName, 'viewer');
    const states = q.states ? [...new Set(q.states.split(','))] : undefined;
    const page = await this.repo.listRuns(
      job.asset_id,
      states,
      Math.min(q.limit ?? 100, 200),
      decodeKey(q.next),
    );
    return {
      total_rows: page.total,
      next: nextToken(page.next),
      results: page.runs.map((r) => presentRun(r, container)),
    };
  }

  async get(principal: Principal, container: ContainerRef, jobIdOrName: string, runId: string) {
    return presentRun(
      (await this.findRun(principal, container, jobIdOrName, runId, 'viewer')).run,
      container,
    );
  }

  /** Removes a finished run and its logs; a run still queued or running is refused (cancel it first). */
  async delete(principal: Principal, container: ContainerRef, jobIdOrName: string, runId: string) {
    const { run } = await this.findRun(principal, container, jobIdOrName, runId, 'editor');
    if (!FINAL_STATES.includes(run.state)) throw notFinished(run, 'delete');
    if (!(await this.repo.deleteRun(run.run_id))) throw runNotFound(runId);
  }

  /** Lines from `start` (0-based), at most `limit` (all when absent), and how many there are. */
  async logs(principal: Principal, container: ContainerRef, jobIdOrName: string, runId: string, q: LogQuery) {
    const { run } = await this.findRun(principal, container, jobIdOrName, runId, 'viewer');
    const results = await this.repo.readLogs(run.run_id, q.start ?? 0, q.limit);
    const fresh = await this.repo.getRunById(run.run_id);
    return { results, total_count: fresh?.log_lines ?? run.log_lines };
  }

  async cancel(principal: Principal, container: ContainerRef, jobIdOrName: string, runId: string) {
    const { run } = await this.findRun(principal, container, jobIdOrName, runId, 'editor');
    if (run.state === 'Canceling' || run.state === 'Canceled') return;
    if (run.state === 'Queued') {
      const done = await this.repo.transition(run.run_id, ['Queued'], 'Canceled', {
        ended_at: new Date().toISOString(),
        message: 'Canceled before it started.',
      });
      if (done) return;
    }
    const moved = await this.repo.transition(
      run.run_id,
      ['Starting', 'Running', 'Paused', 'Resuming'],
      'Canceling',
    );
    if (!moved) throw notFinished(await this.current(run), 'cancel', true);
    this.worker.cancelLocal(run.run_id);
  }

  async pause(principal: Principal, container: ContainerRef, jobIdOrName: string, runId: string) {
    const { run } = await this.findRun(principal, container, jobIdOrName, runId, 'editor');
    if (run.state === 'Paused') return;
    if (!(await this.repo.transition(run.run_id, ['Running'], 'Paused'))) {
      throw conflict(
        `Job run ${runId} is ${(await this.current(run)).state}: only a Running run can be paused.`,
      );
    }
    this.worker.pauseLocal(run.run_id);
  }

  async resume(principal: Principal, container: ContainerRef, jobIdOrName: string, runId: string) {
    const { run } = await this.findRun(principal, container, jobIdOrName, runId, 'editor');
    if (run.state === 'Running' || run.state === 'Resuming') return;
    if (!(await this.repo.transition(run.run_id, ['Paused'], 'Resuming'))) {
      throw conflict(
        `Job run ${runId} is ${(await this.current(run)).state}: only a Paused run can be resumed.`,
      );
    }
    await this.worker.resumeLocal(run.run_id);
  }

  private async current(run: JobRun): Promise<JobRun> {
    return (await this.repo.getRunById(run.run_id)) ?? run;
  }
}

function notFinished(run: JobRun, action: string, finished = false) {
  return conflict(
    finished
      ? `Job run ${run.run_id} is ${run.state}: it has ended and cannot ${action === 'cancel' ? 'be canceled' : action}.`
      : `Job run ${run.run_id} is ${run.state}: cancel it and wait until it ends before you ${action} it.`,
  );
}
