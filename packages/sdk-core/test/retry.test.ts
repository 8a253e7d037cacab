import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, InternalServerError, NoAuthAuthenticator, RateLimitError } from '../src/index.ts';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs, serverDelayMs } from '../src/http/retry.ts';
import { errorFromResponse } from '../src/errors/errors.ts';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

/** Fails `failures` times with `status` (and headers), then answers 200. */
function failThenSucceed(failures: number, status: number, headers: Record<string, string> = {}) {
  let n = 0;
  server.requests.length = 0;
  server.handle((req, res) => {
    if (n++ < failures) {
      if (status === 0) return req.socket.destroy();
      return json(res, status, { code: String(status), message: 'try later' }, headers);
    }
    json(res, 200, { ok: true, attempts: n });
  });
}

const fast = (extra: object = {}) =>
  new TestService({
    authenticator: new NoAuthAuthenticator(),
    serviceUrl: server.url,
    retries: { maxRetryInterval: 0.02 },
    ...extra,
  });

describe('retries', () => {
  for (const status of [429, 502, 503, 504])
    it(`retries an idempotent request on ${status}`, async () => {
      failThenSucceed(2, status);
      const res = await fast().get('/r');
      expect(res.result).toEqual({ ok: true, attempts: 3 });
      expect(server.requests).toHaveLength(3);
    });

  it('retries on a dropped connection', async () => {
    failThenSucceed(1, 0);
    expect((await fast().get('/r')).status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry POST, nor 500, nor 4xx other than 429', async () => {
    failThenSucceed(1, 503);
    await expect(fast().call({ options: { url: '/p', method: 'POST', body: {} } })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(server.requests).toHaveLength(1);
    failThenSucceed(1, 500);
    await expect(fast().get('/r')).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
    failThenSucceed(1, 409);
    await expect(fast().get('/r')).rejects.toMatchObject({ status: 409 });
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after maxRetries (default 4) with the last error', async () => {
    failThenSucceed(100, 503);
    await expect(fast().get('/r')).rejects.toBeInstanceOf(InternalServerError);
    expect(server.requests).toHaveLength(1 + DEFAULT_RETRY_POLICY.maxRetries);
    failThenSucceed(100, 429);
    const s = fast();
    s.enableRetries({ maxRetries: 1, maxRetryInterval: 0.02 });
    await expect(s.get('/r')).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(2);
  });

  it('is off with retries: false or disableRetries()', async () => {
    failThenSucceed(1, 503);
    await expect(fast({ retries: false }).get('/r')).rejects.toBeInstanceOf(InternalServerError);
    expect(server.requests).toHaveLength(1);
    const s = fast();
    s.disableRetries();
    failThenSucceed(1, 0);
    await expect(s.get('/r')).rejects.toBeInstanceOf(ConnectionError);
    expect(server.requests).toHaveLength(1);
  });

  it('honours Retry-After in seconds', async () => {
    failThenSucceed(1, 429, { 'retry-after': '1' });
    const s = fast();
    s.enableRetries({ maxRetryInterval: 30 });
    const started = Date.now();
    await s.get('/r');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('honours X-RateLimit-Reset (an epoch time in seconds) from a real server', async () => {
    // Two seconds ahead, rounded up: the wait is between one and two seconds, not the short backoff.
    const reset = Math.ceil(Date.now() / 1000) + 2;
    failThenSucceed(1, 429, { 'x-ratelimit-reset': String(reset) });
    const s = fast();
    s.enableRetries({ maxRetryInterval: 30 });
    const res = await s.get('/r');
    expect(res.result).toEqual({ ok: true, attempts: 2 });
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000 - 50);
  });

  it('honours Retry-After as an HTTP date and X-RateLimit-Reset', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(serverDelayMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }, now)).toBe(7000);
    expect(serverDelayMs({ 'x-ratelimit-reset': String(now / 1000 + 12) }, now)).toBe(12_000);
    expect(serverDelayMs({ 'x-ratelimit-reset': '3' }, now)).toBe(3000);
    expect(serverDelayMs({}, now)).toBeUndefined();
    const policy = { enabled: true, maxRetries: 4, maxRetryInterval: 5 };
    const limited = errorFromResponse(429, '', { 'retry-after': '60' }, '');
    expect(retryDelayMs(0, limited, policy)).toBeUndefined(); // longer than maxRetryInterval: no retry
  });

  it('fails at once when the server asks for a longer wait than maxRetryInterval', async () => {
    failThenSucceed(1, 429, {
      'retry-after': '3600',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
    });
    const started = Date.now();
    const err = await fast()
      .get('/r')
      .catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.headers['retry-after']).toBe('3600');
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('waits with exponential backoff and full jitter', () => {
    const policy = { enabled: true, maxRetries: 4, maxRetryInterval: 30 };
    const error = errorFromResponse(503, '', {}, '');
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, error, policy, () => 0.999))).toEqual([
      999, 1998, 3996, 7992,
    ]);
    expect(retryDelayMs(10, error, policy, () => 0.5)).toBe(15_000);
    expect(retryDelayMs(3, error, policy, () => 0)).toBe(0);
    expect(isRetryable('GET', new ConnectionError('x'))).toBe(true);
    expect(isRetryable('PATCH', new ConnectionError('x'))).toBe(false);
  });

  it('does not retry a streamed upload (it cannot be sent twice)', async () => {
    failThenSucceed(1, 503);
    async function* body() {
      yield 'data';
    }
    await expect(fast().call({ options: { url: '/u', method: 'PUT', body: body() } })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(server.requests).toHaveLength(1);
  });
});
