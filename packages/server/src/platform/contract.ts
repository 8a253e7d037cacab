import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The contract (spec/common-core.openapi.json) is the single source of truth for request shapes. */
export const CONTRACT_FILE = fileURLToPath(
  new URL('../../../../spec/common-core.openapi.json', import.meta.url),
);
/** The Code Engine v2 contract, served under `/codeengine/v2`. */
export const CODE_ENGINE_CONTRACT_FILE = fileURLToPath(
  new URL('../../../../spec/code-engine-v2.openapi.json', import.meta.url),
);

type Json = any;

/** Marks a body schema whose request body the contract makes optional (see app.ts). */
export const OPTIONAL_BODY = 'optional-request-body';
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export interface ContractOperation {
  method: string;
  /** OpenAPI path template, e.g. `/v2/projects/{project_id}`. */
  path: string;
  operationId: string;
  area: string;
  /** Status codes the contract documents for the operation. */
  statuses: number[];
  requiredOneOf?: string[];
  /** Fastify route schema (params, querystring, headers, body), refs resolved. */
  schema: Record<string, Json>;
}

/** Keywords JSON Schema draft-07 validators understand; anything else (x-*, example...) is dropped. */
const KNOWN = new Set([
  'type',
  'properties',
  'required',
  'items',
  'enum',
  'const',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'additionalProperties',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'format',
  'default',
  'description',
  'title',
  'minProperties',
  'maxProperties',
  'patternProperties',
  'propertyNames',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Keywords whose value is a map of name -> schema (the names must be kept as they are). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties']);

export class Contract {
  readonly doc: Json;
  private readonly ops = new Map<string, ContractOperation>();

  constructor(doc: Json) {
    this.doc = doc;
    for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const op = item[method];
        if (!op) continue;
        const key = `${method.toUpperCase()} ${path}`;
        this.ops.set(key, {
          method: method.toUpperCase(),
          path,
          operationId: op.operationId,
          area: op['x-area'] ?? 'unknown',
          statuses: Object.keys(op.responses ?? {})
            .map(Number)
            .filter(Number.isInteger),
          requiredOneOf: op['x-required-one-of'] ?? undefined,
          schema: this.routeSchema([...(item.parameters ?? []), ...(op.parameters ?? [])], op.requestBody),
        });
      }
    }
  }

  static load(file = CONTRACT_FILE): Contract {
    return new Contract(JSON.parse(fs.readFileSync(file, 'utf8')));
  }

  /** `key` is `METHOD /path/{template}`, exactly as in the contract. */
  operation(key: string): ContractOperation {
    const op = this.ops.get(key);
    if (!op) throw new Error(`operation "${key}" is not in the contract`);
    return op;
  }

  operations(): ContractOperation[] {
    return [...this.ops.values()];
  }

  /** Resolves `#/components/...` refs inline and drops keywords the validator does not know. */
  resolve(schema: Json, seen: string[] = []): Json {
    if (Array.isArray(schema)) return schema.map((s) => this.resolve(s, seen));
    if (!schema || typeof schema !== 'object') return schema;
    if (typeof schema.$ref === 'string') {
      const ref: string = schema.$ref;
      if (seen.includes(ref)) throw new Error(`recursive schema ${ref} cannot be inlined`);
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce((node: Json, part: string) => node?.[part], this.doc);
      if (!target) throw new Error(`unresolved ${ref}`);
      return this.resolve(target, [...seen, ref]);
    }
    const out: Json = {};
    for (const [k, v] of Object.entries<Json>(schema)) {
      if (!KNOWN.has(k)) continue;
      if (SCHEMA_MAPS.has(k)) {
        out[k] = Object.fromEntries(
          Object.entries<Json>(v).map(([name, s]) => [name, this.resolve(s, seen)]),
        );
      } else if (k === 'enum' || k === 'const' || k === 'default' || k === 'required') {
        out[k] = v;
      } else {
        out[k] = this.resolve(v, seen);
      }
    }
    return out;
  }

  private routeSchema(parameters: Json[], requestBody: Json): Record<string, Json> {
    const parts: Record<string, { properties: Record<string, Json>; required: string[] }> = {};
    for (const raw of parameters) {
      const p = raw.$ref ? this.resolve(raw) : raw;
      const part = { path: 'params', query: 'querystring', header: 'headers' }[p.in as string];
      if (!part) continue;
      const name = p.in === 'header' ? String(p.name).toLowerCase() : p.name;
      // OpenAPI: header parameters named Accept, Content-Type or Authorization are ignored; the
      // body parser and the authenticator judge those headers.
      if (p.in === 'header' && IGNORED_HEADERS.has(name)) continue;
      parts[part] ??= { properties: {}, required: [] };
      parts[part].properties[name] = this.resolve(p.schema ?? { type: 'string' });
      if (p.required || p.in === 'path') parts[part].required.push(name);
    }
    const schema: Record<string, Json> = {};
    for (const [part, { properties, required }] of Object.entries(parts)) {
      schema[part] = { type: 'object', properties, ...(required.length ? { required } : {}) };
    }
    const content = requestBody?.$ref ? this.resolve(requestBody).content : requestBody?.content;
    if (content) {
      // Every JSON flavour the API uses; other media (zip, multipart, octet streams) are read by their routes.
      const media =
        content['application/json'] ??
        content['application/json-patch+json'] ??
        content['application/merge-patch+json'];
      if (media?.schema) {
        const body = this.resolve(media.schema);
        // An optional body may be left out; the validator compiler lets `undefined` through then.
        schema.body = requestBody.required === false ? { ...body, $comment: OPTIONAL_BODY } : body;
      }
    }
    return schema;
  }
}
