// The contract covers exactly the operations and parameters of the reference
// data, and is what tools/contract/build-common-core.mjs generates.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const readJson = (rel: string) => JSON.parse(readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8'));

interface RefParam {
  in: string;
  name: string;
}
interface RefOperation {
  method: string;
  path: string;
  area: string;
  params: RefParam[];
  requiredOneOf: { params: string[] } | null;
  responses: { status: number }[];
}
interface SpecParam {
  in: string;
  name: string;
  required?: boolean;
}
interface SpecOperation {
  operationId: string;
  'x-area'?: string;
  'x-required-one-of'?: string[];
  parameters?: SpecParam[];
  responses: Record<string, unknown>;
  tags?: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const reference: RefOperation[] = readJson('tools/contract/reference/common-core-operations.json');
const spec = readJson('spec/common-core.openapi.json') as {
  paths: Record<string, Record<string, SpecOperation>>;
};

const specOps = new Map<string, SpecOperation>();
for (const [path, item] of Object.entries(spec.paths)) {
  for (const m of METHODS) if (item[m]) specOps.set(`${m.toUpperCase()} ${path}`, item[m]);
}

/**
 * Platform operations the seed does not document (tools/contract/common-core/platform-assets.mjs):
 * assets, attachments, asset type search and catalogs. Kept apart from the 123 seed operations.
 */
const PLATFORM_OPERATIONS: Record<string, 'assets' | 'catalogs'> = {
  'POST /v2/assets': 'assets',
  'GET /v2/assets/{asset_id}': 'assets',
  'PATCH /v2/assets/{asset_id}': 'assets',
  'DELETE /v2/assets/{asset_id}': 'assets',
  'GET /v2/asset_types': 'assets',
  'POST /v2/asset_types/{type_name}/search': 'assets',
  'POST /v2/assets/{asset_id}/attachments': 'assets',
  'GET /v2/assets/{asset_id}/attachments/{attachment_id}': 'assets',
  'DELETE /v2/assets/{asset_id}/attachments/{attachment_id}': 'assets',
  'POST /v2/assets/{asset_id}/attachments/{attachment_id}/complete': 'assets',
  'PUT /v2/assets/{asset_id}/attachments/{attachment_id}/content': 'assets',
  'GET /v2/assets/{asset_id}/attachments/{attachment_id}/content': 'assets',
  'POST /v2/catalogs': 'catalogs',
  'GET /v2/catalogs': 'catalogs',
  'GET /v2/catalogs/{catalog_id}': 'catalogs',
  'DELETE /v2/catalogs/{catalog_id}': 'catalogs',
  'GET /v2/catalogs/{catalog_id}/members': 'catalogs',
  'POST /v2/catalogs/{catalog_id}/members': 'catalogs',
  'GET /v2/catalogs/{catalog_id}/members/{member_id}': 'catalogs',
  'PATCH /v2/catalogs/{catalog_id}/members/{member_id}': 'catalogs',
  'DELETE /v2/catalogs/{catalog_id}/members/{member_id}': 'catalogs',
};

describe('common core contract coverage', () => {
  it('has exactly the 123 operations of the reference plus the platform operations', () => {
    expect(reference).toHaveLength(123);
    const seedKeys = reference.map((o) => `${o.method} ${o.path}`);
    const platformKeys = Object.keys(PLATFORM_OPERATIONS);
    expect(seedKeys.filter((k) => platformKeys.includes(k))).toEqual([]);
    expect([...specOps.keys()].sort()).toEqual([...seedKeys, ...platformKeys].sort());
    // seed operations are never marked as platform ones
    for (const k of seedKeys) expect((specOps.get(k) as any)['x-source'], k).toBeUndefined();
  });

  it('marks every platform operation x-source: platform, with its area and container rule', () => {
    for (const [key, area] of Object.entries(PLATFORM_OPERATIONS)) {
      const so = specOps.get(key) as SpecOperation & Record<string, unknown>;
      expect(so['x-source'], key).toBe('platform');
      expect(so['x-area'], key).toBe(area);
      expect(so.responses['401'], key).toBeDefined();
      if (area === 'assets') {
        expect(so['x-required-one-of'], key).toEqual(['catalog_id', 'project_id', 'space_id']);
        expect(so['x-required-one-of-rule'], key).toBe('exactly-one');
      } else {
        expect(so['x-required-one-of'], key).toBeUndefined();
      }
    }
  });

  it('declares every reference parameter with its wire name and location', () => {
    const missing: string[] = [];
    for (const op of reference) {
      const so = specOps.get(`${op.method} ${op.path}`)!;
      const params = so.parameters ?? [];
      for (const p of op.params) {
        const found = params.find((sp) => sp.name === p.name && sp.in === p.in);
        if (!found) missing.push(`${op.method} ${op.path}: ${p.in} ${p.name}`);
        else if (p.in === 'path' && found.required !== true)
          missing.push(`${op.method} ${op.path}: path ${p.name} not required`);
      }
      expect(params.filter((sp: any) => !sp['x-not-in-reference'])).toHaveLength(op.params.length);
    }
    expect(missing).toEqual([]);
  });

  it('has unique operationIds', () => {
    const ids = [...specOps.values()].map((o) => o.operationId);
    expect(ids.every((id) => /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation its area, tags, statuses and required-one-of rule', () => {
    for (const op of reference) {
      const so = specOps.get(`${op.method} ${op.path}`)!;
      expect(so['x-area'], `${op.method} ${op.path}`).toBe(op.area);
      expect(so.tags?.length).toBe(1);
      for (const r of op.responses)
        expect(so.responses[String(r.status)], `${op.method} ${op.path} ${r.status}`).toBeDefined();
      if (op.requiredOneOf) expect(so['x-required-one-of']).toEqual(op.requiredOneOf.params);
      else expect(so['x-required-one-of']).toBeUndefined();
    }
  });

  it('is up to date with the builder (build-common-core.mjs --check)', () => {
    const run = spawnSync(process.execPath, ['tools/contract/build-common-core.mjs', '--check'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
