// Checks response bodies against the Code Engine contract's response schemas (strict Ajv,
// draft-07, as the contract tests compile them). Shared by the apps, builds, jobs and
// functions tests.
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

type Schema = Record<string, unknown>;
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule;

const spec = JSON.parse(
  readFileSync(new URL('../../spec/code-engine-v2.openapi.json', import.meta.url), 'utf8'),
);
const components: Record<string, Schema> = spec.components.schemas;

function deref(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(deref);
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') return deref(components[obj.$ref.replace('#/components/schemas/', '')]);
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, deref(v)]));
}

const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const cache = new Map<string, ReturnType<typeof ajv.compile>>();

/** The contract's response schema of an operation (path as in the contract, without the base). */
function validatorOf(method: string, path: string, status: number) {
  const key = `${method} ${path} ${status}`;
  let v = cache.get(key);
  if (!v) {
    const op = spec.paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`no operation ${method} ${path}`);
    const media = op.responses[String(status)]?.content?.['application/json'];
    if (!media) throw new Error(`no JSON response ${status} for ${method} ${path}`);
    v = ajv.compile(deref(media.schema) as Schema);
    cache.set(key, v);
  }
  return v;
}

/** Expects the status and that the body matches the contract's schema for it; returns the body. */
export function expectContract(
  res: { status: number; body: any },
  method: string,
  path: string,
  status: number,
) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const validate = validatorOf(method, path, status);
  const ok = validate(res.body);
  expect(ok, `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
  return res.body;
}

/** The fields a response schema requires, to check none is missing. */
export function requiredOf(model: string): string[] {
  return (components[model]?.required as string[]) ?? [];
}
