import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BearerTokenAuthenticator as IbmBearerTokenAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Authenticator,
  BadRequestError,
  BasicAuthenticator,
  BearerTokenAuthenticator,
  CloudPakForDataAuthenticator,
  ContainerAuthenticator,
  IamAuthenticator,
  NoAuthAuthenticator,
} from '../src/index.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import {
  fakeJwt,
  json,
  nowSeconds,
  startScriptedServer,
  type ScriptedServer,
} from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

const form = (body: Buffer) => Object.fromEntries(new URLSearchParams(body.toString()));

describe('simple authenticators', () => {
  it('BasicAuthenticator sets a Basic header', async () => {
    const auth = new BasicAuthenticator({ username: 'user', password: 'pa:ss' });
    const req: { headers?: Record<string, any> } = {};
    await auth.authenticate(req);
    expect(req.headers!.Authorization).toBe('Basic ' + Buffer.from('user:pa:ss').toString('base64'));
    expect(auth.authenticationType()).toBe(Authenticator.AUTHTYPE_BASIC);
    expect(() => new BasicAuthenticator({ username: '{user}', password: 'x' })).toThrow(/curly brackets/);
  });

  it('BearerTokenAuthenticator sends the token it holds, replacing any Authorization', async () => {
    const auth = new BearerTokenAuthenticator({ bearerToken: 't1' });
    const req = { headers: { authorization: 'old' } as Record<string, any> };
    await auth.authenticate(req);
    expect(req.headers).toEqual({ Authorization: 'Bearer t1' });
    auth.setBearerToken('t2');
    await auth.authenticate(req);
    expect(req.headers.Authorization).toBe('Bearer t2');
    expect(auth.authenticationType()).toBe('bearerToken');
    expect(() => new BearerTokenAuthenticator({ bearerToken: '' })).toThrow();
  });

  it('a subclass that replaces authenticate() is called on every request', async () => {
    const server = await startScriptedServer((req, res) =>
      json(res, 200, { auth: req.headers.authorization, extra: req.headers['x-extra'] }),
    );
    try {
      let calls = 0;
      class Stamping extends BearerTokenAuthenticator {
        override async authenticate(requestOptions: { headers?: Record<string, any> }) {
          await super.authenticate(requestOptions);
          requestOptions.headers!['X-Extra'] = String(++calls);
        }
      }
      const service = new TestService({
        authenticator: new Stamping({ bearerToken: 't' }),
        serviceUrl: server.url,
      });
      expect((await service.get('/a')).result).toEqual({ auth: 'Bearer t', extra: '1' });
      expect((await service.get('/b')).result).toEqual({ auth: 'Bearer t', extra: '2' });
    } finally {
      await server.close();
    }
  });

  it('NoAuthAuthenticator adds nothing', async () => {
    const req = { headers: {} };
    await new NoAuthAuthenticator().authenticate(req);
    expect(req.headers).toEqual({});
    expect(new NoAuthAuthenticator().authenticationType()).toBe('noAuth');
  });
});

