import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import * as sdk from '../src/index.ts';
import { CommonCoreV2, IamAuthenticator } from '../src/index.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

/** Runs `fn` with environment variables set, then restores them. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

describe('CommonCoreV2 service', () => {
  it('newInstance reads the authenticator and URL from COMMON_CORE_* environment variables', async () => {
    await withEnv(
      {
        COMMON_CORE_AUTH_TYPE: 'iam',
        COMMON_CORE_APIKEY: s.adminKey,
        COMMON_CORE_AUTH_URL: s.url,
        COMMON_CORE_URL: s.url,
      },
      async () => {
        const service = CommonCoreV2.newInstance();
        expect(service.getServiceUrl()).toBe(s.url);
        expect(service.getAuthenticator()).toBeInstanceOf(IamAuthenticator);
        const res = await service.listProjects({ limit: 1 });
        expect(res.status).toBe(200);
      },
    );
  });

  it('newInstance reads ibm-credentials.env under another service name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-sdk-creds-'));
    const file = path.join(dir, 'ibm-credentials.env');
    fs.writeFileSync(file, `MY_CC_APIKEY=${s.adminKey}\nMY_CC_AUTH_URL=${s.url}\nMY_CC_URL=${s.url}\n`);
    try {
      await withEnv({ IBM_CREDENTIALS_FILE: file }, async () => {
        const service = CommonCoreV2.newInstance({ serviceName: 'my_cc' });
        expect(service.getServiceUrl()).toBe(s.url);
        expect((await service.getProjectTotal()).status).toBe(200);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has IBM defaults and takes per-call headers', async () => {
    expect(CommonCoreV2.DEFAULT_SERVICE_NAME).toBe('common_core');
    const service = new CommonCoreV2({
      authenticator: new IamAuthenticator({ apikey: s.adminKey, url: s.url }),
    });
    expect(service.getServiceUrl()).toBe(CommonCoreV2.DEFAULT_SERVICE_URL);
    service.setServiceUrl(s.url);
    const res = await service.listProjects({ limit: 1, headers: { 'X-Request-Id': 'sdk-test' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/json/);
  });

  it('cancels a call through its signal', async () => {
    const service = new CommonCoreV2({
      authenticator: new IamAuthenticator({ apikey: s.adminKey, url: s.url }),
      serviceUrl: s.url,
    });
    const controller = new AbortController();
    controller.abort();
    await expect(service.listProjects({ signal: controller.signal })).rejects.toBeInstanceOf(sdk.AbortError);
  });

  it('re-exports sdk-core: authenticators, errors, pagers and waiters from one import', () => {
    for (const name of [
      'IamAuthenticator',
      'BearerTokenAuthenticator',
      'BasicAuthenticator',
      'NoAuthAuthenticator',
      'ContainerAuthenticator',
      'CloudPakForDataAuthenticator',
      'getAuthenticatorFromEnvironment',
      'ApiError',
      'NotFoundError',
      'RateLimitError',
      'Pager',
      'waitUntil',
      'waitForSpaceActive',
      'waitForTransaction',
    ])
      expect(typeof (sdk as Record<string, unknown>)[name], name).toBe('function');
  });

  it('holds IBM-style enum constants in the namespace', () => {
    expect(CommonCoreV2.ProjectMember.Constants.Role.ADMIN).toBe('admin');
    expect(CommonCoreV2.TransactionalPostProjectConstants.Type.WX).toBe('wx');
  });
});
