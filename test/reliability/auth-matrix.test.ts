import crypto from 'node:crypto';
import Ajv from 'ajv';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape } from '../helpers/error-shapes.ts';
import {
  CE_PREFIX,
  CE_VERSION,
  servedOperations,
  type ServedOperation,
} from '../helpers/served-operations.ts';
import { startTestServer, TEST_DB, type TestServer, type TestUser } from '../helpers/server.ts';
import { addMembers, newProject } from '../projects/projects-fixtures.ts';
import { addMember as addSpaceMember, createSpace } from '../spaces/helpers.ts';
import { addCatalogMember, createCatalog } from '../assets/helpers.ts';

/**
 * Every registered operation of both contracts, derived from the contracts (so a new endpoint
 * cannot be forgotten), against: no token, a malformed token, an expired token, a revoked project
 * token (401 each), a user who is not a member of the container (403, or 404 where the area hides
 * what the caller cannot see), and a viewer trying to write (403). Each answer in its area's body.
 */
const SIGNING_KEY = crypto.randomBytes(32).toString('base64url');
type Op = ServedOperation;

let s: TestServer;
let ops: Op[] = [];
let outsider: TestUser;
let viewer: TestUser;
let revokedProjectToken: string;
let expiredToken: string;
const fixtures: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer({ tokenSigningKey: SIGNING_KEY });
  const [admin, v, o] = [
    await s.createUser('owner'),
    await s.createUser('viewer'),
    await s.createUser('outsider'),
  ];
  viewer = v;
  outsider = o;
  fixtures.user_names = viewer.username;
  fixtures.user_name = viewer.username;
  fixtures.project_id = await newProject(s, admin.token, { storage: { type: 'assetfiles' } });
  await addMembers(s, admin.token, fixtures.project_id, [{ user: viewer, role: 'viewer' }]);
  fixtures.space_id = await createSpace(s, admin.token);
  await addSpaceMember(s, admin.token, fixtures.space_id, viewer, 'viewer');
  fixtures.catalog_id = await createCatalog(s, admin.token);
  await addCatalogMember(s, admin.token, fixtures.catalog_id, viewer, 'viewer');
  const ce = await s.call('POST', `${CE_PREFIX}/projects?version=${CE_VERSION}`, {
    token: admin.token,
    body: { name: 'auth-matrix' },
  });
  expect(ce.status, ce.text).toBe(202);
  fixtures.ce_project_id = ce.body.id;

  const issued = await s.call('POST', `/v2/projects/${fixtures.project_id}/tokens`, {
    token: admin.token,
    body: { name: 'to revoke', scopes: [{ audience: 'project', guid: fixtures.project_id, role: 'admin' }] },
  });
  expect(issued.status, issued.text).toBe(201);
  revokedProjectToken = issued.body.token;
  const revoked = await s.call('DELETE', `/v2/projects/${fixtures.project_id}/tokens/${issued.body.guid}`, {
    token: admin.token,
  });
  expect(revoked.status).toBe(204);

  // Signed with the server's key, so only its expiry is wrong.
  const past = Math.floor(Date.now() / 1000) - 3600;
  expiredToken = await new SignJWT({
    iam_id: viewer.iam_id,
    uid: viewer.id,
    email: viewer.username,
    akid: 'ApiKey-expired',
    token_use: 'access',
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(viewer.iam_id)
    .setIssuer('local-iam')
    .setIssuedAt(past - 60)
    .setExpirationTime(past)
    .sign(new TextEncoder().encode(SIGNING_KEY));

  ops = servedOperations(s);
});
afterAll(async () => s?.close());

const CONTAINERS = ['project_id', 'space_id', 'catalog_id'];
const ajv = new Ajv({ strict: false, coerceTypes: false });
ajv.addFormat('date-time', true).addFormat('uri', true).addFormat('email', true).addFormat('uuid', true);

/**
 * Bodies an authorized caller could send where the schema alone cannot tell (patterns, and Code
 * Engine's checks of what a value means): the refusal must then come from the role check.
 */
