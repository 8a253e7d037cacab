import type { JobRepository } from '../areas/jobs/repository.ts';

/** Lines kept per run; beyond it one line says how many were dropped. */
const MAX_LINES = Number(process.env.JOB_RUN_MAX_LOG_LINES) || 100_000;
const BATCH = 500;

/**
 * Writes a run's output lines to the database in order, in small batches (one write per 100 ms
 * or per 500 lines), so a chatty process does not cost one transaction per line.
 */
export class LogSink {
  private pending: string[] = [];
  private next: number;
  private dropped = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: JobRepository,
    private readonly runId: string,
    already: number,
  ) {
    this.next = already;
  }

  push(line: string): void {
    if (this.next + this.pending.length >= MAX_LINES) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    if (this.pending.length >= BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 100);
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending.splice(0, BATCH);
    if (!lines.length) return this.writing;
    const first = this.next;
    this.next += lines.length;
    this.writing = this.writing
      .then(() => this.repo.appendLogs(this.runId, first, lines))
      .catch(() => undefined);
    if (this.pending.length) return this.flush();
    return this.writing;
  }

  async close(): Promise<void> {
    if (this.dropped) {
      this.pending.push(`[${this.dropped} more lines dropped: the log keeps ${MAX_LINES} lines]`);
      this.dropped = 0;
    }
    await this.flush();
  }
}
