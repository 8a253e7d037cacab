// The common core waiters against a real local HTTP server that scripts the states each poll
// sees: the operation and parameters they poll, when they stop, fail, time out and abort.
// End-to-end waits against our server are in the tests of each area.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  json,
  startScriptedServer,
  type ScriptedServer,
} from '../../sdk-core/test/helpers/scripted-server.ts';
import {
  AbortError,
  CommonCoreV2,
  NoAuthAuthenticator,
  WaiterFailedError,
  WaiterTimeoutError,
  waitForAssetExport,
  waitForAssetImport,
  waitForContainerArchived,
  waitForContainerRestored,
  waitForJobRunCompleted,
  waitForSpaceActive,
  waitForTransaction,
} from '../src/index.ts';

let server: ScriptedServer;
let service: CommonCoreV2;
beforeAll(async () => {
  server = await startScriptedServer();
  service = new CommonCoreV2({ authenticator: new NoAuthAuthenticator(), serviceUrl: server.url });
});
afterAll(() => server.close());

/** Answers every poll with the next body of `bodies`, staying on the last. */
function script(bodies: unknown[]) {
  let n = 0;
  server.requests.length = 0;
  server.handle((_req, res) => json(res, 200, bodies[Math.min(n++, bodies.length - 1)]));
}
const fast = { initialDelayMs: 5, maxDelayMs: 20 };
const polled = () => server.requests.map((r) => `${r.method} ${r.url}`);

const space = (state: string) => ({ metadata: { id: 's1' }, entity: { status: { state } } });
const transfer = (state: string) => ({ metadata: { id: 'x1' }, entity: { status: { state } } });
const run = (state: string) => ({ metadata: { asset_id: 'r1' }, entity: { job_run: { state } } });

describe('common core waiters', () => {
  it('waitForSpaceActive polls getSpace until active, reporting each state', async () => {
    script([space('preparing'), space('preparing'), space('active')]);
    const seen: [string, number][] = [];
    const final = await waitForSpaceActive(service, {
      spaceId: 's1',
      ...fast,
      onProgress: (s, n) => seen.push([s.entity!.status!.state!, n]),
    });
    expect(final.entity?.status?.state).toBe('active');
    expect(seen).toEqual([
      ['preparing', 1],
      ['preparing', 2],
      ['active', 3],
    ]);
    expect(new Set(polled())).toEqual(new Set(['GET /v2/spaces/s1']));
  });

  it('waitForSpaceActive rejects with the failure when the space fails', async () => {
    script([space('preparing'), { entity: { status: { state: 'failed', failure: { trace: 't-9' } } } }]);
    const err = await waitForSpaceActive(service, { spaceId: 's1', ...fast }).catch((e) => e);
    expect(err).toBeInstanceOf(WaiterFailedError);
    expect(err.message).toContain('t-9');
  });

  it('waitForTransaction resolves on succeeded and rejects on failed', async () => {
    script([{ status: 'running' }, { status: 'succeeded', detail: { assets: { total: 2 } } }]);
    const done = await waitForTransaction(service, { projectId: 'p1', transactionId: 't1', ...fast });
    expect(done.status).toBe('succeeded');
    expect(new Set(polled())).toEqual(new Set(['GET /transactional/v2/projects/p1/transactions/t1']));

    script([{ status: 'running' }, { status: 'failed' }]);
    await expect(
      waitForTransaction(service, { projectId: 'p1', transactionId: 't1', ...fast }),
    ).rejects.toBeInstanceOf(WaiterFailedError);
  });

  it('waitForAssetExport and waitForAssetImport poll their operation in the given container', async () => {
    script([transfer('pending'), transfer('running'), transfer('completed')]);
    await waitForAssetExport(service, { exportId: 'e1', projectId: 'p1', ...fast });
    expect(new Set(polled())).toEqual(new Set(['GET /v2/asset_exports/e1?project_id=p1']));

    script([transfer('running'), transfer('completed')]);
    await waitForAssetImport(service, { importId: 'i1', spaceId: 's1', ...fast });
    expect(new Set(polled())).toEqual(new Set(['GET /v2/asset_imports/i1?space_id=s1']));

    script([transfer('running'), transfer('failed')]);
    const err = await waitForAssetImport(service, { importId: 'i1', spaceId: 's1', ...fast }).catch((e) => e);
    expect(err).toBeInstanceOf(WaiterFailedError);
    expect(err.value.entity.status.state).toBe('failed');
  });

  it('waitForJobRunCompleted accepts every finished state and rejects Failed and Canceled', async () => {
    for (const final of ['Completed', 'CompletedWithWarnings', 'CompletedWithErrors']) {
      script([run('Queued'), run('Running'), run(final)]);
      const r = await waitForJobRunCompleted(service, { jobId: 'j1', runId: 'r1', projectId: 'p1', ...fast });
      expect(r.entity.job_run.state).toBe(final);
    }
    expect(new Set(polled())).toEqual(new Set(['GET /v2/jobs/j1/runs/r1?project_id=p1']));
    for (const final of ['Failed', 'Canceled']) {
      script([run('Running'), run(final)]);
      const err = await waitForJobRunCompleted(service, {
        jobId: 'j1',
        runId: 'r1',
        projectId: 'p1',
        ...fast,
      }).catch((e) => e);
      expect(err).toBeInstanceOf(WaiterFailedError);
      expect(err.message).toContain(final.toLowerCase());
    }
  });

  it('waitForContainerArchived and waitForContainerRestored read the archive information', async () => {
    script([{ state: 'archiving' }, { state: 'archived' }]);
    await waitForContainerArchived(service, { projectId: 'p1', ...fast });
    expect(new Set(polled())).toEqual(new Set(['GET /v2/asset_containers/archive_info?project_id=p1']));

    script([{ status: { state: 'restoring' } }, { status: { state: 'restored' } }]);
    const info = await waitForContainerRestored(service, { catalogId: 'c1', ...fast });
    expect(info).toEqual({ status: { state: 'restored' } });

    script([{ archive_status: 'archiving' }, { archive_status: 'archive_failed' }]);
    await expect(waitForContainerArchived(service, { spaceId: 's1', ...fast })).rejects.toBeInstanceOf(
      WaiterFailedError,
    );
  });

  it('gives up at the timeout with the last state seen, with growing delays between polls', async () => {
    script([transfer('running')]);
    const started = Date.now();
    const err = await waitForAssetExport(service, {
      exportId: 'e1',
      projectId: 'p1',
      timeoutMs: 300,
      initialDelayMs: 20,
      maxDelayMs: 80,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(WaiterTimeoutError);
    expect(err.lastValue.entity.status.state).toBe('running');
    expect(Date.now() - started).toBeLessThan(2000);
    // 20, 30, 45, 68, 80... ms between polls: far fewer polls than 300 / 20.
    expect(server.requests.length).toBeGreaterThan(2);
    expect(server.requests.length).toBeLessThan(15);
  });

  it('stops as soon as its AbortSignal aborts, while waiting between polls', async () => {
    script([space('preparing')]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 80);
    const started = Date.now();
    await expect(
      waitForSpaceActive(service, { spaceId: 's1', initialDelayMs: 10_000, signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('passes errors of the polled operation through, typed', async () => {
    server.handle((_req, res) =>
      json(res, 404, { trace: 't-1', errors: [{ code: 'does_not_exist', message: 'no such space' }] }),
    );
    const err = await waitForSpaceActive(service, { spaceId: 'nope', ...fast }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.message).toContain('no such space');
  });
});