describe('token authenticators against a scripted token server', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer();
  });
  afterAll(() => server.close());

  /** Issues tokens living `ttl` seconds; `iat` is now. */
  const issue = (ttl: number, extra: Record<string, unknown> = {}) => {
    let n = 0;
    server.handle((_req, res) => {
      n++;
      const iat = nowSeconds();
      json(res, 200, { access_token: fakeJwt({ iat, exp: iat + ttl, n }), refresh_token: 'r' + n, ...extra });
    });
  };

  it('IamAuthenticator posts the API key grant to {url}/identity/token', async () => {
    issue(3600);
    server.requests.length = 0;
    const auth = new IamAuthenticator({ apikey: 'my-key', url: server.url, scope: 'a b' });
    const req: { headers?: Record<string, any> } = {};
    await auth.authenticate(req);
    expect(req.headers!.Authorization).toMatch(/^Bearer ey/);
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0];
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/identity/token');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.headers.authorization).toBeUndefined();
    expect(form(sent.body)).toEqual({
      grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
      apikey: 'my-key',
      response_type: 'cloud_iam',
      scope: 'a b',
    });
    expect(auth.authenticationType()).toBe('iam');
    expect(auth.getRefreshToken()).toBe('r1');
  });

  it('accepts a url that already ends with /identity/token, and sends client credentials', async () => {
    issue(3600);
    server.requests.length = 0;
    const auth = new IamAuthenticator({
      apikey: 'k',
      url: server.url + '/identity/token',
      clientId: 'bx',
      clientSecret: 'bx',
      headers: { 'X-Extra': '1' },
    });
    await auth.authenticate({});
    expect(server.requests[0].url).toBe('/identity/token');
    expect(server.requests[0].headers.authorization).toBe('Basic ' + Buffer.from('bx:bx').toString('base64'));
    expect(server.requests[0].headers['x-extra']).toBe('1');
    expect(() => new IamAuthenticator({ apikey: 'k', clientId: 'only-id' })).toThrow(/together/);
  });

  it('100 concurrent calls with an expired token cause exactly one token request', async () => {
    let n = 0;
    server.handle(async (_req, res) => {
      n++;
      await new Promise((r) => setTimeout(r, 50)); // a slow token server keeps the request in flight
      const iat = nowSeconds();
      json(res, 200, { access_token: fakeJwt({ iat, exp: n === 1 ? iat + 5 : iat + 3600 }) });
    });
    const auth = new IamAuthenticator({ apikey: 'k', url: server.url });
    await auth.authenticate({}); // a token inside IAM's 10 s expiry window: already expired
    server.requests.length = 0;
    const headers = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const req: { headers?: Record<string, any> } = {};
        await auth.authenticate(req);
        return req.headers!.Authorization;
      }),
    );
    expect(server.requests).toHaveLength(1);
    expect(new Set(headers).size).toBe(1);
    await Promise.all(Array.from({ length: 100 }, () => auth.authenticate({})));
    expect(server.requests).toHaveLength(1); // the fresh token is reused
  });

  it('refreshes in the background after 80% of the lifetime, serving the current token meanwhile', async () => {
    let n = 0;
    server.handle((_req, res) => {
      n++;
      const now = nowSeconds();
      // The first token was issued 90% of its hour ago: still valid, past its refresh time.
      const claims = n === 1 ? { iat: now - 3240, exp: now + 360 } : { iat: now, exp: now + 3600 };
      json(res, 200, { access_token: fakeJwt({ ...claims, n }) });
    });
    const auth = new IamAuthenticator({ apikey: 'k', url: server.url });
    server.requests.length = 0;
    const first: { headers?: Record<string, any> } = {};
    await auth.authenticate(first);
    const second: { headers?: Record<string, any> } = {};
    await auth.authenticate(second);
    expect(second.headers!.Authorization).toBe(first.headers!.Authorization);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests).toHaveLength(2);
    const third: { headers?: Record<string, any> } = {};
    await auth.authenticate(third);
    expect(third.headers!.Authorization).not.toBe(first.headers!.Authorization);
    expect(server.requests).toHaveLength(2);
  });

  it('services fetch one token for concurrent calls, reuse it, and refresh it in the background', async () => {
    let n = 0;
    server.handle((req, res) => {
      if (req.url !== '/identity/token') return json(res, 200, { auth: req.headers.authorization });
      n++;
      const now = nowSeconds();
      // The first token was issued 90% of its hour ago: still valid, past its refresh time.
      const claims = n === 1 ? { iat: now - 3240, exp: now + 360 } : { iat: now, exp: now + 3600 };
      json(res, 200, { access_token: fakeJwt({ ...claims, n }) });
    });
    const service = new TestService({
      authenticator: new IamAuthenticator({ apikey: 'k', url: server.url }),
      serviceUrl: server.url,
    });
    const tokenRequests = () => server.requests.filter((r) => r.url === '/identity/token').length;
    server.requests.length = 0;
    const first = await Promise.all(Array.from({ length: 20 }, () => service.get('/api')));
    expect(tokenRequests()).toBe(1);
    expect(new Set(first.map((r) => r.result.auth)).size).toBe(1);
    // Past its refresh time: still sent, while one refresh runs in the background.
    const again = await service.get('/api');
    expect(again.result.auth).toBe(first[0].result.auth);
    await new Promise((r) => setTimeout(r, 100));
    expect(tokenRequests()).toBe(2);
    const fresh = await Promise.all(Array.from({ length: 5 }, () => service.get('/api')));
    expect(new Set(fresh.map((r) => r.result.auth)).size).toBe(1);
    expect(fresh[0].result.auth).not.toBe(first[0].result.auth);
    expect(tokenRequests()).toBe(2);
  });

  it('a refused token request rejects with the IAM error read, and the next call tries again', async () => {
    server.handle((_req, res) =>
      json(res, 400, { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' }),
    );
    const auth = new IamAuthenticator({ apikey: 'wrong-key-123', url: server.url });
    const err = await auth.authenticate({}).catch((e) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.codes).toEqual(['BXNIM0415E']);
    expect(err.message).toBe('Provided API key could not be found.');
    issue(3600);
    await expect(auth.authenticate({})).resolves.toBeUndefined();
  });

  it('CloudPakForDataAuthenticator posts username and password (or apikey) to /v1/authorize', async () => {
    server.handle((_req, res) => {
      const iat = nowSeconds();
      json(res, 200, { token: fakeJwt({ iat, exp: iat + 3600 }), _messageCode_: 'success' });
    });
    server.requests.length = 0;
    const withPassword = new CloudPakForDataAuthenticator({ url: server.url, username: 'u', password: 'p' });
    const req: { headers?: Record<string, any> } = {};
    await withPassword.authenticate(req);
    expect(req.headers!.Authorization).toMatch(/^Bearer ey/);
    expect(server.requests[0].url).toBe('/v1/authorize');
    expect(server.requests[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0].body.toString())).toEqual({ username: 'u', password: 'p' });

    await new CloudPakForDataAuthenticator({
      url: server.url + '/v1/authorize',
      username: 'u',
      apikey: 'k',
    }).authenticate({});
    expect(server.requests[1].url).toBe('/v1/authorize');
    expect(JSON.parse(server.requests[1].body.toString())).toEqual({ username: 'u', api_key: 'k' });
    expect(withPassword.authenticationType()).toBe('cp4d');
    expect(
      () => new CloudPakForDataAuthenticator({ url: 'x', username: 'u', password: 'p', apikey: 'k' }),
    ).toThrow(/Exactly one/);
  });

  it('ContainerAuthenticator exchanges the compute resource token file with the cr-token grant', async () => {
    issue(3600);
    server.requests.length = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cr-'));
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'cr-token-value\n');
    const auth = new ContainerAuthenticator({
      url: server.url,
      crTokenFilename: file,
      iamProfileName: 'my-profile',
    });
    await auth.authenticate({});
    expect(form(server.requests[0].body)).toEqual({
      grant_type: 'urn:ibm:params:oauth:grant-type:cr-token',
      cr_token: 'cr-token-value',
      profile_name: 'my-profile',
    });
    expect(auth.authenticationType()).toBe('container');
    expect(() => new ContainerAuthenticator({ url: server.url })).toThrow(/iamProfileName or iamProfileId/);

    const missing = new ContainerAuthenticator({
      url: server.url,
      crTokenFilename: file + '.nope',
      iamProfileId: 'id',
    });
    await expect(missing.authenticate({})).rejects.toThrow(/Error reading CR token file/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('against our server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('IamAuthenticator obtains a token from POST /identity/token and the token works', async () => {
    const service = new TestService({
      authenticator: new IamAuthenticator({ apikey: s.adminKey, url: s.url }),
      serviceUrl: s.url,
    });
    const res = await service.get('/v2/projects', { qs: { limit: 1 } });
    expect(res.status).toBe(200);
    expect(res.result).toHaveProperty('resources');
  });

  it('a wrong API key fails with the IAM error body read', async () => {
    const auth = new IamAuthenticator({ apikey: 'not-a-key-at-all', url: s.url });
    const err = await auth.authenticate({}).catch((e) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.codes).toEqual(['BXNIM0415E']);
    expect(err.message).not.toContain('not-a-key-at-all');
  });

  it('BaseService accepts IBM’s own BearerTokenAuthenticator', async () => {
    const authenticator = new IbmBearerTokenAuthenticator({ bearerToken: s.adminToken });
    const service = new TestService({ authenticator, serviceUrl: s.url });
    const res = await service.get('/v2/projects');
    expect(res.status).toBe(200);
    expect(service.getAuthenticator()).toBe(authenticator);
  });
});
