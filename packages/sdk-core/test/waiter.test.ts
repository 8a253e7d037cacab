import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  NoAuthAuthenticator,
  WaiterFailedError,
  WaiterTimeoutError,
  waitUntil,
} from '../src/index.ts';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

let server: ScriptedServer;
let service: TestService;
beforeAll(async () => {
  server = await startScriptedServer();
  service = new TestService({ authenticator: new NoAuthAuthenticator(), serviceUrl: server.url });
});
afterAll(() => server.close());

/** A run that goes through `states`, one per poll, staying on the last. */
function runThrough(states: string[]) {
  let n = 0;
  server.requests.length = 0;
  server.handle((_req, res) => json(res, 200, { state: states[Math.min(n++, states.length - 1)] }));
}
const poll = async () => (await service.get('/run')).result as { state: string };

describe('waitUntil', () => {
  it('polls with growing delays until done, reporting progress', async () => {
    runThrough(['queued', 'running', 'running', 'completed']);
    const progress: [string, number][] = [];
    const times: number[] = [];
    const final = await waitUntil({
      poll: async () => {
        times.push(Date.now());
        return poll();
      },
      done: (r) => r.state === 'completed',
      failed: (r) => (r.state === 'failed' ? 'the run failed' : undefined),
      initialDelayMs: 40,
      maxDelayMs: 1000,
      onProgress: (r, attempt) => progress.push([r.state, attempt]),
    });
    expect(final).toEqual({ state: 'completed' });
    expect(progress).toEqual([
      ['queued', 1],
      ['running', 2],
      ['running', 3],
      ['completed', 4],
    ]);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(85); // 40, 60, 90 ms: the delay grows by half each time
  });

  it('rejects with WaiterFailedError when the work fails', async () => {
    runThrough(['running', 'failed']);
    const err = await waitUntil({
      poll,
      done: (r) => r.state === 'completed',
      failed: (r) => (r.state === 'failed' ? 'the run failed' : undefined),
      initialDelayMs: 10,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(WaiterFailedError);
    expect(err.value).toEqual({ state: 'failed' });
  });

  it('rejects with WaiterTimeoutError at the deadline, with the last value', async () => {
    runThrough(['running']);
    const started = Date.now();
    const err = await waitUntil({
      poll,
      done: () => false,
      timeoutMs: 200,
      initialDelayMs: 30,
      maxDelayMs: 60,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(WaiterTimeoutError);
    expect(err.lastValue).toEqual({ state: 'running' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests.length).toBeGreaterThan(2);
  });

  it('stops when its signal aborts', async () => {
    runThrough(['running']);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(
      waitUntil({ poll, done: () => false, initialDelayMs: 30, signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortError);
  });
});