const VALID_BODIES: Record<string, unknown> = {
  'POST /v2/projects/{project_id}/tags': ['matrix'],
  'PATCH /v2/projects/{project_id}/tags': [{ op: 'add', tags: ['matrix'] }],
  'POST /v2/assets': { metadata: { name: 'matrix', asset_type: 'data_asset' }, entity: {} },
  'PATCH /v2/assets/{asset_id}': [{ op: 'replace', path: '/metadata/name', value: 'renamed' }],
  'PATCH /v2/environments/{environment_guid}': { '/metadata/name': 'renamed' },
  'PATCH /v2/connections/{connection_id}': [{ op: 'replace', path: '/name', value: 'renamed' }],
  'POST /v2/jobs': { job: { name: 'matrix', asset_ref: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' } },
  'PATCH /v2/jobs/{job_id}': [{ op: 'replace', path: '/metadata/name', value: 'renamed' }],
  'POST /v2/hardware_specifications': {
    name: 'matrix',
    nodes: { cpu: { units: '2' }, mem: { size: '8Gi' } },
  },
  'PATCH /v2/hardware_specifications/{hardware_specification_guid}': { '/metadata/name': 'renamed' },
  'PATCH /v2/software_specifications/{software_specification_guid}': { '/metadata/name': 'renamed' },
  'PATCH /v2/package_extensions/{package_extension_guid}': { '/metadata/name': 'renamed' },
  'POST /codeengine/v2/projects/{project_id}/secrets': {
    name: 'matrix',
    format: 'generic',
    data: { k: 'v' },
  },
  'POST /codeengine/v2/projects/{project_id}/allowed_outbound_destinations': {
    type: 'cidr_block',
    name: 'matrix',
    cidr_block: '10.0.0.0/16',
  },
  'POST /codeengine/v2/projects/{project_id}/bindings': {
    component: { name: 'matrix', resource_type: 'app_v2' },
    prefix: 'MATRIX',
    secret_name: 'matrix',
  },
  'POST /codeengine/v2/projects/{project_id}/builds': {
    name: 'matrix',
    output_image: 'private.de.icr.io/matrix/image:latest',
    output_secret: 'matrix',
    source_url: 'https://github.com/IBM/CodeEngine',
    strategy_type: 'dockerfile',
  },
  'POST /codeengine/v2/projects/{project_id}/domain_mappings': {
    name: 'www.example.com',
    component: { name: 'matrix', resource_type: 'app_v2' },
    tls_secret: 'matrix',
  },
  'POST /codeengine/v2/projects/{project_id}/persistent_data_stores': {
    name: 'matrix',
    storage_type: 'object_storage',
    data: { bucket_location: 'eu-de', bucket_name: 'matrix', secret_name: 'matrix' },
  },
};

/** A value the schema accepts, built from its keywords (undefined when it cannot tell). */
function sample(schema: any, name = ''): any {
  if (!schema || typeof schema !== 'object') return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s2: any) => sample(s2, name)));
  if (schema.oneOf || schema.anyOf) return sample((schema.oneOf ?? schema.anyOf)[0], name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key], key);
    return out;
  }
  if (type === 'array') return Array.from({ length: schema.minItems ?? 1 }, () => sample(schema.items, name));
  if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
  if (type === 'boolean') return true;
  if (fixtures[name]) return fixtures[name];
  if (schema.format === 'date-time') return new Date().toISOString();
  if (schema.format === 'uuid' || String(schema.pattern).includes('[0-9a-f]{8}')) return crypto.randomUUID();
  if (schema.format === 'email') return 'someone@example.com';
  if (schema.pattern) return undefined;
  return 'a'.repeat(Math.max(1, schema.minLength ?? 3)).slice(0, schema.maxLength ?? 3);
}

/** The request an authorized caller could send: fixture containers, sampled parameters and body. */
function requestOf(op: Op) {
  const ceProject = op.prefix === CE_PREFIX && op.path.includes('{project_id}');
  const path =
    op.prefix +
    op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      if (name === 'project_id') return ceProject ? fixtures.ce_project_id : fixtures.project_id;
      const value = sample(op.schema.params?.properties?.[name], name);
      return encodeURIComponent(String(value ?? 'x1'));
    });
  const query = new URLSearchParams();
  const qs = op.schema.querystring;
  // One container per request: the project when the operation takes one, else a space or a catalog.
  const container = CONTAINERS.find((c) => qs?.properties?.[c]);
  for (const [name, schema] of Object.entries<any>(qs?.properties ?? {})) {
    const wanted = CONTAINERS.includes(name) ? name === container : qs.required?.includes(name);
    if (!wanted) continue;
    const value = name === 'version' ? CE_VERSION : (fixtures[name] ?? sample(schema, name));
    if (value !== undefined) query.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  let body: string | undefined;
  let bodyValid = true;
  const known = VALID_BODIES[`${op.method} ${op.prefix}${op.path}`];
  const media = Object.keys(
    s.built.ctx[ceProject ? 'codeEngineContract' : 'contract'].doc.paths[op.path]?.[op.method.toLowerCase()]
      ?.requestBody?.content ?? {},
  );
  let contentType: string | undefined;
  if (op.schema.body) {
    const value = known ?? sample(op.schema.body);
    bodyValid = ajv.validate(op.schema.body, structuredClone(value));
    body = JSON.stringify(value);
  } else if (media.length) {
    // Content the route reads itself (uploads, archives): any bytes of its media type.
    contentType = media[0];
    body = 'matrix';
  }
  const scoped =
    !ceProject &&
    (/\{(project_id|space_id|catalog_id)\}/.test(op.path) || CONTAINERS.some((c) => query.has(c)));
  const url = path + (query.size ? `?${query}` : '');
  return { url, body, bodyValid, scoped, ceProject, contentType };
}

