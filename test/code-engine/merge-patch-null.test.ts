// `null` in the six JSON merge patches (RFC 7396): it removes a member, which then reads as it does
// when a create leaves it out; members a resource cannot lack refuse it with a 400 that changes
// nothing. The nullable members are read from the contract, so a new one without a case here fails.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeEngineV2, IamAuthenticator } from '../../packages/code-engine-sdk/src/index.ts';
import type { TestServer } from '../helpers/server.ts';
import {
  CE,
  READY_MS,
  VERSION,
  activeProject,
  expectCodeEngineError,
  sleep,
  startCodeEngineServer,
} from './helpers.ts';

const spec = JSON.parse(
  fs.readFileSync(new URL('../../spec/code-engine-v2.openapi.json', import.meta.url), 'utf8'),
);
const schemas = spec.components.schemas;
const MERGE = 'application/merge-patch+json';
const CRN = 'crn:v1:bluemix:public:is:us-south:a/acct123::private-path-service-gateway:r006-gw1';

/** Members of a patch body that accept `null`, and those that do not. */
function membersOf(schemaName: string) {
  const props = Object.entries(schemas[schemaName].properties as Record<string, unknown>);
  const nullable = props.filter(([, s]) => JSON.stringify(s).includes('"null"')).map(([k]) => k);
  return { nullable, kept: props.map(([k]) => k).filter((k) => !nullable.includes(k)) };
}

/** A value of each nullable member that differs from what a create without it gives. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  apps: {
    image_port: 9000,
    image_secret: 'push',
    managed_domain_mappings: 'local_private',
    probe_liveness: { type: 'tcp', port: 8080 },
    probe_readiness: { type: 'http', path: '/healthz', port: 8080 },
    run_arguments: ['-v'],
    run_as_user: 1001,
    run_commands: ['/app/start'],
    run_compute_resource_token_enabled: true,
    run_env_variables: [{ type: 'literal', name: 'A', value: 'b' }],
    run_service_account: 'reader',
    run_volume_mounts: [{ type: 'config_map', reference: 'cfg', mount_path: '/etc/cfg' }],
    scale_concurrency: 50,
    scale_concurrency_target: 40,
    scale_cpu_limit: '2',
    scale_down_delay: 30,
    scale_ephemeral_storage_limit: '800M',
    scale_initial_instances: 2,
    scale_max_instances: 3,
    scale_memory_limit: '8G',
    scale_min_instances: 1,
    scale_request_timeout: 120,
  },
  jobs: {
    image_secret: 'push',
    run_arguments: ['-v'],
    run_as_user: 1001,
    run_commands: ['/job/start'],
    run_compute_resource_token_enabled: true,
    run_env_variables: [{ type: 'literal', name: 'A', value: 'b' }],
    run_mode: 'daemon',
    run_service_account: 'reader',
    run_volume_mounts: [{ type: 'config_map', reference: 'cfg', mount_path: '/etc/cfg' }],
    scale_array_spec: '0-4',
    scale_cpu_limit: '2',
    scale_ephemeral_storage_limit: '800M',
    scale_max_execution_time: 600,
    scale_memory_limit: '8G',
    scale_retry_limit: 1,
  },
  functions: {
    code_binary: true,
    code_main: 'handler',
    code_secret: 'push',
    managed_domain_mappings: 'local_private',
    run_compute_resource_token_enabled: true,
    run_env_variables: [{ type: 'literal', name: 'A', value: 'b' }],
    scale_concurrency: 5,
    scale_cpu_limit: '0.5',
    scale_down_delay: 30,
    scale_max_execution_time: 30,
    scale_memory_limit: '2G',
  },
  builds: {
    run_build_params: [{ type: 'literal', name: 'ARG', value: 'v' }],
    source_context_dir: 'helloworld',
    source_revision: 'main',
    source_secret: 'ssh',
    source_type: 'local',
    source_url: 'https://github.com/IBM/other',
    strategy_size: 'large',
    strategy_spec_file: 'Dockerfile.prod',
  },
};

/** What must come with a removal: back on git (the default source type), a build needs its URL again. */
const WITH_REMOVAL: Record<string, Record<string, unknown>> = {
  'builds.source_type': { source_url: 'https://github.com/IBM/CodeEngine' },
};

