// The Code Engine contract covers exactly the operations, parameters and
// models of the reference data, and is what build-code-engine.mjs generates.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const withoutNull = (values: unknown[]) => values.filter((v) => v !== null);

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const readJson = (rel: string) => JSON.parse(readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8'));

interface RefParam {
  wireName: string;
  required: boolean;
  enum?: string[];
  type: string;
}
interface RefOperation {
  sdkMethod: string;
  resourceArea: string;
  httpMethod: string;
  path: string;
  pathParams: RefParam[];
  queryParams: RefParam[];
  headerParams: RefParam[];
  bodyKind: string;
  contentType: string | null;
  bodyParams: (RefParam & { bodyIsWholeParam?: boolean })[];
  requestBodyModel?: string;
  responseType: string;
  successStatus: number | string | null;
  pager: { class: string; itemsField: string; itemType: string } | null;
}
interface RefModel {
  name: string;
  category: string;
  fields: { wireName: string; required: boolean; enum?: string[] }[];
  requiredFields: string[];
  subclasses?: { name: string }[];
}
interface SpecParam {
  name: string;
  in: string;
  required?: boolean;
  schema: Record<string, any>;
  description?: string;
}
interface SpecOperation {
  operationId: string;
  summary: string;
  tags: string[];
  'x-area': string;
  'x-pager'?: { class: string; itemsField: string; itemType: string };
  'x-status-inferred'?: boolean;
  parameters?: SpecParam[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, any> }> };
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: any }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations: RefOperation[] = readJson('tools/contract/reference/code-engine-v2-operations.json');
const models: RefModel[] = readJson('tools/contract/reference/code-engine-v2-models.json').models.filter(
  (m: RefModel) => m.category === 'model',
);
const spec = readJson('spec/code-engine-v2.openapi.json');
const schemas: Record<string, Record<string, any>> = spec.components.schemas;

const specOps = new Map<string, SpecOperation>();
for (const [path, item] of Object.entries<Record<string, SpecOperation>>(spec.paths)) {
  for (const m of METHODS) if (item[m]) specOps.set(`${m.toUpperCase()} ${path}`, item[m]);
}
const opOf = (o: RefOperation) => specOps.get(`${o.httpMethod} ${o.path}`)!;
const resolve = (s: Record<string, any>) =>
  s.$ref ? schemas[String(s.$ref).replace('#/components/schemas/', '')] : s;

