// Compiles every schema of the Code Engine contract with Ajv in draft-07 mode
// and its default strict settings (as Fastify does; strict-mode warnings fail
// the test too), and checks that the discriminated variants, merge patches and
// parameter schemas accept and refuse what they should.
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';

type Schema = Record<string, unknown>;
// ajv and ajv-formats are CommonJS; take the default export whichever way the loader hands it over
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule;

const spec = JSON.parse(
  readFileSync(new URL('../../spec/code-engine-v2.openapi.json', import.meta.url), 'utf8'),
);
const components: Record<string, Schema> = spec.components.schemas;

function deref(node: unknown, stack: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => deref(n, stack));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') {
    const name = obj.$ref.replace('#/components/schemas/', '');
    if (!obj.$ref.startsWith('#/components/schemas/')) throw new Error(`ref outside components: ${obj.$ref}`);
    if (stack.includes(name)) throw new Error(`recursive schema ${[...stack, name].join(' -> ')}`);
    if (!components[name]) throw new Error(`dangling ref ${obj.$ref}`);
    return deref(components[name], [...stack, name]);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = deref(v, stack);
  return out;
}

const ajvWarnings: string[] = [];
const ajv = new Ajv({
  allErrors: true,
  logger: { log: () => {}, warn: (...m: unknown[]) => ajvWarnings.push(m.join(' ')), error: () => {} },
});
addFormats(ajv);
const compile = (schema: unknown) => ajv.compile(deref(schema) as Schema);
const validatorOf = (name: string) => compile({ $ref: `#/components/schemas/${name}` });

const FORBIDDEN = ['prefixItems', '$defs', 'nullable', 'discriminator', 'example', 'examples', 'if', 'then'];
function keywordsIn(node: unknown, found: Set<string>, inProperties = false): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => keywordsIn(n, found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (!inProperties) found.add(k);
      keywordsIn(v, found, !inProperties && k === 'properties');
    }
  }
  return found;
}

const op = (method: string, path: string) => spec.paths[path][method];
const bodyValidator = (method: string, path: string) => {
  const content = op(method, path).requestBody.content;
  return compile((Object.values(content)[0] as { schema: unknown }).schema);
};

