import crypto from 'node:crypto';
import Ajv from 'ajv';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_DB, type TestServer } from '../helpers/server.ts';
import { snapshotDatabase } from '../helpers/snapshot.ts';
import { expectErrorShape } from '../helpers/error-shapes.ts';
import {
  CE_PREFIX,
  CE_VERSION,
  servedOperations,
  type ServedOperation,
} from '../helpers/served-operations.ts';

/**
 * Contract-driven fuzzing: for every operation the server implements, requests that break the
 * contract in exactly one generated way (bad path value, bad query value, malformed JSON, a body
 * the schema refuses, a wrong media type, an oversized body, a bad token). Each candidate is
 * checked against the contract with Ajv first, so only truly invalid requests are sent.
 * Both contracts: the common core one, and Code Engine's (under `/codeengine/v2`, with its own
 * error body and a valid `version` on every request but those that break it).
 * Every answer must be a 4xx in the area's error format, and the database must not change.
 */
const TOTAL_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 6000);
const BODY_LIMIT = 64 * 1024;

const ajvOptions = { allErrors: false, useDefaults: false, strict: false } as const;
const coercing = new Ajv({ ...ajvOptions, coerceTypes: 'array' });
const exact = new Ajv({ ...ajvOptions, coerceTypes: false });
for (const a of [coercing, exact])
  a.addFormat('date-time', true).addFormat('uri', true).addFormat('email', true).addFormat('uuid', true);

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

type Served = ServedOperation;

let s: TestServer;
let implemented: Served[] = [];
const fixtures: Record<string, string> = {};
/** Path values of Code Engine operations (its `project_id` is a Code Engine project). */
const ceFixtures: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer({ bodyLimitBytes: BODY_LIMIT });
  // Real resources so that path parameters can point at things that exist.
  const project = await s.call('POST', '/transactional/v2/projects', {
    body: { name: 'fuzz target', generator: 'fuzz', storage: { type: 'assetfiles' } },
  });
  const projectId =
    project.body?.location?.split('/').pop() ?? project.body?.metadata?.guid ?? project.body?.id;
  if (projectId) fixtures.project_id = projectId;
  const space = await s.call('POST', '/v2/spaces', { body: { name: 'fuzz target' } });
  if (space.body?.metadata?.id) {
    fixtures.space_id = space.body.metadata.id;
    // Let the space finish preparing (its row is updated by a timer), so that the only writer
    // during the fuzz would be the fuzz.
    for (let i = 0; i < 200; i++) {
      const { rows } = await sql<{
        state: string;
      }>`select state from spaces where id = ${fixtures.space_id}`.execute(s.built.ctx.store.db);
      if (rows[0]?.state !== 'preparing') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const me = (await s.call('GET', '/admin/v1/users')).body.resources[0];
  fixtures.user_name = me.username;
  fixtures.member_id = me.iam_id;
  const ce = await s.call('POST', `${CE_PREFIX}/projects?version=${CE_VERSION}`, { body: { name: 'fuzz' } });
  if (ce.status !== 202) throw new Error(`Code Engine project: ${ce.status} ${ce.text}`);
  ceFixtures.project_id = ce.body.id;
  // Until it is active (its state moves on a timer), so that the fuzz is the only writer.
  for (let i = 0; i < 200; i++) {
    const got = await s.call('GET', `${CE_PREFIX}/projects/${ce.body.id}?version=${CE_VERSION}`);
    if (got.body?.status === 'active') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  implemented = servedOperations(s);
});
afterAll(async () => s?.close());

function validParam(op: Served, name: string): string {
  const known = op.prefix === CE_PREFIX ? ceFixtures : fixtures;
  if (known[name]) return known[name];
  const schema = op.schema.params?.properties?.[name] ?? {};
  return schema.pattern?.includes('[0-9a-f]{8}') ? crypto.randomUUID() : 'x1';
}

/** The operation's path with every parameter valid, except `override` when given. */
function pathOf(op: Served, override?: { name: string; value: string }): string {
  return (
    op.prefix +
    op.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
      encodeURIComponent(override?.name === name ? override.value : validParam(op, name)),
    )
  );
}

const oddStrings = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '-1',
    '1e999',
    'NaN',
    'true',
    'null',
    '[]',
    '{}',
    '%00',
    '../etc',
    'a'.repeat(2000),
    "' or 1=1 --",
  ),
  fc.integer().map(String),
);

/** Odd strings drawn once: a surface none of them breaks is left out (a filter would never pass). */
const oddSample = fc.sample(oddStrings, { numRuns: 500, seed: 7 });
const breakable = (invalid: (v: string) => boolean) => oddSample.some(invalid);

/** A plain string parameter accepts anything, so no value of it can be malformed. */
const constrained = (schema: any): boolean =>
  Boolean(schema.pattern || schema.enum || schema.maxLength || schema.minLength || schema.format) ||
  (schema.type !== undefined && schema.type !== 'string');

