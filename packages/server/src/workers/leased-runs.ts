import type { FastifyBaseLogger } from 'fastify';
import type { Dialect } from '../store/db.ts';

export interface LeasedRunsOptions {
  log: FastifyBaseLogger;
  /** Names the work in warnings. */
  what: string;
  leaseMs: number;
  dialect: Dialect;
  /** Keys of the work whose lease has expired; of all the work left when `ignoreLeases`. */
  claimable(ignoreLeases: boolean): Promise<string[]>;
  /** Takes over the work of a key a sweep found (`force`: even if its lease looks held). */
  resume(key: string, force: boolean): Promise<void>;
}

/**
 * The background runs of one kind of leased work on this server (asset transfers, project archive
 * imports, container archives): at most one run per key, a sweep that takes over the work of
 * servers that died without a word, and a stop that lets the runs end at their next step.
 */
export class LeasedRuns {
  /** Set by `close`: runs check it before each step and stop. */
  closed = false;
  private readonly runs = new Map<string, Promise<void>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly opts: LeasedRunsOptions) {}

  /** Runs `work` for `key` in the background, unless this server is running that key already. */
  start(key: string, work: () => Promise<void>): void {
    if (this.runs.has(key)) return;
    const run = work()
      .catch((err) => this.warn(err))
      .finally(() => this.runs.delete(key));
    this.runs.set(key, run);
  }

  /** Takes over the work whose lease has expired (all of it at start-up on SQLite). */
  async sweep(atStartup = false): Promise<void> {
    if (this.closed) return;
    // One process owns a SQLite database: at start-up no other server can be working on it.
    const ignoreLeases = atStartup && this.opts.dialect === 'sqlite';
    for (const key of await this.opts.claimable(ignoreLeases)) {
      this.start(key, () => this.opts.resume(key, ignoreLeases));
    }
  }

  /** Sweeps at start-up, then every lease period. */
  startSweeping(): Promise<void> {
    this.sweeper = setInterval(
      () => void this.sweep().catch((err) => this.warn(err)),
      Math.max(this.opts.leaseMs, 1000),
    );
    this.sweeper.unref();
    return this.sweep(true).catch((err) => this.warn(err));
  }

  /** Stops sweeping and waits for the runs to stop at their next step. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.allSettled(this.runs.values());
  }

  /** Resolves once this server's runs end (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.runs.size) await Promise.allSettled(this.runs.values());
  }

  warn(err: unknown): void {
    this.opts.log.warn({ err }, this.opts.what);
  }
}
