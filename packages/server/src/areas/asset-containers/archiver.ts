import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { ContainerRepository } from './repository.ts';

/** A run stops without finishing: the server is closing, or another server took the work over. */
class Interrupted extends Error {}

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
};

const keyOf = (c: ContainerRef) => `${c.kind}:${c.id}`;

/**
 * Does the archives and restores asked for, in the background. The work to do is the archive
 * row itself (status `archiving` or `restoring`) with a lease; each piece of work is one database
 * transaction that moves the container's assets and sets the final status, so a run cut short
 * (restart, crash) leaves nothing half done and the next server to find the lease expired
 * (every pending row at start-up, on SQLite) does it again.
 */
export class ContainerArchiver {
  /** This server process, as a lease owner. */
  readonly me = crypto.randomUUID();
  readonly leaseMs = envInt('ASSET_CONTAINER_LEASE_SECONDS', 30) * 1000;
  /** Wait before doing the work: lets tests (and demos) see an archive in progress, or restart under it. */
  private readonly delayMs = envInt('ASSET_CONTAINER_ARCHIVE_DELAY_MS', 0);
  private readonly runs = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly ctx: Pick<AppContext, 'log' | 'store'>,
    private readonly repo: ContainerRepository,
  ) {}

  /** Starts the work of a container whose row this server just wrote (holding its lease). */
  schedule(c: ContainerRef): void {
    if (this.closed) return;
    if (!this.delayMs) return this.start(c, false);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.start(c, false);
    }, this.delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Takes over the pending work whose lease has expired (all of it at start-up on SQLite). */
  async sweep(atStartup = false): Promise<void> {
    if (this.closed) return;
    // One process owns a SQLite database: at start-up no other server can be working on it.
    const ignoreLeases = atStartup && this.ctx.store.dialect === 'sqlite';
    for (const c of await this.repo.pending(ignoreLeases)) {
      if (!this.runs.has(keyOf(c))) this.start(c, ignoreLeases);
    }
  }

  /** Sweeps at start-up, then every lease period (work of servers that died without a word). */
  startSweeping(): Promise<void> {
    this.sweeper = setInterval(
      () => void this.sweep().catch((err) => this.warn(err)),
      Math.max(this.leaseMs, 1000),
    );
    this.sweeper.unref();
    return this.sweep(true).catch((err) => this.warn(err));
  }

  /** Stops: pending work not started is handed back (lease released) for the next server. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled(this.runs.values());
    await this.repo.db
      .updateTable('asset_container_archives')
      .set({ lease_owner: '', lease_until: new Date(0).toISOString() })
      .where('lease_owner', '=', this.me)
      .where('status', 'in', ['archiving', 'restoring'])
      .execute()
      .catch((err) => this.warn(err));
  }

  /** Resolves once the work this server is doing has ended (tests). */
  async idle(): Promise<void> {
    while (this.runs.size) await Promise.allSettled(this.runs.values());
  }

  private warn(err: unknown): void {
    this.ctx.log.warn({ err }, 'asset container archive');
  }

  private start(c: ContainerRef, force: boolean): void {
    const key = keyOf(c);
    if (this.runs.has(key)) return;
    const run = this.run(c, force)
      .catch((err) => this.warn(err))
      .finally(() => this.runs.delete(key));
    this.runs.set(key, run);
  }

  private async run(c: ContainerRef, force: boolean): Promise<void> {
    if (this.closed || !(await this.repo.claim(c, this.me, this.leaseMs, force))) return;
    const row = await this.repo.findArchive(c);
    if (!row) return;
    const now = () => new Date().toISOString();
    const done = { lease_owner: '', lease_until: new Date(0).toISOString(), failure: null };
    try {
      await this.repo.transaction(async (trx) => {
        if (this.closed) throw new Interrupted('server closing');
        if (row.status === 'archiving') {
          const moved = await this.repo.moveToArchive(trx, c);
          const ok = await this.repo.updateLeased(trx, c, this.me, {
            ...done,
            status: 'archived',
            archived_at: now(),
            archived_by: row.requested_by,
            asset_count: moved.assets,
            attachment_count: moved.attachments,
          });
          if (!ok) throw new Interrupted('lease lost');
        } else if (row.status === 'restoring') {
          await this.repo.moveFromArchive(trx, c);
          const ok = await this.repo.updateLeased(trx, c, this.me, {
            ...done,
            status: 'active',
            restored_at: now(),
            restored_by: row.requested_by,
          });
          if (!ok) throw new Interrupted('lease lost');
        }
      });
    } catch (err) {
      if (err instanceof Interrupted) return;
      // The transaction rolled back: the container stays as it was before the request.
      this.warn(err);
      await this.repo.updateLeased(this.repo.db, c, this.me, {
        ...done,
        status: row.status === 'archiving' ? 'active' : 'archived',
        failure: `The ${row.status === 'archiving' ? 'archive' : 'restore'} failed: ${(err as Error).message}`,
      });
    }
  }
}