/** What each resource is created from (its required members only, plus what a sample needs). */
const RESOURCES = [
  {
    path: 'apps',
    patch: 'AppPatch',
    create: (name: string) => ({ name, image_reference: 'icr.io/codeengine/helloworld' }),
  },
  {
    path: 'jobs',
    patch: 'JobPatch',
    create: (name: string) => ({ name, image_reference: 'icr.io/codeengine/firstjob' }),
  },
  {
    path: 'functions',
    patch: 'FunctionPatch',
    // A bundle in a registry, so `code_binary` and `code_secret` apply.
    create: (name: string) => ({ name, runtime: 'nodejs-20', code_reference: 'icr.io/ns/bundle:1' }),
  },
  {
    path: 'builds',
    patch: 'BuildPatch',
    create: (name: string) => ({
      name,
      output_image: 'us.icr.io/ns/app:latest',
      output_secret: 'push',
      strategy_type: 'dockerfile',
      source_url: 'https://github.com/IBM/CodeEngine',
    }),
  },
];

let s: TestServer;
let p: string;
let projectId: string;
const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

beforeAll(async () => {
  s = await startCodeEngineServer();
  projectId = (await activeProject(s, 'null-patches')).id;
  p = `${CE}/projects/${projectId}`;
  const bodies = [
    { name: 'push', format: 'registry', data: { server: 'us.icr.io', username: 'iamapikey', password: 'x' } },
    { name: 'ssh', format: 'ssh_auth', data: { ssh_key: fixture('other-key.pem') } },
    {
      name: 'cert',
      format: 'tls',
      data: { tls_cert: fixture('tls-cert.pem'), tls_key: fixture('tls-key.pem') },
    },
  ];
  for (const body of bodies) {
    const res = await s.call('POST', `${p}/secrets`, { body });
    expect(res.status, res.text).toBe(201);
  }
  expect((await s.call('POST', `${p}/config_maps`, { body: { name: 'cfg', data: { a: 'b' } } })).status).toBe(
    201,
  );
});
afterAll(async () => s?.close());

const patch = (path: string, body: unknown) =>
  s.call('PATCH', `${p}/${path}?version=${VERSION}`, {
    body,
    contentType: MERGE,
    headers: { 'if-match': '*' },
  });

