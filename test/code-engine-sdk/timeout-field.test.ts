// `timeout` is a field of builds and build runs (seconds, IBM's parameter name) and also the name of
// the SDK's per-call request timeout (milliseconds). In createBuild, updateBuild and createBuildRun it
// must reach the body only: `timeout: 1` is a one-second build, not a request cut off after 1 ms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeEngineV2, IamAuthenticator, TimeoutError } from '../../packages/code-engine-sdk/src/index.ts';
import { VERSION, activeProject, startCodeEngineServer } from '../code-engine/helpers.ts';
import type { TestServer } from '../helpers/server.ts';

let s: TestServer;
let projectId: string;
const client = (timeout?: number) =>
  new CodeEngineV2({
    authenticator: new IamAuthenticator({ apikey: s.adminKey, url: s.url }),
    serviceUrl: `${s.url}/codeengine/v2`,
    version: VERSION,
    retries: false,
    timeout,
  });

beforeAll(async () => {
  s = await startCodeEngineServer();
  projectId = (await activeProject(s, 'timeout-field')).id;
  await client().createSecret({
    projectId,
    name: 'push',
    format: 'registry',
    data: { server: 'us.icr.io', username: 'iamapikey', password: 'x' },
  });
});
afterAll(async () => s?.close());

describe('the build `timeout` field', () => {
  it('is sent in the body of createBuild, updateBuild and createBuildRun, never used as the request timeout', async () => {
    const ce = client();
    const build = {
      projectId,
      outputImage: 'us.icr.io/ns/app:latest',
      outputSecret: 'push',
      strategyType: 'dockerfile',
      sourceUrl: 'https://github.com/IBM/CodeEngine',
    };
    const created = await ce.createBuild({ ...build, name: 'quick', timeout: 1 });
    expect(created.result.timeout).toBe(1);
    const updated = await ce.updateBuild({ projectId, name: 'quick', ifMatch: '*', timeout: 2 });
    expect(updated.result.timeout).toBe(2);
    const run = await ce.createBuildRun({ projectId, buildName: 'quick', timeout: 1 });
    expect(run.result.timeout).toBe(1);
    expect((await ce.getBuild({ projectId, name: 'quick' })).result.timeout).toBe(2);
  });

  it('leaves the request timeout to the service option in those methods, and per call elsewhere', async () => {
    // A 1 ms service timeout cuts every request off, whatever the build's timeout says.
    const hasty = client(1);
    await expect(
      hasty.createBuildRun({ projectId, buildName: 'quick', timeout: 600 }),
    ).rejects.toBeInstanceOf(TimeoutError);
    // Methods without a `timeout` field keep the per-call option.
    await expect(client().getBuild({ projectId, name: 'quick', timeout: 1 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
  });
});
