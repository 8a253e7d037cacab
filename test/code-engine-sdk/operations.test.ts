// Every one of the 67 Code Engine v2 operations, called through our SDK (`CodeEngineV2`) against the
// local API of the real server, with pagers (hasNext/getNext/getAll and `for await`), the seven
// waiters, typed errors and the `{ result, status, statusText, headers }` shape. The last test fails
// when an operation method was never called.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  BadRequestError,
  CodeEngineV2,
  ConflictError,
  IamAuthenticator,
  NotFoundError,
  waitForAllowedOutboundDestinationReady,
  waitForAppReady,
  waitForBuildRunFinished,
  waitForDomainMappingReady,
  waitForFunctionReady,
  waitForJobRunFinished,
  waitForProjectActive,
  type SdkResponse,
} from '../../packages/code-engine-sdk/src/index.ts';
import { VERSION, startCodeEngineServer } from '../code-engine/helpers.ts';
import type { TestServer } from '../helpers/server.ts';

const OPERATIONS = Object.getOwnPropertyNames(CodeEngineV2.prototype).filter((m) => m !== 'constructor');
const called = new Set<string>();
const fixture = (name: string) =>
  fs.readFileSync(new URL(`../code-engine/fixtures/${name}`, import.meta.url), 'utf8');
const CODE = `data:text/plain;base64,${Buffer.from('function main() { return { body: "hi" }; }').toString('base64')}`;
/** Quick polls: the server's transitions take 300 ms here. */
const poll = { initialDelayMs: 50, intervalMs: 100, timeoutMs: 20_000 };

let s: TestServer;
let ce: CodeEngineV2;
let projectId: string;

/** A CodeEngineV2 whose operation calls are recorded in `called` (pagers and waiters call through it too). */
function recordingClient(apikey: string): CodeEngineV2 {
  const service = new CodeEngineV2({
    authenticator: new IamAuthenticator({ apikey, url: s.url }),
    serviceUrl: `${s.url}/codeengine/v2`,
    version: VERSION,
    retries: false,
  });
  return new Proxy(service, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof prop !== 'string' || !OPERATIONS.includes(prop)) return value;
      return (...args: unknown[]) => {
        called.add(prop);
        return value.apply(target, args);
      };
    },
  });
}

/** The IBM result shape, nothing more: `{ result, status, statusText, headers }`. */
function expectResponse<T>(res: SdkResponse<T>, status: number, statusText: string): T {
  expect(Object.keys(res).sort()).toEqual(['headers', 'result', 'status', 'statusText']);
  expect(res.status).toBe(status);
  expect(res.statusText).toBe(statusText);
  expect(typeof res.headers).toBe('object');
  if (res.result !== undefined) expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.result;
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  s = await startCodeEngineServer();
  ce = recordingClient(s.adminKey);
});
afterAll(async () => s?.close());

describe('projects', () => {
  it('creates, waits until active, reads, lists with both pager styles, details and egress IPs', async () => {
    const created = expectResponse(
      await ce.createProject({ name: 'sdk-ops', tags: ['sdk'] }),
      202,
      'Accepted',
    );
    expect(created.status).toBe('creating');
    projectId = created.id!;
    const active = await waitForProjectActive(ce, { id: projectId, ...poll });
    expect(active.status).toBe('active');
    await ce.createProject({ name: 'sdk-ops-2' });

    const got = await ce.getProject({ id: projectId });
    expect(expectResponse(got, 200, 'OK').name).toBe('sdk-ops');
    const list = expectResponse(await ce.listProjects({ limit: 1 }), 200, 'OK');
    expect(list.projects).toHaveLength(1);
    expect(list.next?.start).toBeTruthy();

    const pager = new CodeEngineV2.ProjectsPager(ce, { limit: 1 });
    const pages: string[][] = [];
    while (pager.hasNext()) pages.push((await pager.getNext()).map((p) => p.name));
    expect(pages.flat().sort()).toEqual(['sdk-ops', 'sdk-ops-2']);
    expect(pages.filter((page) => page.length)).toHaveLength(2);
    await expect(pager.getNext()).rejects.toThrow(/No more results/);

    const details = expectResponse(await ce.getProjectStatusDetails({ projectId }), 200, 'OK');
    expect(details.project).toBe('enabled');
    const egress = expectResponse(await ce.getProjectEgressIps({ projectId }), 200, 'OK');
    expect(egress.public!.length).toBeGreaterThan(0);
  });
});

