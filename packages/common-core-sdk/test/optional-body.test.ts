// Calls whose request body is optional, made without one: the SDK sends no body and no
// Content-Type (a Content-Type without a body makes the server answer 400), against the real server.
// A transport that records each request before the real keep-alive transport sends it shows the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { createWorld, type World } from '../../../test/assets/helpers.ts';
import { CommonCoreV2, IamAuthenticator, defaultTransport, type HttpRequest } from '../src/index.ts';
import { idOf, uniqueName } from './helpers.ts';

let s: TestServer;
let w: World;
const sent: HttpRequest[] = [];

function recordingClient(headers?: Record<string, string>): CommonCoreV2 {
  const real = defaultTransport();
  return new CommonCoreV2({
    authenticator: new IamAuthenticator({ apikey: w.admin.apikey, url: s.url }),
    serviceUrl: s.url,
    retries: false,
    headers,
    transport: {
      send: (request) => {
        sent.push(request);
        return real.send(request);
      },
    },
  });
}

/** The last request sent to `path` (without its query). */
const lastTo = (method: string, path: string) =>
  sent.findLast((r) => r.method === method && new URL(r.url).pathname === path)!;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

describe('optional request bodies through the SDK', () => {
  it('archives a catalog without a body: no body and no Content-Type are sent', async () => {
    const sdk = recordingClient();
    const catalogId = w.containers.catalog.id;
    const accepted = await sdk.archiveAssetContainer({ catalogId });
    expect(accepted.status).toBe(202);
    const request = lastTo('POST', '/v2/asset_containers/archive');
    expect(request.body).toBeUndefined();
    expect(request.headers['content-type']).toBeUndefined();
    // With the body given, it is JSON as before (archiving twice is refused: the body still arrived).
    await expect(
      sdk.archiveAssetContainer({ catalogId, assetContainerArchiveRequest: {} }),
    ).rejects.toMatchObject({ status: 400 });
    expect(lastTo('POST', '/v2/asset_containers/archive').headers['content-type']).toBe('application/json');
  });

  it('leaves out an optional body when none of its fields is given', async () => {
    const sdk = recordingClient();
    const created = await sdk.transactionalPostProject({
      name: uniqueName('Optional'),
      generator: 'sdk-tests',
    });
    const projectId = idOf(created.result.location);
    const tagged = await sdk.createProjectTag({ projectId, tagName: 'no-body' });
    expect(tagged.status).toBe(201);
    const request = lastTo('POST', `/v2/projects/${projectId}/tags/no-body`);
    expect(request.body).toBeUndefined();
    expect(request.headers['content-type']).toBeUndefined();
    expect(JSON.stringify((await sdk.listProjectTags({ projectId })).result)).toContain('no-body');

    // A flattened optional body (`job_run`): nothing given, nothing sent. The server validates the
    // body before it looks the job up, so a 404 (not a 400) shows that the call passed validation.
    const jobId = '00000000-0000-4000-8000-0000000000aa';
    await expect(sdk.createJobRun({ projectId, jobId })).rejects.toMatchObject({ status: 404 });
    const run = lastTo('POST', `/v2/jobs/${jobId}/runs`);
    expect(run.body).toBeUndefined();
    expect(run.headers['content-type']).toBeUndefined();
    await expect(sdk.createJobRun({ projectId, jobId, jobRun: { name: 'r' } })).rejects.toMatchObject({
      status: 404,
    });
    expect(lastTo('POST', `/v2/jobs/${jobId}/runs`).body).toBe('{"job_run":{"name":"r"}}');
  });

  it('drops a default Content-Type header on calls without a body (an IBM SDK habit)', async () => {
    const sdk = recordingClient({ 'Content-Type': 'application/json' });
    const created = await sdk.transactionalPostProject({
      name: uniqueName('Header'),
      generator: 'sdk-tests',
    });
    const projectId = idOf(created.result.location);
    await sdk.createProjectTag({ projectId, tagName: 'gone' });
    const deleted = await sdk.deleteProjectTag({ projectId, tagName: 'gone' });
    expect(deleted.status).toBe(204);
    expect(lastTo('DELETE', `/v2/projects/${projectId}/tags/gone`).headers['content-type']).toBeUndefined();
  });
});
