import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { ContainerRepository } from './repository.ts';
import { LeasedRuns } from '../../workers/leased-runs.ts';

/** A run stops without finishing: the server is closing, or another server took the work over. */
class Interrupted extends Error {}

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
};

const keyOf = (c: ContainerRef) => `${c.kind}:${c.id}`;
const containerOfKey = (key: string): ContainerRef => {
  const at = key.indexOf(':');
  return { kind: key.slice(0, at) as ContainerRef['kind'], id: key.slice(at + 1) };
};

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
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly work: LeasedRuns;

  constructor(
    ctx: Pick<AppContext, 'log' | 'store'>,
    private readonly repo: ContainerRepository,
  ) {
    this.work = new LeasedRuns({
      log: ctx.log,
      what: 'asset container archive',
      leaseMs: this.leaseMs,
      dialect: ctx.store.dialect,
      claimable: async (ignoreLeases) => (await this.repo.pending(ignoreLeases)).map(keyOf),
      resume: (key, force) => this.run(containerOfKey(key), force),
    });
  }

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
  sweep(atStartup = false): Promise<void> {
    return this.work.sweep(atStartup);
  }

  /** Sweeps at start-up, then every lease period (work of servers that died without a word). */
  startSweeping(): Promise<void> {
    return this.work.startSweeping();
  }

  /** Stops: pending work not started is handed back (lease released) for the next server. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.work.close();
    await this.repo.db
      .updateTable('asset_container_archives')
      .set({ lease_owner: '', lease_until: new Date(0).toISOString() })
      .where('lease_owner', '=', this.me)
      .where('status', 'in', ['archiving', 'restoring'])
      .execute()
      .catch((err) => this.warn(err));
  }

  /** Resolves once the work this server is doing has ended (tests). */
  idle(): Promise<void> {
    return this.work.idle();
  }

  private get closed(): boolean {
    return this.work.closed;
  }

  private warn(err: unknown): void {
    this.work.warn(err);
  }

  private start(c: ContainerRef, force: boolean): void {
    this.work.start(keyOf(c), () => this.run(c, force));
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
