import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { CodeEngineTables } from './tables.ts';

type Db = Kysely<CodeEngineTables>;

/**
 * Makes stored rows agree with what readers already compute: transitional statuses become their
 * ready status once `ready_at` passes, and rows (projects with all they contain) whose `delete_at`
 * has passed are removed. One timer, set for the earliest pending time; at start-up a sweep
 * settles what a previous run left pending (a restart drops timers, never transitions).
 */
export class Lifecycle {
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private closed = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Called whenever a row gets a pending time. */
  readonly notify = (at: string): void => {
    const when = Date.parse(at);
    if (this.closed || when >= this.wakeAt) return;
    this.arm(when);
  };

  private arm(when: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = when;
    // A few ms of slack so the settle never runs a tick before the pending time.
    this.timer = setTimeout(() => void this.sweep(), Math.max(0, when - Date.now() + 5));
    // Pending work never keeps the process alive; the next start-up sweep finishes it.
    this.timer.unref();
  }

  /** Settles every overdue row, then waits for the next pending one. */
  sweep(): Promise<void> {
    this.running = this.running.then(() => this.settleAndRearm());
    return this.running;
  }

  private async settleAndRearm(): Promise<void> {
    if (this.closed) return;
    this.timer = undefined;
    this.wakeAt = Infinity;
    try {
      await this.settle(new Date().toISOString());
      const next = await this.nextPending();
      if (next && !this.closed) this.arm(Date.parse(next));
    } catch (err) {
      // Readers already see the right status; the next sweep stores it.
      this.log.warn({ err }, 'could not settle Code Engine lifecycles');
    }
  }

  private async settle(now: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of ['ce_projects', 'ce_resources'] as const) {
        await trx
          .updateTable(table)
          .set((eb) => ({ status: eb.ref('ready_status'), ready_status: null, ready_at: null }))
          .where('ready_at', '<=', now)
          .where('ready_status', 'is not', null)
          .execute();
      }
      // Resources first: on SQLite foreign keys may cascade, but the order must not depend on it.
      await trx.deleteFrom('ce_resources').where('delete_at', '<=', now).execute();
      const gone = trx.selectFrom('ce_projects').select('id').where('delete_at', '<=', now);
      await trx.deleteFrom('ce_resources').where('project_id', 'in', gone).execute();
      await trx.deleteFrom('ce_projects').where('delete_at', '<=', now).execute();
    });
  }

  private async nextPending(): Promise<string | undefined> {
    const times: string[] = [];
    for (const table of ['ce_projects', 'ce_resources'] as const) {
      for (const column of ['ready_at', 'delete_at'] as const) {
        const row = await this.db
          .selectFrom(table)
          .select((eb) => eb.fn.min(column).as('at'))
          .executeTakeFirst();
        if (row?.at) times.push(String(row.at));
      }
    }
    return times.sort()[0];
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
