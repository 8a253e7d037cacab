import { AbortError, ApiError, ConnectionError, TimeoutError } from '../errors/errors.ts';

export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** Ceiling of one wait, in seconds, as IBM's SDKs count it (default 30). */
  maxRetryInterval?: number;
}

export interface RetryPolicy {
  enabled: boolean;
  maxRetries: number;
  maxRetryInterval: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { enabled: true, maxRetries: 4, maxRetryInterval: 30 };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const BASE_DELAY_MS = 1000;

/** Idempotent requests are retried on 429, 502, 503, 504 and lost connections (not timeouts, not aborts). */
export function isRetryable(method: string, error: unknown): boolean {
  if (!IDEMPOTENT.has(method.toUpperCase())) return false;
  if (error instanceof TimeoutError || error instanceof AbortError) return false;
  if (error instanceof ConnectionError) return true;
  return error instanceof ApiError && RETRY_STATUSES.has(error.status);
}

/** Milliseconds the server asked us to wait, from `Retry-After` or `X-RateLimit-Reset`. */
export function serverDelayMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers['x-ratelimit-reset']?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    // Large values are an epoch time in seconds; small ones, seconds from now.
    return value > 1e9 ? Math.max(0, value * 1000 - now) : value * 1000;
  }
  return undefined;
}

/**
 * The wait before retry number `attempt` (0 for the first retry): what the server asked for, else
 * exponential backoff with full jitter up to `maxRetryInterval`. Undefined when the server asks for
 * a longer wait than `maxRetryInterval`: retrying sooner would only fail again, so the error is
 * better handed to the caller at once (it carries the headers).
 */
export function retryDelayMs(
  attempt: number,
  error: unknown,
  policy: RetryPolicy,
  random = Math.random,
): number | undefined {
  const cap = policy.maxRetryInterval * 1000;
  const asked = error instanceof ApiError ? serverDelayMs(error.headers) : undefined;
  if (asked !== undefined) return asked <= cap ? asked : undefined;
  return Math.floor(random() * Math.min(cap, BASE_DELAY_MS * 2 ** attempt));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError('aborted while waiting'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError('aborted while waiting'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries are spent.
 * `replayable` is false for bodies that can only be sent once (streams).
 */
export function withRetries<T>(
  policy: RetryPolicy,
  method: string,
  replayable: boolean,
  signal: AbortSignal | undefined,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  // The first attempt is the call itself (no async wrapper around it): most calls need no retry.
  let first: Promise<T>;
  try {
    first = attempt(0);
  } catch (err) {
    first = Promise.reject(err); // callers get a rejected promise, never a throw
  }
  if (!policy.enabled || !replayable || policy.maxRetries <= 0) return first;
  return first.catch((error) => retry(policy, method, signal, attempt, error));
}

async function retry<T>(
  policy: RetryPolicy,
  method: string,
  signal: AbortSignal | undefined,
  attempt: (n: number) => Promise<T>,
  firstError: unknown,
): Promise<T> {
  let error = firstError;
  for (let n = 0; ; n++) {
    const delay =
      n < policy.maxRetries && isRetryable(method, error) ? retryDelayMs(n, error, policy) : undefined;
    if (delay === undefined) throw error;
    await sleep(delay, signal);
    try {
      return await attempt(n + 1);
    } catch (err) {
      error = err;
    }
  }
}
