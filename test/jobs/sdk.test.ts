import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  BadRequestError,
  CommonCoreV2,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../../packages/common-core-sdk/src/index.ts';
import { clientFor, rejection } from '../../packages/common-core-sdk/test/helpers.ts';
import { createScript, createWorld, eventually, type World } from './helpers.ts';

let s: TestServer;
let w: World;
let editor: CommonCoreV2;
let viewer: CommonCoreV2;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  editor = clientFor(s, w.editor.apikey);
  viewer = clientFor(s, w.viewer.apikey);
});
afterAll(async () => s?.close());

describe('jobs and runs through the SDK (CommonCoreV2)', () => {
  it('covers the 14 operations', async () => {
    const projectId = w.containers.project.id;
    const code =
      'import os, time\nprint("sdk", os.environ["WHO"], flush=True)\ntime.sleep(float(os.environ.get("NAP", "0")))\n';
    const script = await createScript(s, w.editor.token, w.containers.project, code);
    const servingName = `sdk_${Date.now()}`;

    const free = await viewer.checkJobServingName({ servingName });
    expect(free.result.results).toEqual(['serving_name does not exist in DB']);

    const created = await editor.createJob({
      projectId,
      job: {
        name: 'SDK job',
        asset_ref: script,
        serving_name: servingName,
        job_parameters: [{ name: 'WHO', value: 'me' }],
      },
    });
    expect(created.status).toBe(201);
    const jobId = created.result.asset_id!;

    expect((await viewer.getJob({ projectId, jobId: servingName })).result.metadata.asset_id).toBe(jobId);
    const listed = await viewer.listJobs({ projectId, assetRef: script });
    expect(listed.result.results.map((j) => j.metadata.asset_id)).toEqual([jobId]);
    const all = [];
    for await (const j of new CommonCoreV2.JobsPager(viewer, { projectId, limit: 1 })) all.push(j);
    expect(all.map((j) => j.metadata.asset_id)).toContain(jobId);

    const updated = await editor.updateJob({
      projectId,
      jobId,
      jsonPatch: [{ op: 'replace', path: '/metadata/name', value: 'SDK job 2' }],
    });
    expect(updated.result.metadata.name).toBe('SDK job 2');

    // a run to completion, with its logs
    const run = await editor.createJobRun({ projectId, jobId, jobRun: { name: 'first' } });
    expect(run.status).toBe(201);
    const runId = run.result.asset_id!;
    await eventually(
      async () =>
        (await viewer.getJobRun({ projectId, jobId, runId })).result.entity.job_run.state === 'Completed',
    );
    const logs = await viewer.getJobRunLogs({ projectId, jobId, runId, limit: 10 });
    expect(logs.result).toEqual({ results: ['sdk me'], total_count: 1 });
    const runs = await viewer.listJobRuns({ projectId, jobId, states: 'Completed' });
    expect(runs.result.results.map((r) => r.asset_id)).toEqual([runId]);

    // a long run: pause, resume, cancel
    const long = await editor.createJobRun({
      projectId,
      jobId,
      jobRun: { configuration: { env_variables: ['NAP=120'] } },
    });
    const longId = long.result.asset_id!;
    const state = async () =>
      (await viewer.getJobRun({ projectId, jobId, runId: longId })).result.entity.job_run.state;
    await eventually(async () => (await state()) === 'Running');
    expect((await editor.pauseJobRun({ projectId, jobId, runId: longId })).status).toBe(204);
    expect(await state()).toBe('Paused');
    expect((await editor.resumeJobRun({ projectId, jobId, runId: longId })).status).toBe(204);
    expect(await state()).toBe('Running');
    // not deletable while running
    expect(await rejection(editor.deleteJobRun({ projectId, jobId, runId: longId }))).toBeInstanceOf(
      ConflictError,
    );
    expect((await editor.cancelJobRun({ projectId, jobId, runId: longId })).status).toBe(204);
    await eventually(async () => (await state()) === 'Canceled');

    // errors are typed
    expect(await rejection(viewer.createJobRun({ projectId, jobId, jobRun: {} }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(await rejection(viewer.getJobRun({ projectId, jobId, runId: script }))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejection(viewer.checkJobServingName({ servingName: 'bad-name' }))).toBeInstanceOf(
      BadRequestError,
    );

    expect((await editor.deleteJobRun({ projectId, jobId, runId })).status).toBe(204);
    expect((await editor.deleteJob({ projectId, jobId })).status).toBe(204);
    expect(await rejection(viewer.getJob({ projectId, jobId }))).toBeInstanceOf(NotFoundError);
  }, 120_000);
});
