import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IamAuthenticator } from 'ibm-cloud-sdk-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields).toString(),
  contentType: 'application/x-www-form-urlencoded',
  token: null,
});

describe('IAM-compatible token endpoint', () => {
  it('exchanges an API key for the fields the seed shows', async () => {
    const res = await s.call(
      'POST',
      '/identity/token',
      form({
        grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
        apikey: s.adminKey,
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(res.body.access_token.split('.')).toHaveLength(3);
    expect(typeof res.body.refresh_token).toBe('string');
    expect(res.body.expiration).toBeGreaterThan(Date.now() / 1000 + 3500);
  });

  it('refreshes with grant_type=refresh_token', async () => {
    const first = await s.call(
      'POST',
      '/identity/token',
      form({
        grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
        apikey: s.adminKey,
      }),
    );
    const res = await s.call(
      'POST',
      '/identity/token',
      form({
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token,
      }),
    );
    expect(res.status).toBe(200);
    const me = await s.call('GET', '/admin/v1/users', { token: res.body.access_token });
    expect(me.status).toBe(200);
  });

  it('refuses unknown keys, missing fields, unknown grants and access tokens used as refresh tokens', async () => {
    const bad = await s.call(
      'POST',
      '/identity/token',
      form({
        grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
        apikey: 'nope',
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errorCode: 'BXNIM0415E' });
    expect((await s.call('POST', '/identity/token', form({}))).body.errorCode).toBe('BXNIM0109E');
    expect((await s.call('POST', '/identity/token', form({ grant_type: 'password' }))).status).toBe(400);
    const misuse = await s.call(
      'POST',
      '/identity/token',
      form({
        grant_type: 'refresh_token',
        refresh_token: s.adminToken,
      }),
    );
    expect(misuse.status).toBe(400);
  });

  it("works with IBM's own IamAuthenticator pointed at the server", async () => {
    const authenticator = new IamAuthenticator({ apikey: s.adminKey, url: s.url });
    const requestOptions: { headers?: Record<string, string> } = { headers: {} };
    await authenticator.authenticate(requestOptions);
    const header = requestOptions.headers!.Authorization;
    expect(header).toMatch(/^Bearer /);
    const res = await s.call('GET', '/admin/v1/users', { token: header.slice(7) });
    expect(res.status).toBe(200);
  });
});

describe('bearer checks', () => {
  it('answers 401 for a missing, malformed, forged or unknown token', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer a.b.c' },
      { authorization: 'Bearer not-a-token' },
      { authorization: `Bearer ${s.adminToken.slice(0, -2)}xx` },
    ];
    for (const headers of cases) {
      const res = await s.call('GET', '/admin/v1/users', { token: null, headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body.errors[0].message).toBeTruthy();
      expect(res.text).not.toContain(s.adminToken);
    }
  });

  it('answers 401 once the token expired', async () => {
    const short = await startTestServer({ tokenTtlSeconds: 1 });
    try {
      const token = await short.tokenFor(short.adminKey);
      expect((await short.call('GET', '/admin/v1/users', { token })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const res = await short.call('GET', '/admin/v1/users', { token });
      expect(res.status).toBe(401);
      expect(res.body.errors[0].message).toMatch(/expired/);
    } finally {
      await short.close();
    }
  });

  it('answers 401 after the API key behind a token is revoked, and 403 to non-admins', async () => {
    const user = await s.createUser('revoked');
    expect((await s.call('GET', '/admin/v1/users', { token: user.token })).status).toBe(403);
    const keys = await s.call('POST', `/admin/v1/users/${user.id}/apikeys`, { body: { name: 'second' } });
    expect(keys.status).toBe(201);
    const token2 = await s.tokenFor(keys.body.apikey);
    const revoke = await s.call('DELETE', `/admin/v1/apikeys/${keys.body.id}`);
    expect(revoke.status).toBe(204);
    expect((await s.call('GET', '/admin/v1/users', { token: token2 })).status).toBe(401);
    expect((await s.call('DELETE', `/admin/v1/apikeys/${keys.body.id}`)).status).toBe(404);
    // The first key still works.
    expect((await s.call('GET', '/admin/v1/users', { token: user.token })).status).toBe(403);
  });

  it('refuses a duplicate user and a bad username with 4xx', async () => {
    const user = await s.createUser('dup');
    expect((await s.call('POST', '/admin/v1/users', { body: { username: user.username } })).status).toBe(409);
    const bad = await s.call('POST', '/admin/v1/users', { body: { username: 'has spaces' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].message).toContain('username');
  });
});

describe('platform routes', () => {
  it('serves health, metrics, the contract and the docs page', async () => {
    const health = await s.call('GET', '/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const metrics = await s.call('GET', '/metrics', { token: null });
    expect(metrics.text).toContain('http_requests_total');
    expect(metrics.text).toContain('http_request_duration_seconds_bucket');
    const spec = await s.call('GET', '/openapi.json', { token: null });
    expect(spec.body.openapi).toMatch(/^3\.1/);
    const docs = await s.call('GET', '/docs', { token: null });
    expect(docs.text).toContain('SwaggerUIBundle');
    expect((await s.call('GET', '/docs/swagger-ui-bundle.js', { token: null })).status).toBe(200);
  });

  it('answers unknown routes with a 404 in the area format and echoes a request id', async () => {
    const res = await s.call('GET', '/v2/projects-nope', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(res.body).toMatchObject({ code: '404', error: 'Not Found' });
  });
});
