import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { CE, activeProject, startCodeEngineServer } from './helpers.ts';

/** The operations of this part of the API (apps, jobs, builds and functions live elsewhere). */
const OTHER_AREAS = /\/(apps|jobs|job_runs|builds|build_runs|functions|function_runtimes)\b/;

const BODIES: unknown[] = [
  null,
  [],
  'text',
  42,
  {},
  { name: null },
  { name: 'nul\u0000name', format: 'generic', data: { k: 'v\u0000' } },
  { name: 'x'.repeat(300) },
  {
    name: 'ok-name',
    format: 'tls',
    data: { tls_cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', tls_key: 'k' },
  },
  { name: 'ok-name', format: 'ssh_auth', data: { ssh_key: '' } },
  { name: 'ok-name', type: 'cidr_block', cidr_block: '1.2.3.4/99' },
  {
    name: 'ok-name',
    component: { name: '', resource_type: '' },
    prefix: '',
    secret_name: '',
    tls_secret: '',
  },
  {
    name: 'ok-name',
    storage_type: 'object_storage',
    data: { bucket_location: 'eu', bucket_name: '', secret_name: '' },
  },
  { cidr_block: {}, isolation_policy: 5 },
  { data: { ['k'.repeat(300)]: 'v' } },
  { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } },
];
const QUERIES = ['', '?limit=-1', '?limit=1e3', '?start=%00', '?version=2024-02-31', '?format=tls&limit=1'];
const NAMES = [
  'x',
  '%00',
  'a%00b',
  'UPPER',
  '%20',
  '..',
  'a'.repeat(400),
  encodeURIComponent('a/b'),
  encodeURIComponent('ü'),
];

let s: TestServer;
let projectId: string;

beforeAll(async () => {
  s = await startCodeEngineServer();
  projectId = (await activeProject(s, 'fuzz-project')).id;
});
afterAll(() => s.close());

describe('Code Engine: malformed requests never answer 5xx', () => {
  it('every operation, odd bodies, names and queries', async () => {
    const ops = s.built.ctx.codeEngineContract.operations().filter((op) => !OTHER_AREAS.test(op.path));
    expect(ops.length).toBe(34);
    let calls = 0;
    for (const op of ops) {
      for (const name of NAMES) {
        const path = op.path.replace('{project_id}', projectId).replace('{id}', name).replace('{name}', name);
        for (const query of QUERIES) {
          const bodies = ['POST', 'PUT', 'PATCH'].includes(op.method) ? BODIES : [undefined];
          for (const body of bodies) {
            const contentType = op.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
            const res = await s.call(op.method, `${CE}${path}${query}`, {
              body,
              contentType,
              headers: op.method === 'PUT' || op.method === 'PATCH' ? { 'if-match': '*' } : {},
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
  }, 120_000);
});
