import type { AppContext } from '../platform/context.ts';
import { assetStoreOf } from '../areas/assets/store.ts';
import type { ContainerKind } from '../areas/containers/access.ts';
import type { JobEntity } from '../areas/jobs/job-model.ts';
import type { JobRepository } from '../areas/jobs/repository.ts';
import { newRunRow } from '../areas/jobs/run-model.ts';
import { slotsAfter } from '../areas/jobs/schedule.ts';

/**
 * Fires scheduled runs. Each job's next slot is in `job_definitions.next_run_at`; a due slot is
 * fired by inserting (job, slot) into `job_schedule_slots` in the transaction that queues its
 * run: the primary key lets exactly one server fire each slot. Slots missed while no server was
 * up collapse into one run, fired as soon as a server sees them.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;
  private readonly tickMs = Number(process.env.JOB_SCHEDULER_TICK_MS) || 1000;

  constructor(
    private readonly ctx: AppContext,
    private readonly repo: JobRepository,
    /** Called after runs were queued. */
    private readonly queued: () => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.ticking)
        this.ticking = this.tick()
          .catch((err) => this.warn(err))
          .finally(() => (this.ticking = undefined));
    }, this.tickMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    const now = new Date();
    let fired = 0;
    for (const due of await this.repo.dueSchedules(now.toISOString())) {
      if (this.closed) return;
      if (
        await this.fire(
          due.job_id,
          { kind: due.container_kind as ContainerKind, id: due.container_id },
          due.next_run_at!,
          now,
        )
      )
        fired++;
    }
    if (fired) this.queued();
  }

  private async fire(
    jobId: string,
    container: { kind: ContainerKind; id: string },
    slot: string,
    now: Date,
  ): Promise<boolean> {
    const store = assetStoreOf(this.ctx);
    return this.repo.transaction(async (trx) => {
      const job = await store.assets.getAsset(container, jobId, trx);
      const entity = (job?.entity.job ?? {}) as JobEntity;
      const def = await this.repo.getDefinition(jobId, trx);
      // the schedule changed since this slot was read: nothing to fire
      if (!job || def?.next_run_at !== slot) return false;
      if (!entity.schedule) {
        // The job lost its schedule by a path that left the slot behind (a PATCH of the asset
        // itself): clear it, or it would come back at every tick.
        await this.repo.setNextRun(jobId, slot, null, trx);
        return false;
      }
      const row = newRunRow(job, {}, entity.schedule_creator_id ?? job.owner_id, true);
      const mine = await this.repo.claimSlot(jobId, slot, row.run_id, trx);
      if (mine) await this.repo.insertRun(row, trx);
      const after = new Date(Math.max(Date.parse(slot), now.getTime()));
      const next = slotsAfter(entity.schedule, entity.schedule_info, after, 1, true)[0];
      await this.repo.setNextRun(jobId, slot, next ? next.toISOString() : null, trx);
      return mine;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking;
  }

  private warn(err: unknown): void {
    if (!this.closed) this.ctx.log.warn({ err }, 'job schedules');
  }
}
