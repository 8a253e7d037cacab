// The migration guide's examples (packages/code-engine-sdk/README.md, "Migrating from IBM's SDKs"),
// run in order as one program against a real server, in a project holding what they refer to.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CE, VERSION, activeProject, startCodeEngineServer } from '../code-engine/helpers.ts';
import type { TestServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'packages/code-engine-sdk/README.md'), 'utf8');
const guide = README.slice(README.indexOf("## Migrating from IBM's SDKs"));
const examples = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

let s: TestServer;
let p: string;
let dir: string;
beforeAll(async () => {
  s = await startCodeEngineServer();
  const project = await activeProject(s, 'migration');
  p = `${CE}/projects/${project.id}`;
  const setup = [
    ['secrets', { name: 'greeting', format: 'generic', data: { GREETING: 'hello' } }],
    ['secrets', { name: 'hmac', format: 'hmac_auth', data: { access_key_id: 'a', secret_access_key: 'b' } }],
    ['apps', { name: 'hello', image_reference: 'icr.io/codeengine/helloworld' }],
  ] as const;
  for (const [kind, body] of setup) expect((await s.call('POST', `${p}/${kind}`, { body })).status).toBe(201);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-migration-'));
  const sdk = path.join(ROOT, 'packages/code-engine-sdk/src/index.ts');
  const program = [
    `import { CodeEngineV2, IamAuthenticator, waitForAllowedOutboundDestinationReady } from ${JSON.stringify(sdk)};`,
    `const ce = new CodeEngineV2({`,
    `  authenticator: new IamAuthenticator({ apikey: process.env.CE_APIKEY!, url: process.env.CE_URL! }),`,
    `  serviceUrl: process.env.CE_URL + '/codeengine/v2',`,
    `  version: '${VERSION}',`,
    `});`,
    `const projectId = ${JSON.stringify(project.id)};`,
    ...examples,
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'migration.mts'), program);
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await s?.close();
});

describe("the migration guide's examples", () => {
  it('run in order against the server and leave what they say', async () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(dir, 'migration.mts')],
      {
        cwd: ROOT,
        env: { ...process.env, CE_URL: s.url, CE_APIKEY: s.adminKey },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('ready');

    const get = async (what: string) => (await s.call('GET', `${p}/${what}`)).body;
    expect((await get('allowed_outbound_destinations/allow-egress')).cidr_block).toBe('10.0.1.0/24');
    expect((await get('allowed_outbound_destinations/pps-to-service-x')).isolation_policy).toBe('dedicated');
    expect((await get('apps/probed')).probe_readiness).toMatchObject({ type: 'http', path: '/', port: 8080 });
    expect((await get('secrets/greeting')).data).toEqual({ GREETING: 'hi' });
    expect((await get('jobs/mounted')).run_volume_mounts).toEqual([
      expect.objectContaining({ type: 'secret', reference: 'greeting', mount_path: '/etc/greeting' }),
    ]);
    expect((await get('persistent_data_stores/store')).data.bucket_location).toBe('eu-de');
  }, 90_000);
});
