import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { CE, activeProject, startCodeEngineServer } from './helpers.ts';

/** Apps, revisions, instances, builds, build runs, jobs, job runs, functions and runtimes. */
const WORKLOADS = /\/(apps|jobs|job_runs|builds|build_runs|functions|function_runtimes)\b/;

const BODIES: unknown[] = [
  null,
  [],
  'text',
  {},
  { name: null },
  { name: 'x'.repeat(300), image_reference: 'nginx' },
  { name: 'ok-name', image_reference: 'nginx\u0000' },
  { name: 'ok-name', image_reference: 'nginx', scale_array_spec: '0-99999999999999999999' },
  { name: 'ok-name', image_reference: 'nginx', scale_array_spec: '9999999-0' },
  { name: 'ok-name', image_reference: 'nginx', scale_cpu_limit: '1e400', scale_memory_limit: '0.0000001M' },
  { name: 'ok-name', image_reference: 'nginx', run_env_variables: [{}, { type: 'secret_key_reference' }] },
  {
    name: 'ok-name',
    image_reference: 'nginx',
    run_volume_mounts: [{ type: 'persistent_data_store', reference: 'x', mount_path: '/' }],
  },
  { name: 'ok-name', image_reference: 'nginx', probe_liveness: { type: 'http', port: 0, path: '' } },
  { name: 'ok-name', image_reference: 'nginx', scale_min_instances: -1, scale_max_instances: 2 ** 40 },
  { name: 'ok-name', runtime: 'nodejs-20', code_reference: 'data:;base64,' },
  { name: 'ok-name', runtime: 'nodejs-20', code_reference: 'data:text/plain;base64,' + '='.repeat(8) },
  {
    name: 'ok-name',
    output_image: 'a',
    output_secret: 'b',
    strategy_type: 'dockerfile',
    source_url: 'ftp://x',
  },
  { build_name: 'fz', source_type: 'local', source_url: 'https://x/y', timeout: -5 },
  { job_name: 'fz', scale_array_size_variable_override: 0 },
  { job_name: 'fz', run_mode: 'daemon', scale_array_spec: '' },
  { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } },
];
const QUERIES = ['', '?limit=-1', '?start=%00', '?version=2024-02-31', '?job_name=%00&build_name=x&limit=1'];
const NAMES = ['fz', 'x', '%00', 'UPPER', '..', 'a'.repeat(400), encodeURIComponent('a/b'), 'fz-00001'];

let s: TestServer;
let projectId: string;

beforeAll(async () => {
  s = await startCodeEngineServer();
  projectId = (await activeProject(s, 'workload-fuzz')).id;
  const p = `${CE}/projects/${projectId}`;
  // Existing resources named `fz`, so requests reach the checks past the lookups.
  await s.call('POST', `${p}/secrets`, {
    body: { name: 'push', format: 'registry', data: { server: 'icr.io', username: 'u', password: 'p' } },
  });
  const created = await Promise.all([
    s.call('POST', `${p}/apps`, { body: { name: 'fz', image_reference: 'nginx' } }),
    s.call('POST', `${p}/jobs`, { body: { name: 'fz', image_reference: 'nginx' } }),
    s.call('POST', `${p}/functions`, {
      body: { name: 'fz', runtime: 'nodejs-20', code_reference: 'icr.io/a/b' },
    }),
    s.call('POST', `${p}/builds`, {
      body: {
        name: 'fz',
        output_image: 'icr.io/a/b',
        output_secret: 'push',
        strategy_type: 'dockerfile',
        source_url: 'https://x/y',
      },
    }),
  ]);
  expect(created.map((r) => r.status)).toEqual([201, 201, 201, 201]);
});
afterAll(() => s.close());

describe('Code Engine workloads: malformed requests never answer 5xx', () => {
  it('every operation, odd bodies, names and queries', async () => {
    const ops = s.built.ctx.codeEngineContract.operations().filter((op) => WORKLOADS.test(op.path));
    expect(ops.length).toBe(33);
    let calls = 0;
    for (const op of ops) {
      for (const name of NAMES) {
        const path = op.path
          .replace('{project_id}', projectId)
          .replace('{app_name}', name)
          .replace('{name}', name);
        for (const query of QUERIES) {
          const bodies = ['POST', 'PUT', 'PATCH'].includes(op.method) ? BODIES : [undefined];
          for (const body of bodies) {
            const res = await s.call(op.method, `${CE}${path}${query}`, {
              body,
              contentType: op.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
              headers: op.method === 'PATCH' ? { 'if-match': '*' } : {},
            });
            calls++;
            expect(
              res.status,
              `${op.method} ${path}${query} ${JSON.stringify(body)}: ${res.text}`,
            ).toBeLessThan(500);
            if (res.status >= 400) expect(res.body.status_code).toBe(res.status);
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(1000);
  }, 180_000);
});
