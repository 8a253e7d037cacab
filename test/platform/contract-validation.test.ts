import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let projectId: string;
beforeAll(async () => {
  s = await startTestServer();
  const created = await s.call('POST', '/transactional/v2/projects', {
    body: { name: 'validation', generator: 'test', storage: { type: 'assetfiles' } },
  });
  projectId = created.body.location.split('/').pop();
});
afterAll(async () => s?.close());

describe('request validation from the contract', () => {
  it('accepts a JSON content type with parameters (the contract header parameter is not enforced)', async () => {
    const res = await s.call('POST', '/transactional/v2/projects', {
      body: { name: 'charset', generator: 'test', storage: { type: 'assetfiles' } },
      contentType: 'application/json; charset=utf-8',
    });
    expect(res.status).toBe(201);
  });

  it('lets an optional request body be left out, but still validates one that is sent', async () => {
    const bare = await s.call('POST', `/v2/projects/${projectId}/tags/first`);
    expect(bare.status, bare.text).toBeLessThan(300);
    const wrong = await s.call('POST', `/v2/projects/${projectId}/tags/second`, { body: 'not an object' });
    expect(wrong.status).toBe(400);
    const jsonNull = await s.call('POST', `/v2/projects/${projectId}/tags/third`, { raw: 'null' });
    expect(jsonNull.status).toBe(400);
    const tags = await s.call('GET', `/v2/projects/${projectId}/tags`);
    expect(JSON.stringify(tags.body)).not.toMatch(/second|third/);
  });

  it('still refuses a missing required body', async () => {
    const res = await s.call('POST', `/v2/projects/${projectId}/members`);
    expect(res.status).toBe(400);
    expect(res.body.reason).toMatch(/body/i);
  });
});