describe('Code Engine contract coverage', () => {
  it('has exactly the 67 operations of the reference, at the base URL /codeengine/v2', () => {
    expect(operations).toHaveLength(67);
    expect([...specOps.keys()].sort()).toEqual(operations.map((o) => `${o.httpMethod} ${o.path}`).sort());
    expect(spec.servers).toEqual([
      { url: 'http://localhost:8080/codeengine/v2', description: 'Local server' },
    ]);
    expect(spec.openapi).toBe('3.1.0');
  });

  it('names every operation after its SDK method, uniquely', () => {
    for (const o of operations) expect(opOf(o).operationId).toBe(o.sdkMethod);
    const ids = [...specOps.values()].map((o) => o.operationId);
    expect(new Set(ids).size).toBe(67);
    expect(ids.every((id) => /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
  });

  it('gives every operation its area, one tag, a summary and the IAM security', () => {
    const tagNames = new Set(spec.tags.map((t: { name: string }) => t.name));
    for (const o of operations) {
      const so = opOf(o);
      expect(so['x-area']).toBe(o.resourceArea);
      expect(so.tags).toHaveLength(1);
      expect(tagNames.has(so.tags[0])).toBe(true);
      expect(so.summary).toMatch(/\S/);
    }
    expect(spec.security).toEqual([{ IAM: [] }]);
    expect(spec.components.securitySchemes.IAM).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('declares every reference parameter with its wire name, location, required flag and enum', () => {
    const problems: string[] = [];
    for (const o of operations) {
      const so = opOf(o);
      const params = so.parameters ?? [];
      const expected = [
        ...o.pathParams.map((p) => ({ ...p, in: 'path' })),
        ...o.queryParams.map((p) => ({ ...p, in: 'query' })),
        ...o.headerParams.map((p) => ({ ...p, in: 'header' })),
      ];
      expect(params, o.sdkMethod).toHaveLength(expected.length);
      for (const p of expected) {
        const found = params.find((sp) => sp.name === p.wireName && sp.in === p.in);
        if (!found) {
          problems.push(`${o.sdkMethod}: ${p.in} ${p.wireName} missing`);
          continue;
        }
        const required = p.in === 'path' ? true : p.required;
        if (Boolean(found.required) !== required)
          problems.push(`${o.sdkMethod}: ${p.wireName} required flag`);
        if (p.enum && JSON.stringify(found.schema.enum) !== JSON.stringify(p.enum))
          problems.push(`${o.sdkMethod}: ${p.wireName} enum`);
        if (p.type === 'number' && found.schema.type !== 'integer')
          problems.push(`${o.sdkMethod}: ${p.wireName} not an integer`);
        if (p.type === 'boolean' && found.schema.type !== 'boolean')
          problems.push(`${o.sdkMethod}: ${p.wireName} not a boolean`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives version its date pattern and range, limit/start their types, and lists their pager', () => {
    let versions = 0;
    for (const o of operations) {
      const so = opOf(o);
      const version = so.parameters?.find((p) => p.name === 'version');
      if (version) {
        versions++;
        const re = new RegExp(version.schema.pattern, 'u');
        expect(re.test('2021-03-31') && re.test('2026-05-14') && re.test('2024-02-29')).toBe(true);
        expect(re.test('2021-03-30') || re.test('2026-05-15') || re.test('2024-13-01')).toBe(false);
        expect(version.required).toBe(false);
      }
      if (o.pager) {
        expect(so['x-pager']).toMatchObject({
          class: o.pager.class,
          itemsField: o.pager.itemsField,
          itemType: o.pager.itemType,
        });
        expect(so.parameters?.find((p) => p.name === 'limit')?.schema.type).toBe('integer');
        expect(so.parameters?.find((p) => p.name === 'start')?.schema.type).toBe('string');
        const list = schemas[o.responseType];
        expect(list.required).toEqual(expect.arrayContaining([o.pager.itemsField, 'limit']));
        expect(list.properties[o.pager.itemsField]).toEqual({
          type: 'array',
          items: { $ref: `#/components/schemas/${o.pager.itemType}` },
        });
      } else expect(so['x-pager']).toBeUndefined();
    }
    // every operation but listAllowedOutboundDestinations and listFunctionRuntimes sends version
    expect(versions).toBe(65);
    expect([...specOps.values()].filter((o) => o['x-pager'])).toHaveLength(15);
  });

  it('requires If-Match on the 6 updates and 2 replaces, and sends ETag where the resource has an entity tag', () => {
    const ifMatch = operations.filter((o) =>
      opOf(o).parameters?.some((p) => p.name === 'If-Match' && p.in === 'header' && p.required),
    );
    expect(ifMatch.map((o) => o.sdkMethod).sort()).toEqual(
      [
        'replaceConfigMap',
        'replaceSecret',
        'updateAllowedOutboundDestination',
        'updateApp',
        'updateBuild',
        'updateDomainMapping',
        'updateFunction',
        'updateJob',
      ].sort(),
    );
    for (const o of ifMatch) expect(opOf(o).responses['412'], o.sdkMethod).toBeDefined();
    const tagged = new Set(
      models.filter((m) => m.fields.some((f) => f.wireName === 'entity_tag')).map((m) => m.name),
    );
    for (const o of operations) {
      const ok = Object.entries(opOf(o).responses).find(([s]) => s.startsWith('2'))!;
      if (tagged.has(o.responseType)) expect(ok[1].headers?.ETag, o.sdkMethod).toBeDefined();
      else expect(ok[1].headers, o.sdkMethod).toBeUndefined();
    }
  });

  it('has request bodies with the reference content types, fields and required flags', () => {
    for (const o of operations) {
      const so = opOf(o);
      if (o.bodyKind === 'none') {
        expect(so.requestBody, o.sdkMethod).toBeUndefined();
        continue;
      }
      expect(Object.keys(so.requestBody!.content)).toEqual([o.contentType]);
      if (o.httpMethod === 'PATCH') expect(o.contentType).toBe('application/merge-patch+json');
      const body = resolve(so.requestBody!.content[o.contentType!].schema);
      if (o.requestBodyModel) {
        expect(so.requestBody!.content[o.contentType!].schema.$ref).toBe(
          `#/components/schemas/${o.requestBodyModel}`,
        );
        continue;
      }
      expect(Object.keys(body.properties).sort()).toEqual(o.bodyParams.map((p) => p.wireName).sort());
      expect((body.required ?? []).sort()).toEqual(
        o.bodyParams
          .filter((p) => p.required)
          .map((p) => p.wireName)
          .sort(),
      );
      // Merge patches add `null` (remove the member) to the reference's values.
      for (const p of o.bodyParams.filter((q) => q.enum))
        expect(withoutNull(body.properties[p.wireName].enum), `${o.sdkMethod} ${p.wireName}`).toEqual(p.enum);
    }
  });

  it('answers with the reference success status and model, and the Code Engine error body on 4xx/5xx', () => {
    for (const o of operations) {
      const so = opOf(o);
      const statuses = Object.keys(so.responses);
      const ok = statuses.filter((s) => s.startsWith('2'));
      expect(ok, o.sdkMethod).toHaveLength(1);
      if (typeof o.successStatus === 'number') {
        expect(ok[0]).toBe(String(o.successStatus));
        expect(so['x-status-inferred']).toBeUndefined();
      } else {
        expect(so['x-status-inferred']).toBe(true);
        expect(so.responses[ok[0]].description).toMatch(/inferred/);
      }
      if (o.responseType === 'EmptyObject') expect(so.responses[ok[0]].content).toBeUndefined();
      else
        expect(so.responses[ok[0]].content['application/json'].schema.$ref).toBe(
          `#/components/schemas/${o.responseType}`,
        );
      const errors = statuses.filter((s) => Number(s) >= 400);
      expect(errors).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
      for (const s of errors)
        expect(so.responses[s].content['application/json'].schema.$ref).toBe(
          '#/components/schemas/CodeEngineError',
        );
    }
    expect(schemas.CodeEngineError.required).toEqual(['errors', 'status_code', 'trace']);
    expect(Object.keys(schemas.CodeEngineError.properties.errors.items.properties)).toEqual([
      'code',
      'message',
      'more_info',
      'target',
    ]);
  });

  it('has every one of the 91 models, with its fields and required fields', () => {
    expect(models).toHaveLength(91);
    const problems: string[] = [];
    for (const m of models) {
      const s = schemas[m.name];
      if (!s) {
        problems.push(`${m.name} missing`);
        continue;
      }
      if (m.subclasses && s.oneOf) {
        expect(s.oneOf.map((r: { $ref: string }) => r.$ref.split('/').pop())).toEqual(
          m.subclasses.map((c) => c.name),
        );
        continue;
      }
      if (m.subclasses && s.anyOf) continue;
      for (const f of m.fields) {
        const p = s.properties?.[f.wireName];
        if (!p) problems.push(`${m.name}.${f.wireName} missing`);
        else if (f.enum && p.enum && JSON.stringify(withoutNull(p.enum)) !== JSON.stringify(f.enum))
          problems.push(`${m.name}.${f.wireName} enum differs`);
      }
      for (const r of m.requiredFields)
        if (!(s.required ?? []).includes(r)) problems.push(`${m.name}: ${r} not required`);
    }
    expect(problems).toEqual([]);
  });

  it('is up to date with the builder (build-code-engine.mjs --check)', () => {
    const run = spawnSync(process.execPath, ['tools/contract/build-code-engine.mjs', '--check'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
