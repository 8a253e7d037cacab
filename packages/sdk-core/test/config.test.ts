import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BasicAuthenticator,
  BearerTokenAuthenticator,
  CloudPakForDataAuthenticator,
  ContainerAuthenticator,
  IamAuthenticator,
  NoAuthAuthenticator,
  getAuthenticatorFromEnvironment,
  readExternalSources,
} from '../src/index.ts';
import { parseEnvFile } from '../src/config/credentials-file.ts';
import { startScriptedServer } from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

const saved = { ...process.env };
const savedCwd = process.cwd();
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-config-'));
  process.chdir(dir); // no ibm-credentials.env here unless a test writes one
  for (const key of Object.keys(process.env))
    if (key.startsWith('MY_SERVICE_') || key === 'IBM_CREDENTIALS_FILE' || key === 'VCAP_SERVICES')
      delete process.env[key];
  process.env.IBM_CREDENTIALS_FILE = path.join(dir, 'none.env'); // keep the home directory's file out
});
afterEach(() => {
  process.chdir(savedCwd);
  process.env = { ...saved };
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('getAuthenticatorFromEnvironment', () => {
  it('reads <SERVICE>_* variables, the service name upper-cased with - as _', () => {
    process.env.MY_SERVICE_AUTH_TYPE = 'iam';
    process.env.MY_SERVICE_APIKEY = 'k1';
    process.env.MY_SERVICE_AUTH_URL = 'https://iam.example.com';
    process.env.MY_SERVICE_CLIENT_ID = 'id';
    process.env.MY_SERVICE_CLIENT_SECRET = 'secret';
    process.env.MY_SERVICE_SCOPE = 's1';
    process.env.MY_SERVICE_AUTH_DISABLE_SSL = 'true';
    process.env.MY_SERVICE_URL = 'https://api.example.com';
    const auth = getAuthenticatorFromEnvironment('my-service');
    expect(auth).toBeInstanceOf(IamAuthenticator);
    const manager = (auth as IamAuthenticator).getTokenManager() as any;
    expect(manager.url).toBe('https://iam.example.com');
    expect(manager.clientId).toBe('id');
    expect(manager.scope).toBe('s1');
    expect(manager.disableSslVerification).toBe(true);
  });

  it('picks each auth type, case-insensitively', () => {
    const build = (vars: Record<string, string>) => {
      for (const key of Object.keys(process.env)) if (key.startsWith('MY_SERVICE_')) delete process.env[key];
      Object.assign(process.env, vars);
      return getAuthenticatorFromEnvironment('my_service');
    };
    expect(build({ MY_SERVICE_AUTH_TYPE: 'noauth' })).toBeInstanceOf(NoAuthAuthenticator);
    expect(
      build({ MY_SERVICE_AUTH_TYPE: 'BASIC', MY_SERVICE_USERNAME: 'u', MY_SERVICE_PASSWORD: 'p' }),
    ).toBeInstanceOf(BasicAuthenticator);
    expect(build({ MY_SERVICE_AUTH_TYPE: 'bearerToken', MY_SERVICE_BEARER_TOKEN: 't' })).toBeInstanceOf(
      BearerTokenAuthenticator,
    );
    expect(
      build({
        MY_SERVICE_AUTH_TYPE: 'cp4d',
        MY_SERVICE_USERNAME: 'u',
        MY_SERVICE_APIKEY: 'k',
        MY_SERVICE_AUTH_URL: 'https://cpd',
      }),
    ).toBeInstanceOf(CloudPakForDataAuthenticator);
    const container = build({
      MY_SERVICE_AUTH_TYPE: 'container',
      MY_SERVICE_CR_TOKEN_FILENAME: '/tmp/cr',
      MY_SERVICE_IAM_PROFILE_NAME: 'p',
      MY_SERVICE_IAM_PROFILE_ID: 'pid',
    });
    expect(container).toBeInstanceOf(ContainerAuthenticator);
    const cm = (container as ContainerAuthenticator).getTokenManager() as any;
    expect([cm.crTokenFilename, cm.iamProfileName, cm.iamProfileId]).toEqual(['/tmp/cr', 'p', 'pid']);
    // Without an auth type: IAM with an API key, container without.
    expect(build({ MY_SERVICE_APIKEY: 'k' })).toBeInstanceOf(IamAuthenticator);
    expect(build({ MY_SERVICE_IAM_PROFILE_ID: 'pid' })).toBeInstanceOf(ContainerAuthenticator);
    expect(() => build({ MY_SERVICE_AUTH_TYPE: 'magic' })).toThrow(/Invalid value for AUTH_TYPE: magic/);
  });

  it('fails clearly when nothing is configured', () => {
    expect(() => getAuthenticatorFromEnvironment('my-service')).toThrow(/Unable to create an authenticator/);
    expect(() => getAuthenticatorFromEnvironment('')).toThrow(/Service name is required/);
  });

  it('prefers the credentials file in the working directory over the environment', () => {
    fs.writeFileSync(
      path.join(dir, 'ibm-credentials.env'),
      '# comment\nMY_SERVICE_AUTH_TYPE=bearerToken\nMY_SERVICE_BEARER_TOKEN="from-file"\nOTHER_APIKEY=x\n',
    );
    delete process.env.IBM_CREDENTIALS_FILE;
    process.env.MY_SERVICE_APIKEY = 'from-env';
    expect(getAuthenticatorFromEnvironment('my-service')).toBeInstanceOf(BearerTokenAuthenticator);
    expect(readExternalSources('my-service')).toEqual({ authType: 'bearerToken', bearerToken: 'from-file' });
  });

  it('reads IBM_CREDENTIALS_FILE, a file or the directory that holds ibm-credentials.env', () => {
    const sub = path.join(dir, 'conf');
    fs.mkdirSync(sub);
    fs.writeFileSync(
      path.join(sub, 'ibm-credentials.env'),
      'MY_SERVICE_APIKEY=filekey\nMY_SERVICE_DISABLE_SSL=true\n',
    );
    process.env.IBM_CREDENTIALS_FILE = sub;
    expect(readExternalSources('my-service')).toEqual({ apikey: 'filekey', disableSsl: true });
    fs.writeFileSync(path.join(dir, 'custom.env'), 'MY_SERVICE_AUTH_TYPE=noAuth\n');
    process.env.IBM_CREDENTIALS_FILE = path.join(dir, 'custom.env');
    expect(getAuthenticatorFromEnvironment('my-service')).toBeInstanceOf(NoAuthAuthenticator);
  });

  it('falls back to VCAP_SERVICES', () => {
    process.env.VCAP_SERVICES = JSON.stringify({
      'my-service': [{ name: 'x', credentials: { apikey: 'vcap-key', url: 'https://u' } }],
    });
    expect(getAuthenticatorFromEnvironment('my-service')).toBeInstanceOf(IamAuthenticator);
  });

  it('parses env files the way dotenv does for the cases that matter', () => {
    expect(parseEnvFile(`A=1\nexport B = two \nC='x # y'\nD="line\\nnext"\nE=v # note\n\n#F=no\n`)).toEqual({
      A: '1',
      B: 'two',
      C: 'x # y',
      D: 'line\nnext',
      E: 'v',
    });
  });
});

describe('BaseService.configureService', () => {
  it('applies <SERVICE>_URL, _DISABLE_SSL and the retry settings', async () => {
    const server = await startScriptedServer((_req, res) => res.end('{}'));
    process.env.MY_SERVICE_URL = server.url + '/api/';
    process.env.MY_SERVICE_DISABLE_SSL = 'true';
    process.env.MY_SERVICE_MAX_RETRIES = '2';
    process.env.MY_SERVICE_AUTH_TYPE = 'noauth';
    const service = new TestService({ authenticator: getAuthenticatorFromEnvironment('my-service') });
    service.configure('my-service');
    expect(service.getServiceUrl()).toBe(server.url + '/api');
    expect((service as any).baseOptions.disableSslVerification).toBe(true);
    expect((service as any).retryPolicy).toMatchObject({ enabled: true, maxRetries: 2 });
    await service.get('/ping');
    expect(server.requests[0].url).toBe('/api/ping');
    await server.close();
  });
});