describe('config maps', () => {
  it('creates, reads, lists, replaces under If-Match and deletes', async () => {
    const created = await ce.createConfigMap({ projectId, name: 'settings', data: { MODE: 'fast' } });
    const cm = expectResponse(created, 201, 'Created');
    expect(created.headers.etag).toBe(cm.entity_tag);
    await ce.createConfigMap({ projectId, name: 'extra' });

    expect((await ce.getConfigMap({ projectId, name: 'settings' })).result.data).toEqual({ MODE: 'fast' });
    expect((await ce.listConfigMaps({ projectId })).result.config_maps.map((c) => c.name)).toEqual([
      'extra',
      'settings',
    ]);
    const all = await new CodeEngineV2.ConfigMapsPager(ce, { projectId, limit: 1 }).getAll();
    expect(all.map((c) => c.name)).toEqual(['extra', 'settings']);

    const replaced = await ce.replaceConfigMap({
      projectId,
      name: 'settings',
      ifMatch: cm.entity_tag,
      data: { MODE: 'slow' },
    });
    expect(expectResponse(replaced, 200, 'OK').data).toEqual({ MODE: 'slow' });
    expect(replaced.headers.etag).not.toBe(cm.entity_tag);

    expect((await ce.deleteConfigMap({ projectId, name: 'extra' })).status).toBe(202);
    expect(await rejection(ce.getConfigMap({ projectId, name: 'extra' }))).toBeInstanceOf(NotFoundError);
  });
});

describe('secrets', () => {
  it('creates every format the workloads below need, reads, lists, replaces and deletes', async () => {
    const created = await ce.createSecret({
      projectId,
      name: 'creds',
      format: CodeEngineV2.CreateSecretConstants.Format.GENERIC,
      data: { password: 's3cret' },
    });
    expect(expectResponse(created, 201, 'Created').format).toBe('generic');
    await ce.createSecret({
      projectId,
      name: 'push',
      format: 'registry',
      data: { server: 'us.icr.io', username: 'iamapikey', password: 'x' },
    });
    await ce.createSecret({
      projectId,
      name: 'cert',
      format: 'tls',
      data: { tls_cert: fixture('tls-cert.pem'), tls_key: fixture('tls-key.pem') },
    });
    await ce.createSecret({
      projectId,
      name: 'access',
      format: 'service_access',
      serviceAccess: { service_instance: { id: 'instance-1' } },
    });
    await ce.createSecret({
      projectId,
      name: 'hmac',
      format: 'hmac_auth',
      data: { access_key_id: 'a', secret_access_key: 'b' },
    });

    const got = await ce.getSecret({ projectId, name: 'creds' });
    expect(got.result.data).toEqual({ password: 's3cret' });
    expect((await ce.listSecrets({ projectId, format: 'tls' })).result.secrets.map((x) => x.name)).toEqual([
      'cert',
    ]);
    const names: string[] = [];
    for await (const secret of new CodeEngineV2.SecretsPager(ce, { projectId, limit: 2 }))
      names.push(secret.name!);
    expect(names).toEqual(['access', 'cert', 'creds', 'hmac', 'push']);

    const replaced = await ce.replaceSecret({
      projectId,
      name: 'creds',
      ifMatch: got.result.entity_tag!,
      format: 'generic',
      data: { password: 'rotated' },
    });
    expect(expectResponse(replaced, 200, 'OK').data).toEqual({ password: 'rotated' });

    await ce.createSecret({ projectId, name: 'gone', format: 'generic', data: { a: 'b' } });
    expect((await ce.deleteSecret({ projectId, name: 'gone' })).status).toBe(202);
  });
});