describe('null in merge patches', () => {
  for (const r of RESOURCES) {
    const { nullable, kept } = membersOf(r.patch);

    it(`${r.patch}: has a case for every member that accepts null`, () => {
      expect(nullable.length).toBeGreaterThan(0);
      expect(nullable.filter((m) => !(m in SAMPLES[r.path]!))).toEqual([]);
    });

    it(`${r.patch}: null removes each member, which then reads as if never set`, async () => {
      const created = await s.call('POST', `${p}/${r.path}`, { body: r.create(`${r.path}-null`) });
      expect(created.status, created.text).toBe(201);
      const original = created.body;
      const at = `${r.path}/${r.path}-null`;
      for (const member of nullable) {
        if (`${r.path}.${member}` === 'builds.source_url') continue; // a git build needs one: below
        const set = await patch(at, { [member]: SAMPLES[r.path]![member] });
        expect(set.status, `${member}: ${set.text}`).toBe(200);
        expect(set.body[member], member).not.toEqual(original[member]);
        const removed = await patch(at, { ...WITH_REMOVAL[`${r.path}.${member}`], [member]: null });
        expect(removed.status, `${member}: ${removed.text}`).toBe(200);
        expect(removed.body[member], member).toEqual(original[member]);
        expect((await s.call('GET', `${p}/${at}`)).body[member], member).toEqual(original[member]);
      }
    });

    it(`${r.patch}: members a create requires refuse null and nothing changes`, async () => {
      const at = `${r.path}/${r.path}-null`;
      const before = (await s.call('GET', `${p}/${at}`)).body;
      expect(kept.length).toBeGreaterThan(0);
      for (const member of kept) {
        expectCodeEngineError(await patch(at, { [member]: null }), 400);
        // With a member that could be removed next to it, still nothing changes.
        expectCodeEngineError(await patch(at, { [nullable[0]!]: null, [member]: null }), 400);
      }
      expect((await s.call('GET', `${p}/${at}`)).body.entity_tag).toBe(before.entity_tag);
    });
  }

  it('BuildPatch: a build from git cannot lose its source URL; one turned local can', async () => {
    const at = 'builds/builds-null';
    const refused = await patch(at, { source_url: null });
    expect(expectCodeEngineError(refused, 400).target.name).toBe('source_url');
    const local = await patch(at, { source_type: 'local', source_url: null });
    expect(local.status, local.text).toBe(200);
    expect(local.body.source_url).toBeUndefined();
    expect(local.body.source_type).toBe('local');
  });

  it('DomainMappingPatch: component and tls_secret cannot be removed', async () => {
    expect(membersOf('DomainMappingPatch').nullable).toEqual([]);
    await s.call('POST', `${p}/apps`, {
      body: { name: 'web', image_reference: 'icr.io/codeengine/helloworld' },
    });
    const created = await s.call('POST', `${p}/domain_mappings`, {
      body: {
        name: 'www.example.com',
        component: { name: 'web', resource_type: 'app_v2' },
        tls_secret: 'cert',
      },
    });
    expect(created.status, created.text).toBe(201);
    for (const member of ['component', 'tls_secret'])
      expectCodeEngineError(await patch('domain_mappings/www.example.com', { [member]: null }), 400);
    const after = (await s.call('GET', `${p}/domain_mappings/www.example.com`)).body;
    expect(after.entity_tag).toBe(created.body.entity_tag);
  });

  it('allowed outbound destinations: null resets the isolation policy, and a CIDR block cannot be removed', async () => {
    await s.call('POST', `${p}/allowed_outbound_destinations`, {
      body: { type: 'cidr_block', name: 'office', cidr_block: '10.0.0.0/16' },
    });
    const cidr = await patch('allowed_outbound_destinations/office', { cidr_block: null });
    expect(expectCodeEngineError(cidr, 400).message).toMatch(/cidr_block/);

    await s.call('POST', `${p}/allowed_outbound_destinations`, {
      body: {
        type: 'private_path_service_gateway',
        name: 'ppsg',
        private_path_service_gateway_crn: CRN,
        isolation_policy: 'dedicated',
      },
    });
    await sleep(READY_MS + 50);
    const reset = await patch('allowed_outbound_destinations/ppsg', { isolation_policy: null });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body.isolation_policy).toBe('shared');
  });

  it('through the SDK: a null parameter is sent as null and removes the member', async () => {
    const ce = new CodeEngineV2({
      authenticator: new IamAuthenticator({ apikey: s.adminKey, url: s.url }),
      serviceUrl: `${s.url}${CE}`,
      version: VERSION,
    });
    const set = await ce.updateApp({ projectId, name: 'web', ifMatch: '*', scaleMaxInstances: 3 });
    expect(set.result.scale_max_instances).toBe(3);
    const removed = await ce.updateApp({ projectId, name: 'web', ifMatch: '*', scaleMaxInstances: null });
    const fresh = (
      await ce.createApp({ projectId, name: 'fresh', imageReference: 'icr.io/codeengine/helloworld' })
    ).result;
    expect(removed.result.scale_max_instances).toBe(fresh.scale_max_instances);
  });
});
