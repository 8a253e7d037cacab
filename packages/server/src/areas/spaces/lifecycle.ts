import type { FastifyBaseLogger } from 'fastify';
import type { SpaceRepository } from './repository.ts';

/**
 * Moves new spaces from `preparing` to `active`. Readers already see a space as active once its
 * `ready_at` has passed; this makes the stored state agree: a timer per new space, and at start-up
 * a sweep over every space still stored as preparing (a restart drops the timers).
 */
export class SpaceActivator {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly repo: SpaceRepository,
    private readonly log: FastifyBaseLogger,
  ) {}

  schedule(id: string, readyAt: string): void {
    if (this.closed || this.timers.has(id)) return;
    // A few ms of slack so the conditional update never runs a tick before `ready_at`.
    const delay = Math.max(0, Date.parse(readyAt) - Date.now() + 5);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      void this.activate(id);
    }, delay);
    // A pending activation never keeps the process alive; the next start-up sweep finishes it.
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Schedules (or performs, when overdue) the activation of every space still preparing. */
  async sweep(): Promise<void> {
    for (const { id, ready_at } of await this.repo.preparing()) this.schedule(id, ready_at);
  }

  async activate(id: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.repo.activate(id, new Date().toISOString());
    } catch (err) {
      // Readers still see the space as active; the next start-up sweep stores it.
      this.log.warn({ err, spaceId: id }, 'could not store the activation of a space');
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
