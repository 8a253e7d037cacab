import { ApiError } from './errors.ts';

export type RateCategory = 'query' | 'read' | 'write';

interface Window {
  start: number;
  count: number;
}

const HOUR_MS = 3600_000;

/**
 * Fixed one-hour windows per user and category, kept in this instance's memory: the
 * budget applies per server instance. The seed's 429 bodies name the categories.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: Record<RateCategory, number>) {}

  /** Counts one request; returns the headers to send, or throws the 429. */
  take(subject: { iamId: string; username: string }, category: RateCategory, now = Date.now()) {
    const limit = this.limits[category];
    if (!limit) return undefined;
    const key = `${subject.iamId}\u0000${category}`;
    let w = this.windows.get(key);
    if (!w || now - w.start >= HOUR_MS) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - w.count)),
      'x-ratelimit-reset': String(Math.ceil((w.start + HOUR_MS) / 1000)),
    };
    if (w.count > limit) {
      throw new ApiError(
        429,
        `The number of requests has exceeded the rate limit. Requests: ${w.count}. Limit: ${limit}. ` +
          `Category: ${category}. Subject: ${subject.username} (${subject.iamId}).`,
        {},
        { ...headers, 'retry-after': String(Math.max(1, Math.ceil((w.start + HOUR_MS - now) / 1000))) },
      );
    }
    return headers;
  }
}
