import { AbortError } from './errors/errors.ts';
import { sleep } from './http/retry.ts';

export interface WaitOptions<T> {
  /** Reads the current state. */
  poll: () => Promise<T>;
  /** True once the work is complete. */
  done: (value: T) => boolean;
  /** A reason when the work failed for good (the wait then rejects with `WaiterFailedError`). */
  failed?: (value: T) => string | undefined;
  /** Give up after this many milliseconds (default 10 minutes). */
  timeoutMs?: number;
  /** First wait between polls (default 1 s); it grows by half each time, up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called with every polled value and the attempt number. */
  onProgress?: (value: T, attempt: number) => void;
}

/** The waiter's time ran out; `lastValue` is the last state seen. */
export class WaiterTimeoutError<T = unknown> extends Error {
  constructor(
    message: string,
    readonly lastValue: T | undefined,
  ) {
    super(message);
    this.name = 'WaiterTimeoutError';
  }
}

/** The work ended in failure; `value` is the failed state. */
export class WaiterFailedError<T = unknown> extends Error {
  constructor(
    message: string,
    readonly value: T,
  ) {
    super(message);
    this.name = 'WaiterFailedError';
  }
}

/** Polls until `done`, with growing delays, a deadline and cancellation; resolves with the final value. */
export async function waitUntil<T>(options: WaitOptions<T>): Promise<T> {
  const { poll, done, failed, signal, onProgress } = options;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let delay = Math.min(options.initialDelayMs ?? 1000, maxDelayMs);
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new AbortError('wait aborted');
    last = await poll();
    onProgress?.(last, attempt);
    const reason = failed?.(last);
    if (reason) throw new WaiterFailedError(reason, last);
    if (done(last)) return last;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new WaiterTimeoutError(`gave up waiting after ${timeoutMs} ms (${attempt} polls)`, last);
    await sleep(Math.min(delay, left), signal);
    delay = Math.min(Math.ceil(delay * 1.5), maxDelayMs);
  }
}
