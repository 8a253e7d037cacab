import type { ResourceRecord, Transition } from './repository.ts';

/**
 * Runs (build runs, job runs) go `pending` → `running` → their outcome. The row stores `pending`
 * with the outcome as its ready status at the completion time (so the lifecycle timer and the
 * start-up sweep finish it even across a restart); the entity stores the start time, and readers
 * show `running` between the two. All phases follow from stored times, nothing from memory.
 */
export interface RunTimes {
  start_time: string;
  /** Absent for runs that never complete by themselves (daemon job runs). */
  completion_time?: string;
}

export function planRun(
  stepMs: number,
  outcome: string,
  completes = true,
): { times: RunTimes; transition: Transition } {
  const now = Date.now();
  const start = now + stepMs;
  const times: RunTimes = { start_time: new Date(start).toISOString() };
  if (completes) times.completion_time = new Date(start + stepMs).toISOString();
  const readyInMs = completes ? 2 * stepMs : stepMs;
  return { times, transition: { status: 'pending', readyStatus: outcome, readyInMs } };
}

export type RunPhase = 'pending' | 'running' | 'done';

/** Where a run stands at `now`. */
export function phaseOf(
  record: ResourceRecord<unknown>,
  times: RunTimes,
  now = new Date().toISOString(),
): RunPhase {
  if (times.completion_time && now >= times.completion_time) return 'done';
  if (!record.pending && times.completion_time) return 'done';
  if (now >= times.start_time) return times.completion_time ? 'running' : 'done';
  return 'pending';
}

/** The status a run shows: the stored one, or `running` while it runs. */
export function runStatus(record: ResourceRecord<unknown>, times: RunTimes, now?: string): string {
  const phase = phaseOf(record, times, now);
  if (phase === 'running') return 'running';
  if (phase === 'pending') return 'pending';
  return record.status ?? 'pending';
}
