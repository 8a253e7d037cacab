import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { expectErrorShape } from '../helpers/error-shapes.ts';
import type { Container } from '../assets/helpers.ts';

export { createWorld, type Container, type World } from '../assets/helpers.ts';

/** Asserts the jobs error body `{code, message}` with `status`. */
export function expectJobsError(res: { status: number; body: any; text: string }, status: number) {
  expect(res.status, res.text).toBe(status);
  expectErrorShape('jobs', status, res.body);
}

/**
 * A `script` asset whose attachment holds `code`, through the asset API (create, attachment,
 * upload, complete). `language` goes to entity.script.language.name.
 */
export async function createScript(
  s: TestServer,
  token: string,
  c: Container,
  code: string,
  language = 'python3',
): Promise<string> {
  const asset = await s.call('POST', `/v2/assets?${c.q}`, {
    token,
    body: {
      metadata: { name: 'script', asset_type: 'script' },
      entity: { script: { language: { name: language } } },
    },
  });
  expect(asset.status, asset.text).toBe(201);
  const id = asset.body.metadata.asset_id as string;
  const att = await s.call('POST', `/v2/assets/${id}/attachments?${c.q}`, {
    token,
    body: { asset_type: 'script', name: language === 'python3' ? 'main.py' : 'main.sh', mime: 'text/plain' },
  });
  expect(att.status, att.text).toBe(201);
  const put = await fetch(att.body.url1, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: code,
  });
  expect(put.status, await put.text()).toBeLessThan(300);
  const done = await s.call(
    'POST',
    `/v2/assets/${id}/attachments/${att.body.attachment_id}/complete?${c.q}`,
    {
      token,
    },
  );
  expect(done.status, done.text).toBe(200);
  return id;
}

/** Creates a job (201) and returns its body. */
export async function createJob(s: TestServer, token: string, c: Container, job: Record<string, unknown>) {
  const res = await s.call('POST', `/v2/jobs?${c.q}`, { token, body: { job: { name: 'job', ...job } } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Starts a run (201) and returns its id. */
export async function startRun(
  s: TestServer,
  token: string,
  c: Container,
  jobId: string,
  jobRun: Record<string, unknown> = {},
): Promise<string> {
  const res = await s.call('POST', `/v2/jobs/${jobId}/runs?${c.q}`, { token, body: { job_run: jobRun } });
  expect(res.status, res.text).toBe(201);
  return res.body.asset_id;
}

export async function getRun(s: TestServer, token: string, c: Container, jobId: string, runId: string) {
  const res = await s.call('GET', `/v2/jobs/${jobId}/runs/${runId}?${c.q}`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body.entity.job_run;
}

/** Polls a run until `done(run)` holds (at most `ms`). */
export async function waitForRun(
  s: TestServer,
  token: string,
  c: Container,
  jobId: string,
  runId: string,
  done: (run: any) => boolean,
  ms = 30_000,
) {
  const until = Date.now() + ms;
  for (;;) {
    const run = await getRun(s, token, c, jobId, runId);
    if (done(run)) return run;
    if (Date.now() > until) throw new Error(`run ${runId} still ${run.state}: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const FINAL = ['Completed', 'Failed', 'Canceled'];
export const ended = (run: any) => FINAL.includes(run.state);

/** Log lines of a run (all, or a page). */
export async function logsOf(
  s: TestServer,
  token: string,
  c: Container,
  jobId: string,
  runId: string,
  query = '',
) {
  const res = await s.call('GET', `/v2/jobs/${jobId}/runs/${runId}/logs?${c.q}${query}`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body as { results: string[]; total_count: number };
}

/** Waits until `check` is true (polling, at most `ms`). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 20_000, what = 'condition') {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