describe('Code Engine contract schemas', () => {
  it('compiles every component schema with strict Ajv and no warnings', () => {
    expect(Object.keys(components).length).toBeGreaterThanOrEqual(92);
    for (const name of Object.keys(components)) expect(() => validatorOf(name), name).not.toThrow();
    expect(ajvWarnings).toEqual([]);
  });

  it('compiles every parameter, request body and response schema', () => {
    for (const [path, item] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const [method, o] of Object.entries<any>(item)) {
        for (const p of o.parameters ?? [])
          expect(() => compile(p.schema), `${method} ${path} ${p.name}`).not.toThrow();
        for (const media of Object.values<any>(o.requestBody?.content ?? {}))
          expect(() => compile(media.schema), `${method} ${path} body`).not.toThrow();
        for (const r of Object.values<any>(o.responses))
          for (const media of Object.values<any>(r.content ?? {}))
            expect(() => compile(media.schema), `${method} ${path} response`).not.toThrow();
      }
    }
    expect(ajvWarnings).toEqual([]);
  });

  it('uses only draft-07 keywords Fastify understands, and no recursion', () => {
    const found = keywordsIn(components, new Set());
    for (const k of FORBIDDEN) expect(found.has(k), k).toBe(false);
    expect([...found].filter((k) => k.startsWith('x-'))).toEqual([]);
    for (const name of Object.keys(components)) expect(() => deref(components[name], [name])).not.toThrow();
  });

  it('tells allowed outbound destination variants apart by type', () => {
    const create = bodyValidator('post', '/projects/{project_id}/allowed_outbound_destinations');
    expect(create({ type: 'cidr_block', name: 'allow-egress', cidr_block: '10.0.0.0/24' })).toBe(true);
    expect(
      create({
        type: 'private_path_service_gateway',
        name: 'pps-to-service-x',
        private_path_service_gateway_crn:
          'crn:v1:bluemix:public:is:us-south:a/123::private-path-service-gateway:r1',
        isolation_policy: 'dedicated',
      }),
    ).toBe(true);
    expect(create({ type: 'cidr_block', cidr_block: '10.0.0.0/24' })).toBe(false); // no name
    expect(create({ type: 'private_path_service_gateway', name: 'x' })).toBe(false); // no crn
    expect(
      create({
        type: 'private_path_service_gateway',
        name: 'x',
        private_path_service_gateway_crn: 'c',
        isolation_policy: 'open',
      }),
    ).toBe(false);
    expect(create({ type: 'vpn', name: 'x', cidr_block: '10.0.0.0/24' })).toBe(false);

    const read = validatorOf('AllowedOutboundDestination');
    expect(read({ type: 'cidr_block', cidr_block: '10.0.0.0/24' })).toBe(true);
    expect(
      read({
        type: 'private_path_service_gateway',
        name: 'p',
        isolation_policy: 'shared',
        private_path_service_gateway_crn: 'crn',
        status: 'deploying',
        status_details: {
          reason: 'private_path_connection_approval_pending',
          endpoint_gateway: { ips: ['10.1.1.1'] },
        },
      }),
    ).toBe(true);
    expect(read({ type: 'private_path_service_gateway', private_path_service_gateway_crn: 'crn' })).toBe(
      false,
    );
  });

  it('accepts merge patches of either variant, without type', () => {
    const patch = bodyValidator('patch', '/projects/{project_id}/allowed_outbound_destinations/{name}');
    expect(patch({ cidr_block: '10.0.1.0/24' })).toBe(true);
    expect(patch({ isolation_policy: 'dedicated' })).toBe(true);
    expect(patch({})).toBe(true);
    expect(patch({ type: 'cidr_block', cidr_block: '10.0.1.0/24' })).toBe(false);
    expect(patch({ cidr_block: '10.0.1.0/24', isolation_policy: 'shared' })).toBe(false);
    const app = op('patch', '/projects/{project_id}/apps/{name}');
    expect(Object.keys(app.requestBody.content)).toEqual(['application/merge-patch+json']);
    expect(bodyValidator('patch', '/projects/{project_id}/apps/{name}')({ scale_min_instances: 1 })).toBe(
      true,
    );
  });

  it('picks the secret data variant by format', () => {
    const create = bodyValidator('post', '/projects/{project_id}/secrets');
    expect(create({ name: 's', format: 'basic_auth', data: { username: 'u', password: 'p' } })).toBe(true);
    expect(create({ name: 's', format: 'basic_auth', data: { username: 'u' } })).toBe(false);
    expect(create({ name: 's', format: 'generic', data: { anything: 'v' } })).toBe(true);
    expect(create({ name: 's', format: 'generic', data: { 'bad key!': 'v' } })).toBe(false);
    expect(
      create({ name: 's', format: 'service_access', service_access: { service_instance: { id: 'i' } } }),
    ).toBe(true);
    expect(create({ name: 's', format: 'nope' })).toBe(false);
    const replace = bodyValidator('put', '/projects/{project_id}/secrets/{name}');
    expect(replace({ format: 'tls', data: { tls_cert: 'c', tls_key: 'k' } })).toBe(true);
    expect(replace({ data: { tls_cert: 'c', tls_key: 'k' } })).toBe(false);
  });

  it('validates persistent data stores, config map data and probes', () => {
    const pds = bodyValidator('post', '/projects/{project_id}/persistent_data_stores');
    const data = { bucket_name: 'b', bucket_location: 'eu-de', secret_name: 'hmac' };
    expect(pds({ name: 'p', storage_type: 'object_storage', data })).toBe(true);
    expect(
      pds({ name: 'p', storage_type: 'object_storage', data: { ...data, bucket_location: 'mars-1' } }),
    ).toBe(false);
    expect(pds({ name: 'p', storage_type: 'block' })).toBe(false);
    const cm = bodyValidator('post', '/projects/{project_id}/config_maps');
    expect(cm({ name: 'c', data: { 'app.properties': 'x=1' } })).toBe(true);
    expect(cm({ name: 'c', data: { key: 1 } })).toBe(false);
    expect(validatorOf('ProbePrototype')({ type: 'http', path: '/health' })).toBe(true);
    expect(validatorOf('ProbePrototype')({ type: 'grpc' })).toBe(false);
  });

  it('validates the error body', () => {
    const err = validatorOf('CodeEngineError');
    expect(
      err({
        errors: [
          {
            code: 'not_found',
            message: 'Project not found',
            more_info: 'https://example',
            target: { type: 'parameter', name: 'project_id' },
          },
        ],
        status_code: 404,
        trace: 'abc',
      }),
    ).toBe(true);
    expect(err({ errors: [], status_code: 404, trace: 'abc' })).toBe(false);
    expect(err({ errors: [{ code: 'x', message: 'y' }], trace: 'abc' })).toBe(false);
  });
});