/** Arbitraries of requests that break the operation's contract; undefined when the op has no such surface. */
function arbitraries(op: Served): fc.Arbitrary<FuzzRequest>[] {
  // Code Engine requires a version on every request: a valid one, unless the fuzz breaks it.
  const always = op.prefix === CE_PREFIX ? { version: CE_VERSION } : undefined;
  const base = () => ({ method: op.method, path: pathOf(op), ...(always ? { query: always } : {}) });
  const out: fc.Arbitrary<FuzzRequest>[] = [];

  out.push(
    fc
      .oneof(fc.string({ maxLength: 60 }), fc.constant('a.b.c'), fc.base64String({ maxLength: 80 }))
      .map((junk) => ({
        ...base(),
        kind: 'bad-token',
        headers: { authorization: `Bearer ${junk.replace(/\s/g, '') || 'x'}` },
      })),
  );

  const params = op.schema.params;
  for (const [name, schema] of Object.entries<any>(params?.properties ?? {})) {
    if (!constrained(schema)) continue;
    const check = coercing.compile(schema);
    const invalid = (v: string) => v !== '' && !check(v);
    if (!breakable(invalid)) continue;
    out.push(
      oddStrings
        .filter(invalid)
        .map((v) => ({ ...base(), path: pathOf(op, { name, value: v }), kind: `path:${name}` })),
    );
  }

  const query = op.schema.querystring;
  if (query) {
    const check = coercing.compile(query);
    for (const [name, schema] of Object.entries<any>(query.properties ?? {})) {
      if (!constrained(schema)) continue;
      const invalid = (v: string) => !check({ [name]: v });
      if (!breakable(invalid)) continue;
      out.push(
        oddStrings
          .filter(invalid)
          .map((v) => ({ ...base(), kind: `query:${name}`, query: { ...always, [name]: v } })),
      );
    }
  }

  const headers = op.schema.headers;
  for (const [name, schema] of Object.entries<any>(headers?.properties ?? {})) {
    if (!constrained(schema)) continue;
    const check = coercing.compile(schema);
    // Header values must be printable ASCII on the wire (so If-Match, any non-empty text, has no bad value).
    const invalid = (v: string) => /^[\x21-\x7e]+$/.test(v) && !check(v);
    if (!breakable(invalid)) continue;
    out.push(
      oddStrings.filter(invalid).map((v) => ({ ...base(), kind: `header:${name}`, headers: { [name]: v } })),
    );
  }

  if (op.schema.body) {
    const check = exact.compile(op.schema.body);
    out.push(
      fc
        .string({ maxLength: 60 })
        .filter((t) => {
          try {
            JSON.parse(t);
            return false;
          } catch {
            return t.trim() !== '';
          }
        })
        .map((t) => ({
          ...base(),
          kind: 'body:malformed-json',
          body: t,
          headers: { 'content-type': 'application/json' },
        })),
      fc
        .jsonValue({ maxDepth: 3 })
        .filter((v) => !check(structuredClone(v)))
        .map((v) => ({
          ...base(),
          kind: 'body:schema',
          body: JSON.stringify(v),
          headers: { 'content-type': 'application/json' },
        })),
      fc.constantFrom('text/plain', 'application/xml', 'image/png').map((type) => ({
        ...base(),
        kind: 'body:media-type',
        body: '{}',
        headers: { 'content-type': type },
      })),
      fc.constant({
        ...base(),
        kind: 'body:oversized',
        body: JSON.stringify({ name: 'x'.repeat(BODY_LIMIT) }),
        headers: { 'content-type': 'application/json' },
      }),
    );
  }
  return out;
}

async function send(r: FuzzRequest) {
  const qs = r.query ? '?' + new URLSearchParams(r.query).toString() : '';
  const headers: Record<string, string> = { authorization: `Bearer ${s.adminToken}`, ...(r.headers ?? {}) };
  // A request left unanswered is a finding too: it fails here, named, instead of hanging the suite.
  const res = await fetch(s.url + r.path + qs, {
    method: r.method,
    headers,
    body: r.body,
    signal: AbortSignal.timeout(30_000),
  }).catch((err: Error) => {
    throw new Error(`${r.method} ${r.path}${qs} [${r.kind}]: ${err.message}`);
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text: the assertion below will show it */
  }
  return { status: res.status, body };
}

describe(`contract fuzz (${TEST_DB})`, () => {
  it(`answers ${TOTAL_REQUESTS}+ malformed requests over every implemented operation with 4xx, changing nothing`, async () => {
    expect(implemented.length).toBeGreaterThan(0);
    const before = await snapshotDatabase(s.built.ctx.store, s.built.ctx.config.databaseSchema);
    const perOp = Math.ceil(TOTAL_REQUESTS / implemented.length);
    let sent = 0;
    const kinds = new Map<string, number>();
    for (const op of implemented) {
      const arbs = arbitraries(op);
      const format = op.format;
      const samples = fc.sample(fc.oneof(...arbs), { numRuns: perOp, seed: 42 + sent });
      for (const r of samples) {
        const res = await send(r);
        const where = `${op.method} ${op.prefix}${op.path} [${r.kind}] ${r.path}${r.query ? JSON.stringify(r.query) : ''}`;
        expect(res.status, where).toBeGreaterThanOrEqual(400);
        expect(res.status, where).toBeLessThan(500);
        const urlFormat = r.kind.startsWith('path:') && res.status === 404 ? undefined : format;
        if (urlFormat) expectErrorShape(urlFormat, res.status, res.body, where);
        sent++;
        kinds.set(r.kind.split(':')[0], (kinds.get(r.kind.split(':')[0]) ?? 0) + 1);
      }
    }
    expect(sent).toBeGreaterThanOrEqual(TOTAL_REQUESTS);
    const after = await snapshotDatabase(s.built.ctx.store, s.built.ctx.config.databaseSchema);
    expect(after).toEqual(before);
    const ce = implemented.filter((op) => op.prefix === CE_PREFIX).length;
    console.log(
      `fuzz (${TEST_DB}): ${sent} requests over ${implemented.length} operations (${ce} of Code Engine), 0 5xx`,
      Object.fromEntries(kinds),
    );
  }, 600_000);
});
