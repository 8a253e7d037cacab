// Validates every example of the API reference (spec/examples/common-core.seed-examples.json)
// against the contract: request examples against the operation's request body
// schema, response examples against the schema of their status.
//
// Rules:
//  * Schemas are dereferenced (the contract only has local, non-recursive refs)
//    and compiled with Ajv in draft-07 mode with its default (strict) settings
//    and ajv-formats, as Fastify does; strict-mode warnings fail the test too.
//  * Placeholders: the reference writes ids and secrets as `{project_id}`,
//    `{token}`, ... Before validating, every `{name}` inside a string is
//    replaced by a sample value: a UUID when the name ends in `id`/`guid`,
//    otherwise the word `sample`. So an id schema may carry a UUID pattern and
//    the examples still validate.
//  * Request examples that are not JSON (file uploads such as `@file.zip`) are
//    not validated.
//  * Genuine mismatches are listed in spec/examples/exceptions.json, one line
//    of reason each. Each listed example must still fail, so the list cannot rot.
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, unknown>;

// ajv and ajv-formats are CommonJS; take the default export whichever way the loader hands it over
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule;

const readJson = (rel: string) => JSON.parse(readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8'));

interface ExampleEntry {
  method: string;
  path: string;
  requests: { source: string; seedLine: number; contentType: string | null; body?: Json; raw?: string }[];
  responses: { status: number | null; seedLine: number; body?: Json; raw?: string }[];
}
interface ExceptionEntry {
  operation: string;
  kind: 'request' | 'response';
  status?: number;
  seedLine?: number;
  reason: string;
}

const spec = readJson('spec/common-core.openapi.json');
const examples: { operations: ExampleEntry[] } = readJson('spec/examples/common-core.seed-examples.json');
const exceptions: ExceptionEntry[] = readJson('spec/examples/exceptions.json').exceptions;

const components: Record<string, Schema> = spec.components.schemas;

function deref(node: unknown, stack: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => deref(n, stack));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') {
    const name = obj.$ref.replace('#/components/schemas/', '');
    if (stack.includes(name)) throw new Error(`recursive schema ${[...stack, name].join(' -> ')}`);
    if (!components[name]) throw new Error(`dangling ref ${obj.$ref}`);
    return deref(components[name], [...stack, name]);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = deref(v, stack);
  return out;
}

const SAMPLE_UUID = '00000000-0000-4000-8000-000000000000';
function fillPlaceholders(value: Json | undefined): Json | undefined {
  if (typeof value === 'string') {
    return value.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) =>
      /(id|guid)$/i.test(name) ? SAMPLE_UUID : 'sample',
    );
  }
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v) as Json);
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fillPlaceholders(v) as Json;
    return out;
  }
  return value;
}

// Ajv's default strictness (as in Fastify); strict-mode warnings are collected and must stay empty
const ajvWarnings: string[] = [];
const ajv = new Ajv({
  allErrors: true,
  logger: { log: () => {}, warn: (...m: unknown[]) => ajvWarnings.push(m.join(' ')), error: () => {} },
});
addFormats(ajv);

function validator(schema: unknown) {
  return ajv.compile(deref(schema) as Schema);
}

function operation(method: string, path: string) {
  return spec.paths[path]?.[method.toLowerCase()];
}

interface Case {
  id: string;
  operation: string;
  kind: 'request' | 'response';
  status?: number;
  seedLine: number;
  errors: string[] | null; // null = valid
}

function requestSchema(op: Record<string, any>, contentType: string | null) {
  const content = op.requestBody?.content as Record<string, { schema?: unknown }> | undefined;
  if (!content) return undefined;
  const plain = contentType?.split(';')[0].trim();
  return (
    (contentType && content[contentType]) ||
    (plain && content[plain]) ||
    content['application/json'] ||
    Object.values(content)[0]
  );
}

const cases: Case[] = [];
let skippedRaw = 0;
for (const entry of examples.operations) {
  const key = `${entry.method} ${entry.path}`;
  const op = operation(entry.method, entry.path);
  if (!op) throw new Error(`no operation ${key} in the contract`);
  for (const r of entry.requests) {
    if (r.body === undefined) {
      skippedRaw++;
      continue;
    }
    const media = requestSchema(op, r.contentType);
    let errors: string[] | null;
    if (!media?.schema) errors = ['operation has no request body schema'];
    else {
      const v = validator(media.schema);
      errors = v(fillPlaceholders(r.body)) ? null : ajv.errorsText(v.errors, { separator: '\n' }).split('\n');
    }
    cases.push({
      id: `${key} request (seed line ${r.seedLine})`,
      operation: key,
      kind: 'request',
      seedLine: r.seedLine,
      errors,
    });
  }
  for (const r of entry.responses) {
    if (r.body === undefined || r.status == null)
      throw new Error(`${key}: unusable response example at seed line ${r.seedLine}`);
    const res = op.responses[String(r.status)];
    let errors: string[] | null;
    const schema = res?.content?.['application/json']?.schema;
    if (!res) errors = [`status ${r.status} not in the contract`];
    else if (!schema) errors = [`status ${r.status} has no JSON schema`];
    else {
      const v = validator(schema);
      errors = v(fillPlaceholders(r.body)) ? null : ajv.errorsText(v.errors, { separator: '\n' }).split('\n');
    }
    cases.push({
      id: `${key} ${r.status} (seed line ${r.seedLine})`,
      operation: key,
      kind: 'response',
      status: r.status,
      seedLine: r.seedLine,
      errors,
    });
  }
}

const matches = (e: ExceptionEntry, c: Case) =>
  e.operation === c.operation &&
  e.kind === c.kind &&
  (e.status === undefined || e.status === c.status) &&
  (e.seedLine === undefined || e.seedLine === c.seedLine);

describe('seed examples against the common core contract', () => {
  it('has examples to check', () => {
    expect(cases.length).toBeGreaterThan(400);
    expect(skippedRaw).toBeLessThanOrEqual(2);
  });

  it('compiles every schema of the contract with strict Ajv', () => {
    for (const name of Object.keys(components))
      expect(() => validator({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
    expect(ajvWarnings).toEqual([]);
  });

  it('validates every example that is not a listed exception', () => {
    const failures = cases
      .filter((c) => c.errors && !exceptions.some((e) => matches(e, c)))
      .map((c) => `${c.id}:\n  ${c.errors!.slice(0, 5).join('\n  ')}`);
    expect(failures).toEqual([]);
  });

  it('lists only exceptions that are still needed', () => {
    const stale: string[] = [];
    for (const e of exceptions) {
      expect(e.reason, JSON.stringify(e)).toMatch(/\S/);
      const hit = cases.filter((c) => matches(e, c));
      if (!hit.length) stale.push(`${JSON.stringify(e)} matches no example`);
      else if (hit.every((c) => c.errors === null))
        stale.push(`${JSON.stringify(e)} now validates; remove it`);
    }
    expect(stale).toEqual([]);
  });
});