describe('allowed outbound destinations', () => {
  it('creates (name required), waits until ready, lists, patches without type, deletes', async () => {
    const created = await ce.createAllowedOutboundDestination({
      projectId,
      allowedOutboundDestination: { type: 'cidr_block', name: 'office', cidr_block: '10.0.0.0/16' },
    });
    expect(expectResponse(created, 201, 'Created').status).toBe('deploying');
    const ready = await waitForAllowedOutboundDestinationReady(ce, { projectId, name: 'office', ...poll });
    expect(ready.status).toBe('ready');

    const got = (await ce.getAllowedOutboundDestination({ projectId, name: 'office' })).result;
    expect(got.type === 'cidr_block' && got.cidr_block).toBe('10.0.0.0/16');
    const listed = await ce.listAllowedOutboundDestinations({ projectId, limit: 10 });
    expect(listed.result.allowed_outbound_destinations.map((d) => d.name)).toEqual(['office']);
    const all = await new CodeEngineV2.AllowedOutboundDestinationsPager(ce, { projectId }).getAll();
    expect(all).toHaveLength(1);

    const patched = await ce.updateAllowedOutboundDestination({
      projectId,
      name: 'office',
      ifMatch: ready.entity_tag!,
      allowedOutboundDestination: { cidr_block: '10.1.0.0/16' },
    });
    const after = expectResponse(patched, 200, 'OK');
    expect(after.type === 'cidr_block' && after.cidr_block).toBe('10.1.0.0/16');

    expect((await ce.deleteAllowedOutboundDestination({ projectId, name: 'office' })).status).toBe(202);
  });
});

describe('persistent data stores', () => {
  it('creates, reads, lists (plural method and pager) and deletes', async () => {
    const data = { bucket_location: 'eu-de', bucket_name: 'my-bucket', secret_name: 'hmac' };
    const created = await ce.createPersistentDataStore({
      projectId,
      name: 'store',
      storageType: 'object_storage',
      data,
    });
    expect(expectResponse(created, 201, 'Created').data).toEqual(data);
    await ce.createPersistentDataStore({ projectId, name: 'store2', storageType: 'object_storage', data });
    expect((await ce.getPersistentDataStore({ projectId, name: 'store' })).result.storage_type).toBe(
      'object_storage',
    );
    expect((await ce.listPersistentDataStores({ projectId })).result.persistent_data_stores).toHaveLength(2);
    const names: string[] = [];
    for await (const store of new CodeEngineV2.PersistentDataStoresPager(ce, { projectId, limit: 1 }))
      names.push(store.name!);
    expect(names).toEqual(['store', 'store2']);
    expect((await ce.deletePersistentDataStore({ projectId, name: 'store2' })).status).toBe(202);
  });
});

