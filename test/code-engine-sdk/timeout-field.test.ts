// `timeout` is a field of builds and build runs (seconds, IBM's parameter name) and also the name of
// the SDK's per-call request timeout (milliseconds). The generator gives the name to the parameter:
// `timeout: 1` is a one-second build, and the request timeout goes in the second argument.
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

  it('takes the request timeout of those methods in the second argument, and per call elsewhere in params too', async () => {
    const ce = client();
    // A 1 ms request timeout cuts the call off, whatever the build's own timeout says.
    await expect(
      ce.createBuildRun({ projectId, buildName: 'quick', timeout: 600 }, { timeout: 1 }),
    ).rejects.toBeInstanceOf(TimeoutError);
    // A roomy one lets the same call through, with the build's timeout in the body.
    const run = await ce.createBuildRun({ projectId, buildName: 'quick', timeout: 600 }, { timeout: 30_000 });
    expect(run.result.timeout).toBe(600);
    // The service option still applies to every call.
    await expect(
      client(1).createBuildRun({ projectId, buildName: 'quick', timeout: 600 }),
    ).rejects.toBeInstanceOf(TimeoutError);
    // Methods without a `timeout` parameter take the option in params (IBM style) or the second argument.
    await expect(client().getBuild({ projectId, name: 'quick', timeout: 1 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    await expect(client().getBuild({ projectId, name: 'quick' }, { timeout: 1 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
  });

  it('sends per-call headers and honours a per-call signal given in the second argument', async () => {
    const ce = client();
    // The server answers with the request id it was given.
    const got = await ce.getBuild(
      { projectId, name: 'quick' },
      { headers: { 'X-Request-ID': 'call-options-1' } },
    );
    expect(got.headers['x-request-id']).toBe('call-options-1');
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      ce.createBuildRun({ projectId, buildName: 'quick', timeout: 5 }, { signal: aborted.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
