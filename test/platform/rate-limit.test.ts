import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectErrorShape } from '../helpers/error-shapes.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ rateLimits: { query: 3, read: 0, write: 0 } });
});
afterAll(async () => s?.close());

describe('rate limits (operations whose contract documents 429)', () => {
  it('counts per user and category, sends X-RateLimit headers, then answers 429 in the area format', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await s.call('GET', '/v2/projects');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await s.call('GET', '/v2/projects');
    expect(limited.status).toBe(429);
    expectErrorShape('projects', 429, limited.body);
    expect(limited.body.reason).toContain('Category: query');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    // Another user has a budget of their own; a disabled category sends no headers.
    const other = await s.createUser('ratelimit');
    expect((await s.call('GET', '/v2/projects', { token: other.token })).status).toBe(200);
    const health = await s.call('GET', '/health', { token: null });
    expect(health.headers.get('x-ratelimit-limit')).toBeNull();
  });
});