describe('apps, revisions and instances', () => {
  it('creates, waits until ready, updates into a second revision, lists instances and revisions', async () => {
    const created = await ce.createApp({
      projectId,
      name: 'web',
      imageReference: 'icr.io/codeengine/helloworld',
      probeReadiness: { type: 'http', path: '/', port: 8080 },
      runVolumeMounts: [{ type: 'persistent_data_store', reference: 'store', mount_path: '/data' }],
    });
    const app = expectResponse(created, 201, 'Created');
    expect(app.status).toBe('deploying');
    expect(app.run_volume_mounts).toHaveLength(1);
    const ready = await waitForAppReady(ce, { projectId, name: 'web', ...poll });
    expect(ready.status_details?.latest_ready_revision).toBe('web-00001');

    expect((await ce.getApp({ projectId, name: 'web' })).result.image_reference).toBe(
      'icr.io/codeengine/helloworld',
    );
    expect((await ce.listApps({ projectId })).result.apps.map((a) => a.name)).toEqual(['web']);
    expect((await new CodeEngineV2.AppsPager(ce, { projectId }).getAll()).map((a) => a.name)).toEqual([
      'web',
    ]);

    const updated = await ce.updateApp({
      projectId,
      name: 'web',
      ifMatch: ready.entity_tag!,
      scaleMinInstances: 2,
    });
    expect(expectResponse(updated, 200, 'OK').scale_min_instances).toBe(2);
    await waitForAppReady(ce, { projectId, name: 'web', ...poll });

    const revisions = (await ce.listAppRevisions({ projectId, appName: 'web' })).result.revisions;
    expect(revisions.map((r) => r.name).sort()).toEqual(['web-00001', 'web-00002']);
    const revNames: string[] = [];
    for await (const r of new CodeEngineV2.AppRevisionsPager(ce, { projectId, appName: 'web', limit: 1 }))
      revNames.push(r.name!);
    expect(revNames.sort()).toEqual(['web-00001', 'web-00002']);
    const first = await ce.getAppRevision({ projectId, appName: 'web', name: 'web-00001' });
    expect(expectResponse(first, 200, 'OK').app_name).toBe('web');

    const instances = (await ce.listAppInstances({ projectId, appName: 'web' })).result.instances;
    expect(instances).toHaveLength(2);
    const viaPager = await new CodeEngineV2.AppInstancesPager(ce, {
      projectId,
      appName: 'web',
      limit: 1,
    }).getAll();
    expect(viaPager.map((i) => i.name).sort()).toEqual(instances.map((i) => i.name).sort());

    expect((await ce.deleteAppRevision({ projectId, appName: 'web', name: 'web-00001' })).status).toBe(202);
    const latest = await rejection(ce.deleteAppRevision({ projectId, appName: 'web', name: 'web-00002' }));
    expect(latest).toBeInstanceOf(BadRequestError);
  });
});

describe('domain mappings and bindings', () => {
  it('maps a domain to the app: creates, waits until ready, lists, patches, deletes', async () => {
    const created = await ce.createDomainMapping({
      projectId,
      name: 'www.example.com',
      component: { name: 'web', resource_type: 'app_v2' },
      tlsSecret: 'cert',
    });
    expect(expectResponse(created, 201, 'Created').status).toBe('deploying');
    const ready = await waitForDomainMappingReady(ce, { projectId, name: 'www.example.com', ...poll });
    expect(ready.component).toEqual({ name: 'web', resource_type: 'app_v2' });
    expect((await ce.getDomainMapping({ projectId, name: 'www.example.com' })).result.tls_secret).toBe(
      'cert',
    );
    expect((await ce.listDomainMappings({ projectId })).result.domain_mappings).toHaveLength(1);
    expect(await new CodeEngineV2.DomainMappingsPager(ce, { projectId }).getAll()).toHaveLength(1);

    const patched = await ce.updateDomainMapping({
      projectId,
      name: 'www.example.com',
      ifMatch: '*',
      component: { name: 'web' },
    });
    expect(expectResponse(patched, 200, 'OK').component?.name).toBe('web');
    expect((await ce.deleteDomainMapping({ projectId, name: 'www.example.com' })).status).toBe(202);
  });

  it('binds a service access secret to the app: creates, reads by id, lists, deletes', async () => {
    const created = await ce.createBinding({
      projectId,
      component: { name: 'web', resource_type: 'app_v2' },
      prefix: 'DB',
      secretName: 'access',
    });
    const binding = expectResponse(created, 201, 'Created');
    expect((await ce.getBinding({ projectId, id: binding.id! })).result.secret_name).toBe('access');
    expect((await ce.listBindings({ projectId })).result.bindings.map((b) => b.id)).toEqual([binding.id]);
    const ids: string[] = [];
    for await (const b of new CodeEngineV2.BindingsPager(ce, { projectId })) ids.push(b.id!);
    expect(ids).toEqual([binding.id]);
    expect((await ce.deleteBinding({ projectId, id: binding.id! })).status).toBe(202);
  });
});

