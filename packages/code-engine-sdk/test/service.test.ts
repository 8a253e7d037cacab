// CodeEngineV2 against the local Code Engine API (/codeengine/v2) of the real server: every
// operation the server implements today, called through the SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import {
  ApiError,
  BadRequestError,
  CodeEngineV2,
  ConflictError,
  IamAuthenticator,
  NotFoundError,
  waitForAllowedOutboundDestinationReady,
  waitForProjectActive,
} from '../src/index.ts';

const VERSION = '2025-01-10';
let s: TestServer;
let ce: CodeEngineV2;
let projectId: string;

function clientFor(apikey: string): CodeEngineV2 {
  return new CodeEngineV2({
    authenticator: new IamAuthenticator({ apikey, url: s.url }),
    serviceUrl: `${s.url}/codeengine/v2`,
    version: VERSION,
    retries: false,
  });
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  // Short lifecycle transitions, so waiters have something to wait for.
  process.env.CODE_ENGINE_READY_MS = '300';
  s = await startTestServer();
  ce = clientFor(s.adminKey);
  const created = await ce.createProject({ name: 'sdk-project' });
  projectId = created.result.id!;
  await waitForProjectActive(ce, { id: projectId, initialDelayMs: 50, timeoutMs: 10_000 });
});
afterAll(async () => s?.close());

