import { Cron } from 'croner';
import { badRequest } from '../../platform/errors.ts';

/** `schedule_info` as the seed writes it: epoch milliseconds, and whether the schedule repeats. */
export interface ScheduleInfo {
  startOn?: number;
  endOn?: number;
  repeat?: boolean;
}

/** How many upcoming slots a job shows in `future_scheduled_runs` (the seed's example shows three). */
export const FUTURE_RUNS_SHOWN = 3;

/** A cron pattern (5 fields, or 6 with seconds first), in UTC; a 400 naming the field when invalid. */
export function parseCron(pattern: string): Cron {
  try {
    return new Cron(pattern, { paused: true, timezone: 'UTC', mode: '5-or-6-parts' });
  } catch (err) {
    throw badRequest(`Invalid schedule '${pattern}': ${(err as Error).message}`, {
      target: { type: 'field', name: 'job.schedule' },
    });
  }
}

/**
 * The slots of a schedule strictly after `after`, at most `count`: inside [startOn, endOn], and
 * only the first one when it does not repeat and `fired` says one already went.
 */
export function slotsAfter(
  pattern: string,
  info: ScheduleInfo | undefined,
  after: Date,
  count: number,
  fired = false,
): Date[] {
  const repeat = info?.repeat !== false;
  if (!repeat && fired) return [];
  const cron = parseCron(pattern);
  const start = info?.startOn !== undefined ? new Date(info.startOn - 1) : undefined;
  let from = start && start > after ? start : after;
  const out: Date[] = [];
  while (out.length < (repeat ? count : Math.min(count, 1))) {
    const next = cron.nextRun(from);
    if (!next || (info?.endOn !== undefined && next.getTime() > info.endOn)) break;
    out.push(next);
    from = next;
  }
  return out;
}