describe('builds and build runs', () => {
  it('creates a build, runs it, waits until the run succeeded, pages runs, updates and deletes', async () => {
    const created = await ce.createBuild({
      projectId,
      name: 'img',
      outputImage: 'us.icr.io/ns/app:latest',
      outputSecret: 'push',
      strategyType: 'dockerfile',
      sourceUrl: 'https://github.com/IBM/CodeEngine',
      sourceContextDir: 'helloworld',
      timeout: 900,
    });
    const build = expectResponse(created, 201, 'Created');
    expect(build.timeout).toBe(900);
    expect((await ce.getBuild({ projectId, name: 'img' })).result.strategy_type).toBe('dockerfile');
    expect((await ce.listBuilds({ projectId })).result.builds.map((b) => b.name)).toEqual(['img']);
    expect(await new CodeEngineV2.BuildsPager(ce, { projectId }).getAll()).toHaveLength(1);
    const updated = await ce.updateBuild({
      projectId,
      name: 'img',
      ifMatch: build.entity_tag!,
      strategySize: 'large',
    });
    expect(expectResponse(updated, 200, 'OK').strategy_size).toBe('large');

    const run = expectResponse(await ce.createBuildRun({ projectId, buildName: 'img' }), 202, 'Accepted');
    await ce.createBuildRun({ projectId, buildName: 'img', name: 'img-run-2' });
    const finished = await waitForBuildRunFinished(ce, { projectId, name: run.name!, ...poll });
    expect(finished.status).toBe('succeeded');
    expect((await ce.getBuildRun({ projectId, name: run.name! })).result.build_name).toBe('img');
    expect((await ce.listBuildRuns({ projectId, buildName: 'img' })).result.build_runs).toHaveLength(2);
    const runs: string[] = [];
    for await (const r of new CodeEngineV2.BuildRunsPager(ce, { projectId, buildName: 'img', limit: 1 }))
      runs.push(r.name!);
    expect(runs.sort()).toEqual([run.name!, 'img-run-2'].sort());
    expect((await ce.deleteBuildRun({ projectId, name: 'img-run-2' })).status).toBe(202);
    expect((await ce.deleteBuild({ projectId, name: 'img' })).status).toBe(202);
  });
});

describe('jobs and job runs', () => {
  it('creates a job, runs it, waits until the run completed, pages runs, updates and deletes', async () => {
    const created = await ce.createJob({
      projectId,
      name: 'batch',
      imageReference: 'icr.io/codeengine/firstjob',
      runEnvVariables: [{ type: 'literal', name: 'GREETING', value: 'hi' }],
    });
    const job = expectResponse(created, 201, 'Created');
    expect((await ce.getJob({ projectId, name: 'batch' })).result.image_reference).toBe(
      'icr.io/codeengine/firstjob',
    );
    expect((await ce.listJobs({ projectId })).result.jobs.map((j) => j.name)).toEqual(['batch']);
    expect(await new CodeEngineV2.JobsPager(ce, { projectId }).getAll()).toHaveLength(1);
    const updated = await ce.updateJob({
      projectId,
      name: 'batch',
      ifMatch: job.entity_tag!,
      scaleRetryLimit: 1,
    });
    expect(expectResponse(updated, 200, 'OK').scale_retry_limit).toBe(1);

    const run = expectResponse(await ce.createJobRun({ projectId, jobName: 'batch' }), 202, 'Accepted');
    await ce.createJobRun({ projectId, jobName: 'batch', name: 'batch-run-2' });
    const finished = await waitForJobRunFinished(ce, { projectId, name: run.name!, ...poll });
    expect(finished.status).toBe('completed');
    expect((await ce.getJobRun({ projectId, name: run.name! })).result.job_name).toBe('batch');
    expect((await ce.listJobRuns({ projectId, jobName: 'batch' })).result.job_runs).toHaveLength(2);
    const pager = new CodeEngineV2.JobRunsPager(ce, { projectId, jobName: 'batch', limit: 1 });
    const runs = await pager.getAll();
    expect(runs.map((r) => r.name).sort()).toEqual([run.name!, 'batch-run-2'].sort());
    expect(pager.hasNext()).toBe(false);
    expect((await ce.deleteJobRun({ projectId, name: 'batch-run-2' })).status).toBe(202);
    expect((await ce.deleteJob({ projectId, name: 'batch' })).status).toBe(202);
  });
});