async function send(
  op: Op,
  url: string,
  authorization: string | undefined,
  body?: string,
  contentType?: string,
) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined)
    headers['content-type'] =
      op.method === 'PATCH' && op.prefix ? 'application/merge-patch+json' : 'application/json';
  if (op.prefix && (op.method === 'PUT' || op.method === 'PATCH')) headers['if-match'] = '*';
  if (op.method === 'PATCH' && !op.prefix && /json-patch/.test(JSON.stringify(op.schema.body ?? {})))
    headers['content-type'] = 'application/json-patch+json';
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(s.url + url, { method: op.method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text for the message */
  }
  return { status: res.status, body: parsed };
}

describe(`auth matrix over every registered operation (${TEST_DB})`, () => {
  it('refuses every operation without a valid token with 401 in its area body', async () => {
    expect(ops.length).toBeGreaterThan(100);
    const bad: [string, string | undefined][] = [
      ['no token', undefined],
      ['malformed token', 'Bearer not.a-real.token'],
      ['expired token', `Bearer ${expiredToken}`],
      ['revoked project token', `Bearer ${revokedProjectToken}`],
    ];
    let checked = 0;
    for (const op of ops) {
      const { url, body, contentType } = requestOf(op);
      for (const [label, authorization] of bad) {
        const res = await send(op, url, authorization, body, contentType);
        const where = `${label}: ${op.method} ${url}`;
        expect(res.status, `${where} ${JSON.stringify(res.body)}`).toBe(401);
        expectErrorShape(op.format, 401, res.body, where);
        checked++;
      }
    }
    console.log(`auth matrix: ${checked} unauthenticated calls over ${ops.length} operations, all 401`);
  }, 600_000);

  it('refuses non-members (403, or 404 where the area hides the container) and viewers who write (403)', async () => {
    let outsiderChecks = 0;
    let viewerChecks = 0;
    const unsampled: string[] = [];
    const wrong: string[] = [];
    for (const op of ops) {
      const { url, body, bodyValid, scoped, ceProject, contentType } = requestOf(op);
      const key = `${op.method} ${op.prefix}${op.path}`;
      if (!scoped && !ceProject) continue;
      if (!bodyValid) {
        unsampled.push(key);
        continue;
      }
      const expected = op.statuses.includes(403) && !ceProject ? 403 : 404;
      const res = await send(op, url, `Bearer ${outsider.token}`, body, contentType);
      if (res.status !== expected) wrong.push(`non-member ${key}: ${res.status} ${JSON.stringify(res.body)}`);
      else expectErrorShape(op.format, expected, res.body, `non-member: ${key}`);
      outsiderChecks++;
      // Searches and connection actions (test, record counts...) read through POST/PUT: viewers may.
      const write = op.method !== 'GET' && !/search|performAction/i.test(op.operationId);
      if (write && scoped) {
        const r = await send(op, url, `Bearer ${viewer.token}`, body, contentType);
        if (r.status !== 403) wrong.push(`viewer write ${key}: ${r.status} ${JSON.stringify(r.body)}`);
        else expectErrorShape(op.format, 403, r.body, `viewer write: ${key}`);
        viewerChecks++;
      }
    }
    console.log(
      `auth matrix: ${outsiderChecks} non-member calls, ${viewerChecks} viewer writes; ` +
        `no valid body could be generated for ${unsampled.length}: ${unsampled.join(', ')}`,
    );
    expect(wrong, wrong.join('\n')).toEqual([]);
    // A new operation whose body the sampler cannot build must get an entry in VALID_BODIES.
    expect(unsampled).toEqual([]);
    expect(outsiderChecks).toBeGreaterThan(20);
  }, 600_000);
});
