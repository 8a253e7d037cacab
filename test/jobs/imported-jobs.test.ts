import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newProject } from '../projects/projects-fixtures.ts';
import { createJob, createScript, eventually, logsOf, startRun, waitForRun, ended } from './helpers.ts';
import type { Container } from './helpers.ts';

let s: TestServer;
const project = (id: string): Container => ({ kind: 'project', id, q: `project_id=${id}` });

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

/** Exports every asset of a project and returns the zip. */
async function exportAll(source: Container): Promise<Buffer> {
  const started = await s.call('POST', `/v2/asset_exports?${source.q}`, {
    body: { name: 'jobs', assets: { all_assets: true } },
  });
  expect(started.status, started.text).toBe(200);
  const id = started.body.metadata.id;
  await eventually(
    async () =>
      (await s.call('GET', `/v2/asset_exports/${id}?${source.q}`)).body.entity.status.state === 'completed',
    60_000,
    'the export',
  );
  const res = await fetch(`${s.url}/v2/asset_exports/${id}/content?${source.q}`, {
    headers: { authorization: `Bearer ${s.adminToken}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('jobs that arrive by an asset import', () => {
  it('list, run with their remapped script, and give up a serving name already in use', async () => {
    const source = project(await newProject(s, s.adminToken));
    const script = await createScript(s, s.adminToken, source, 'print("imported hello")\n');
    const job = await createJob(s, s.adminToken, source, { asset_ref: script, serving_name: 'imported_job' });

    const target = project(await newProject(s, s.adminToken));
    const zip = await exportAll(source);
    const res = await fetch(`${s.url}/v2/asset_imports?${target.q}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/zip' },
      body: zip,
    });
    expect(res.status).toBe(200);
    const importId = ((await res.json()) as any).metadata.id;
    await eventually(
      async () =>
        (await s.call('GET', `/v2/asset_imports/${importId}?${target.q}`)).body.entity.status.state ===
        'completed',
      60_000,
      'the import',
    );

    const list = await s.call('GET', `/v2/jobs?${target.q}`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.results.length).toBeGreaterThanOrEqual(1);
    const copy = list.body.results[0];
    const copyId = copy.metadata.asset_id;
    expect(copyId).not.toBe(job.metadata.asset_id);
    expect(copy.entity.job.asset_ref).not.toBe(script);
    const scripts = await s.call('POST', `/v2/asset_types/script/search?${target.q}`, {
      body: { query: '*:*' },
    });
    expect(scripts.body.results.map((r: any) => r.metadata.asset_id)).toContain(copy.entity.job.asset_ref);

    // The serving name stays with the job that had it first.
    const byName = await s.call('GET', `/v2/jobs/imported_job?${source.q}`);
    expect(byName.status, byName.text).toBe(200);
    expect(byName.body.metadata.asset_id).toBe(job.metadata.asset_id);
    expect((await s.call('GET', `/v2/jobs/imported_job?${target.q}`)).status).toBe(404);

    const runId = await startRun(s, s.adminToken, target, copyId);
    const run = await waitForRun(s, s.adminToken, target, copyId, runId, ended, 60_000);
    expect(run.state).toBe('Completed');
    expect((await logsOf(s, s.adminToken, target, copyId, runId)).results).toEqual(['imported hello']);
  });
});