describe('functions', () => {
  it('lists runtimes, creates, waits until ready, reads, lists, updates and deletes', async () => {
    const runtimes = expectResponse(await ce.listFunctionRuntimes(), 200, 'OK').function_runtimes;
    expect(runtimes.map((r) => r.id)).toContain('nodejs-20');
    const created = await ce.createFunction({
      projectId,
      name: 'greet',
      runtime: 'nodejs-20',
      codeReference: CODE,
    });
    expect(expectResponse(created, 201, 'Created').status).toBe('deploying');
    const ready = await waitForFunctionReady(ce, { projectId, name: 'greet', ...poll });
    expect(ready.endpoint).toBeTruthy();
    expect((await ce.getFunction({ projectId, name: 'greet' })).result.runtime).toBe('nodejs-20');
    expect((await ce.listFunctions({ projectId })).result.functions).toHaveLength(1);
    const names: string[] = [];
    for await (const f of new CodeEngineV2.FunctionsPager(ce, { projectId })) names.push(f.name!);
    expect(names).toEqual(['greet']);
    const updated = await ce.updateFunction({
      projectId,
      name: 'greet',
      ifMatch: ready.entity_tag!,
      scaleConcurrency: 5,
    });
    expect(expectResponse(updated, 200, 'OK').scale_concurrency).toBe(5);
    expect((await ce.deleteFunction({ projectId, name: 'greet' })).status).toBe(202);
  });
});

describe('typed errors', () => {
  it('404, 409, 412 on a stale If-Match and 400, each in the Code Engine error body', async () => {
    const missing = await rejection(ce.getApp({ projectId, name: 'nope' }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.status).toBe(404);
    expect((missing.result as any).status_code).toBe(404);
    expect(typeof missing.trace).toBe('string');

    const duplicate = await rejection(
      ce.createApp({ projectId, name: 'web', imageReference: 'icr.io/codeengine/helloworld' }),
    );
    expect(duplicate).toBeInstanceOf(ConflictError);
    expect(duplicate.codes.length).toBeGreaterThan(0);

    const { result: app } = await ce.getApp({ projectId, name: 'web' });
    await ce.updateApp({ projectId, name: 'web', ifMatch: app.entity_tag!, scaleMaxInstances: 5 });
    const stale = await rejection(
      ce.updateApp({ projectId, name: 'web', ifMatch: app.entity_tag!, scaleMaxInstances: 7 }),
    );
    expect(stale).toBeInstanceOf(ApiError);
    expect(stale.status).toBe(412);
    expect((await ce.getApp({ projectId, name: 'web' })).result.scale_max_instances).toBe(5);

    const bad = await rejection(ce.createConfigMap({ projectId, name: 'Not A Name!' }));
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.status).toBe(400);
  });
});

describe('clean-up', () => {
  it('deletes the app and the projects', async () => {
    expect((await ce.deleteApp({ projectId, name: 'web' })).status).toBe(202);
    const other = (await ce.listProjects()).result.projects.find((p) => p.name === 'sdk-ops-2')!;
    const deleted = await ce.deleteProject({ id: other.id! });
    expect(expectResponse(deleted, 202, 'Accepted')).toBeUndefined();
    expect(deleted.headers['x-request-id']).toBeTruthy();
    expect((await ce.deleteProject({ id: projectId })).status).toBe(202);
  });
});

describe('coverage', () => {
  it('called every one of the 67 operation methods', () => {
    expect(OPERATIONS).toHaveLength(67);
    expect(OPERATIONS.filter((m) => !called.has(m))).toEqual([]);
  });
});