describe('projects through the SDK', () => {
  it('creates a project, waits until it is active, reads and lists it', async () => {
    const created = await ce.createProject({ name: 'sdk-waiter', tags: ['sdk'] });
    expect(created.status).toBe(202);
    expect(created.result.status).toBe('creating');
    const seen: string[] = [];
    const active = await waitForProjectActive(ce, {
      id: created.result.id!,
      initialDelayMs: 50,
      timeoutMs: 10_000,
      onProgress: (p) => seen.push(p.status!),
    });
    expect(active.status).toBe('active');
    expect(seen.at(-1)).toBe('active'); // the first poll may already see it active on a loaded machine

    expect((await ce.getProject({ id: created.result.id! })).result.name).toBe('sdk-waiter');
    const details = await ce.getProjectStatusDetails({ projectId });
    expect(details.result.project).toBeDefined();
    const egress = await ce.getProjectEgressIps({ projectId });
    expect(Array.isArray(egress.result.public)).toBe(true);

    const names: string[] = [];
    for await (const p of new CodeEngineV2.ProjectsPager(ce, { limit: 1 })) names.push(p.name);
    expect(names.sort()).toEqual(['sdk-project', 'sdk-waiter']);

    expect((await ce.deleteProject({ id: created.result.id! })).status).toBe(202);
  });

  it('rejects with typed errors in the Code Engine body', async () => {
    const missing = await rejection(ce.getProject({ id: '00000000-0000-4000-8000-000000000000' }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.result.status_code).toBe(404);
    expect(typeof missing.trace).toBe('string');

    const duplicate = await rejection(ce.createProject({ name: 'sdk-project' }));
    expect(duplicate).toBeInstanceOf(ConflictError);

    const outsider = await s.createUser('outsider');
    // Another user's project is hidden: 404, as the server answers for projects one cannot see.
    const hidden = await rejection(clientFor(outsider.apikey).getProject({ id: projectId }));
    expect(hidden).toBeInstanceOf(NotFoundError);
    const refused = await rejection(clientFor(outsider.apikey).deleteProject({ id: projectId }));
    expect(refused).toBeInstanceOf(NotFoundError);
    expect((await ce.getProject({ id: projectId })).result.status).toBe('active');

    const badVersion = new CodeEngineV2({
      authenticator: new IamAuthenticator({ apikey: s.adminKey, url: s.url }),
      serviceUrl: `${s.url}/codeengine/v2`,
      version: '2020-01-01',
    });
    expect(await rejection(badVersion.listProjects())).toBeInstanceOf(BadRequestError);
  });
});

describe('CodeEngineV2.newInstance', () => {
  it('reads the authenticator and URL from CODE_ENGINE_* variables and takes the version option', async () => {
    const vars = {
      CODE_ENGINE_AUTH_TYPE: 'iam',
      CODE_ENGINE_APIKEY: s.adminKey,
      CODE_ENGINE_AUTH_URL: s.url,
      CODE_ENGINE_URL: `${s.url}/codeengine/v2`,
    };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
      const service = CodeEngineV2.newInstance({ version: VERSION });
      expect(service.getServiceUrl()).toBe(`${s.url}/codeengine/v2`);
      expect(service.version).toBe(VERSION);
      expect(service.getAuthenticator()).toBeInstanceOf(IamAuthenticator);
      expect((await service.getProject({ id: projectId })).result.id).toBe(projectId);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });
});

describe('config maps through the SDK', () => {
  it('creates, reads, lists, replaces under If-Match and deletes', async () => {
    const created = await ce.createConfigMap({ projectId, name: 'settings', data: { MODE: 'fast' } });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe(created.result.entity_tag);

    const got = await ce.getConfigMap({ projectId, name: 'settings' });
    expect(got.result.data).toEqual({ MODE: 'fast' });

    const replaced = await ce.replaceConfigMap({
      projectId,
      name: 'settings',
      ifMatch: got.result.entity_tag,
      data: { MODE: 'slow' },
    });
    expect(replaced.result.data).toEqual({ MODE: 'slow' });

    const stale = await rejection(
      ce.replaceConfigMap({
        projectId,
        name: 'settings',
        ifMatch: got.result.entity_tag,
        data: { MODE: 'x' },
      }),
    );
    expect(stale).toBeInstanceOf(ApiError);
    expect(stale.status).toBe(412);
    expect((await ce.getConfigMap({ projectId, name: 'settings' })).result.data).toEqual({ MODE: 'slow' });

    await Promise.all(['a', 'b', 'c'].map((n) => ce.createConfigMap({ projectId, name: `cm-${n}` })));
    const names: string[] = [];
    for await (const cm of new CodeEngineV2.ConfigMapsPager(ce, { projectId, limit: 2 })) names.push(cm.name);
    expect(names.sort()).toEqual(['cm-a', 'cm-b', 'cm-c', 'settings']);
    expect((await ce.listConfigMaps({ projectId, limit: 2 })).result.config_maps).toHaveLength(2);

    expect((await ce.deleteConfigMap({ projectId, name: 'settings' })).status).toBe(202);
    expect(await rejection(ce.getConfigMap({ projectId, name: 'settings' }))).toBeInstanceOf(NotFoundError);
  });
});

describe('secrets through the SDK', () => {
  it('creates, reads, lists by format, replaces and deletes', async () => {
    const created = await ce.createSecret({
      projectId,
      name: 'creds',
      format: CodeEngineV2.CreateSecretConstants.Format.GENERIC,
      data: { password: 's3cret' },
    });
    expect(created.status).toBe(201);
    expect(created.result.format).toBe('generic');

    await ce.createSecret({
      projectId,
      name: 'login',
      format: 'basic_auth',
      data: { username: 'u', password: 'p' },
    });
    const generic = await new CodeEngineV2.SecretsPager(ce, {
      projectId,
      format: 'generic',
      limit: 1,
    }).getAll();
    expect(generic.map((x) => x.name)).toEqual(['creds']);

    const replaced = await ce.replaceSecret({
      projectId,
      name: 'creds',
      ifMatch: created.result.entity_tag,
      format: 'generic',
      data: { password: 'rotated' },
    });
    expect(replaced.result.data).toEqual({ password: 'rotated' });

    const bad = await rejection(
      ce.createSecret({ projectId, name: 'broken', format: 'basic_auth', data: { nothing: 'here' } }),
    );
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(await rejection(ce.getSecret({ projectId, name: 'broken' }))).toBeInstanceOf(NotFoundError);

    expect((await ce.deleteSecret({ projectId, name: 'creds' })).status).toBe(202);
    expect((await ce.getSecret({ projectId, name: 'login' })).result.format).toBe('basic_auth');
  });
});

describe('allowed outbound destinations through the SDK', () => {
  it('creates, waits until ready, lists, patches without type and deletes', async () => {
    const created = await ce.createAllowedOutboundDestination({
      projectId,
      allowedOutboundDestination: {
        type: CodeEngineV2.AllowedOutboundDestination.Constants.Type.CIDR_BLOCK,
        name: 'office',
        cidr_block: '10.0.0.0/16',
      },
    });
    expect(created.status).toBe(201);
    expect(created.result.status).toBe('deploying');

    const ready = await waitForAllowedOutboundDestinationReady(ce, {
      projectId,
      name: 'office',
      initialDelayMs: 50,
      timeoutMs: 10_000,
    });
    expect(ready.status).toBe('ready');

    const all = await new CodeEngineV2.AllowedOutboundDestinationsPager(ce, { projectId, limit: 1 }).getAll();
    expect(all.map((d) => d.name)).toEqual(['office']);
    expect(
      (await ce.listAllowedOutboundDestinations({ projectId })).result.allowed_outbound_destinations,
    ).toHaveLength(1);

    const patched = await ce.updateAllowedOutboundDestination({
      projectId,
      name: 'office',
      ifMatch: ready.entity_tag!,
      allowedOutboundDestination: { cidr_block: '10.1.0.0/16' },
    });
    const after = patched.result;
    expect(after.type === 'cidr_block' && after.cidr_block).toBe('10.1.0.0/16');

    // A 6.0.1-style patch with `type` is refused by the server too (the types refuse it at compile time).
    const typed = await rejection(
      ce.updateAllowedOutboundDestination({
        projectId,
        name: 'office',
        ifMatch: '*',
        allowedOutboundDestination: { type: 'cidr_block', cidr_block: '10.2.0.0/16' } as any,
      }),
    );
    expect(typed).toBeInstanceOf(BadRequestError);

    expect((await ce.deleteAllowedOutboundDestination({ projectId, name: 'office' })).status).toBe(202);
    expect(await rejection(ce.getAllowedOutboundDestination({ projectId, name: 'office' }))).toBeInstanceOf(
      NotFoundError,
    );
  });
});
