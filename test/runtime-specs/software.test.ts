import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  CONDA_YML,
  countAssets,
  createWorld,
  expectEnvError,
  MISSING_ID,
  upload,
  type Container,
  type World,
} from './helpers.ts';

const SW = '/v2/software_specifications';
const PE = '/v2/package_extensions';
const BASE = 'ab9e1b80-f2ce-592c-a7d2-4f2344f77194'; // default_py3.8, the seed's example base
let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

/** A package extension with its conda file uploaded; `complete` makes it usable. */
async function packageExtension(c: Container, complete = true): Promise<string> {
  const pe = await s.call('POST', `${PE}?${c.q}`, {
    token: w.editor.token,
    body: { name: 'pkgs', type: 'conda_yml' },
  });
  expect(pe.status, pe.text).toBe(201);
  expect((await upload(s, w.editor.token, pe.body.entity.package_extension.href, CONDA_YML)).status).toBe(
    200,
  );
  if (complete) {
    const done = await s.call('POST', `${PE}/${pe.body.metadata.asset_id}/upload_complete?${c.q}`, {
      token: w.editor.token,
    });
    expect(done.status, done.text).toBe(200);
  }
  return pe.body.metadata.asset_id;
}

async function derived(c: Container, name: string, packages: string[] = []) {
  const res = await s.call('POST', `${SW}?${c.q}`, {
    token: w.editor.token,
    body: {
      name,
      description: 'derived',
      base_software_specification: { guid: BASE },
      package_extensions: packages.map((guid) => ({ guid })),
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe('software specifications: the built-in runtimes', () => {
  it('lists base specifications without a scope, with language, platform and packages', async () => {
    const res = await s.call('GET', SW, { token: w.outsider.token });
    expect(res.status, res.text).toBe(200);
    const byName = Object.fromEntries(
      res.body.resources.map((r: any) => [r.metadata.name, r.entity.software_specification]),
    );
    expect(byName['runtime-24.1-py3.11']).toMatchObject({
      type: 'base',
      built_in: true,
      software_configuration: { language: { name: 'python', version: '3.11' } },
    });
    expect(byName['spark-mllib_3.4'].software_configuration.platform).toEqual({
      name: 'spark',
      version: '3.4',
    });
    expect(byName['runtime-24.1-r4.3'].software_configuration.language.name).toBe('r');
    expect(res.body.resources.find((r: any) => r.metadata.name === 'default_py3.8').metadata.asset_id).toBe(
      BASE,
    );
  });

  it('filters by name and by packages a specification must all contain', async () => {
    const one = await s.call('GET', `${SW}?name=runtime-25.1-py3.12`, { token: w.viewer.token });
    expect(one.body.resources.map((r: any) => r.metadata.name)).toEqual(['runtime-25.1-py3.12']);
    const spark = await s.call('GET', `${SW}?include_packages=pyspark,pandas`, { token: w.viewer.token });
    const names = spark.body.resources.map((r: any) => r.metadata.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n: string) => /spark/.test(n))).toBe(true);
    const none = await s.call('GET', `${SW}?include_packages=pyspark,r-base,numpy`, {
      token: w.viewer.token,
    });
    expect(none.body).toEqual({ total_results: 0, resources: [] });
  });

  it('refuses to change or delete a base specification (403)', async () => {
    const c = w.containers.project;
    expectEnvError(
      await s.call('DELETE', `${SW}/${BASE}?${c.q}`, { token: w.admin.token }),
      403,
      'built_in_read_only',
    );
    expectEnvError(
      await s.call('PATCH', `${SW}/${BASE}?${c.q}`, {
        token: w.admin.token,
        body: { '/metadata/name': 'x' },
      }),
      403,
    );
    const pe = await packageExtension(c);
    expectEnvError(
      await s.call('PUT', `${SW}/${BASE}/package_extensions/${pe}?${c.q}`, { token: w.admin.token }),
      403,
    );
  });
});

describe('software specifications: derived ones with package extensions', () => {
  it.each(['project', 'space'] as const)(
    'create, get (inherited configuration), patch and delete in a %s',
    async (kind) => {
      const c = w.containers[kind];
      const pe = await packageExtension(c);
      const created = await derived(c, `my runtime ${kind}`, [pe]);
      const id = created.metadata.asset_id;
      expect(created.metadata).toMatchObject({ [`${kind}_id`]: c.id, asset_type: 'software_specification' });
      const spec = created.entity.software_specification;
      expect(spec).toMatchObject({ type: 'derived', base_software_specification: { guid: BASE } });
      expect(spec.software_configuration.language).toEqual({ name: 'python', version: '3.8' });
      expect(spec.package_extensions).toHaveLength(1);
      expect(spec.package_extensions[0]).toMatchObject({
        metadata: { asset_id: pe, asset_type: 'package_extension' },
        entity: { package_extension: { type: 'conda_yml', object_key: `package_extension/${pe}.yml` } },
      });

      expect((await s.call('GET', `${SW}/${id}?${c.q}`, { token: w.viewer.token })).body).toEqual(created);
      const listed = await s.call('GET', `${SW}?${c.q}`, { token: w.viewer.token });
      expect(listed.body.resources.map((r: any) => r.metadata.asset_id)).toContain(id);
      const withPkgs = await s.call('GET', `${SW}?include_packages=numpy,ipython&${c.q}`, {
        token: w.viewer.token,
      });
      expect(withPkgs.body.resources.map((r: any) => r.metadata.asset_id)).toContain(id);
      expectEnvError(await s.call('GET', `${SW}/${id}`, { token: w.viewer.token }), 404);

      const patched = await s.call('PATCH', `${SW}/${id}?${c.q}`, {
        token: w.editor.token,
        body: {
          '/metadata/name': 'renamed',
          '/metadata/description': 'changed',
          '/entity/software_specification/display_name': 'My Renamed Runtime',
          '/entity/software_specification/package_extensions': [],
        },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.metadata).toMatchObject({ name: 'renamed', description: 'changed' });
      expect(patched.body.entity.software_specification).toMatchObject({
        display_name: 'My Renamed Runtime',
        package_extensions: [],
      });

      expect((await s.call('DELETE', `${SW}/${id}?${c.q}`, { token: w.editor.token })).status).toBe(204);
      expectEnvError(await s.call('GET', `${SW}/${id}?${c.q}`, { token: w.viewer.token }), 404);
    },
  );

  it('adds and removes package extensions (PUT/DELETE), with 409 for a repeat and 400 for an unusable one', async () => {
    const c = w.containers.project;
    const spec = await derived(c, 'with packages');
    const id = spec.metadata.asset_id;
    const [a, b, pending] = [
      await packageExtension(c),
      await packageExtension(c),
      await packageExtension(c, false),
    ];
    const put = (pe: string, token = w.editor.token) =>
      s.call('PUT', `${SW}/${id}/package_extensions/${pe}?${c.q}`, { token });
    expect((await put(a)).status).toBe(200);
    const second = await put(b);
    expect(second.status, second.text).toBe(200);
    expect(
      second.body.entity.software_specification.package_extensions.map((p: any) => p.metadata.asset_id),
    ).toEqual([a, b]);
    expectEnvError(await put(a), 409, 'conflict');
    expectEnvError(await put(pending), 400, 'upload_incomplete');
    expectEnvError(await put(MISSING_ID), 404);
    expectEnvError(await put(b, w.viewer.token), 403);
    // a package extension of another scope is not found from this one
    const elsewhere = await packageExtension(w.containers.space);
    expectEnvError(await put(elsewhere), 404);
    // in use: the package extension cannot be deleted
    expectEnvError(await s.call('DELETE', `${PE}/${a}?${c.q}`, { token: w.editor.token }), 409, 'in_use');

    const remove = (pe: string, token = w.editor.token) =>
      s.call('DELETE', `${SW}/${id}/package_extensions/${pe}?${c.q}`, { token });
    expectEnvError(await remove(a, w.viewer.token), 403);
    expect((await remove(a)).status).toBe(204);
    expectEnvError(await remove(a), 404);
    const got = await s.call('GET', `${SW}/${id}?${c.q}`, { token: w.viewer.token });
    expect(
      got.body.entity.software_specification.package_extensions.map((p: any) => p.metadata.asset_id),
    ).toEqual([b]);
    expect((await s.call('DELETE', `${PE}/${a}?${c.q}`, { token: w.editor.token })).status).toBe(204);
  });

  it('answers 400, 401, 403, 404 and 409 as documented', async () => {
    const c = w.containers.project;
    const body = { name: 'errs', base_software_specification: { guid: BASE } };
    expectEnvError(await s.call('POST', SW, { token: w.editor.token, body }), 400, 'missing_parameter');
    expectEnvError(
      await s.call('POST', `${SW}?${c.q}`, { token: w.editor.token, body: { name: 'no base' } }),
      400,
    );
    expectEnvError(
      await s.call('POST', `${SW}?${c.q}`, {
        token: w.editor.token,
        body: { ...body, base_software_specification: { guid: MISSING_ID } },
      }),
      400,
      'invalid_reference',
    );
    const pending = await packageExtension(c, false);
    expectEnvError(
      await s.call('POST', `${SW}?${c.q}`, {
        token: w.editor.token,
        body: { ...body, package_extensions: [{ guid: pending }] },
      }),
      400,
      'upload_incomplete',
    );
    expectEnvError(
      await s.call('POST', `${SW}?${c.q}`, {
        token: w.editor.token,
        body: { ...body, package_extensions: [{ guid: MISSING_ID }] },
      }),
      400,
      'invalid_reference',
    );
    const derivedOne = await derived(c, 'derived base');
    expectEnvError(
      await s.call('POST', `${SW}?${c.q}`, {
        token: w.editor.token,
        body: { ...body, base_software_specification: { guid: derivedOne.metadata.asset_id } },
      }),
      400,
    );
    expectEnvError(
      await s.call('POST', `${SW}?${c.q}`, {
        token: w.editor.token,
        body: { ...body, name: 'runtime-24.1-py3.11' },
      }),
      409,
    );
    expectEnvError(await s.call('GET', SW, { token: null }), 401);
    expectEnvError(await s.call('POST', `${SW}?${c.q}`, { token: w.viewer.token, body }), 403);
    expectEnvError(await s.call('GET', `${SW}?${c.q}`, { token: w.outsider.token }), 403);
    expectEnvError(await s.call('GET', `${SW}/${MISSING_ID}?${c.q}`, { token: w.viewer.token }), 404);
    expectEnvError(await s.call('DELETE', `${SW}/${MISSING_ID}?${c.q}`, { token: w.editor.token }), 404);
    expectEnvError(
      await s.call('PATCH', `${SW}/${derivedOne.metadata.asset_id}?${c.q}`, {
        token: w.editor.token,
        body: { '/entity/software_specification/base_software_specification': { guid: BASE } },
      }),
      400,
      'invalid_field',
    );
    expectEnvError(
      await s.call('PATCH', `${SW}/${derivedOne.metadata.asset_id}?${c.q}`, {
        token: w.viewer.token,
        body: { '/metadata/name': 'v' },
      }),
      403,
    );
  });

  it('refuses bad bodies and patches with a 4xx and changes nothing (property-based)', async () => {
    const c = w.containers.space;
    const spec = await derived(c, 'fuzz target');
    const id = spec.metadata.asset_id;
    const before = await countAssets(s, c);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          name: fc.oneof(fc.constant(''), fc.constant(' '), fc.integer(), fc.string({ maxLength: 4 })),
          base_software_specification: fc.oneof(fc.anything(), fc.record({ guid: fc.string() })),
          package_extensions: fc.oneof(
            fc.anything(),
            fc.array(fc.record({ guid: fc.string() }), { maxLength: 2 }),
          ),
        }),
        async (body) => {
          const res = await s.call('POST', `${SW}?${c.q}`, { token: w.editor.token, body });
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.status, res.text).toBeLessThan(500);
          expectEnvError(res, res.status);
        },
      ),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            '/metadata/name',
            '/entity/software_specification/display_name',
            '/entity/software_specification/package_extensions',
            '/entity/software_specification/type',
          ),
          fc.oneof(
            fc.integer(),
            fc.constant(null),
            fc.constant(''),
            fc.array(fc.anything(), { minLength: 1, maxLength: 2 }),
          ),
          { minKeys: 1, maxKeys: 3 },
        ),
        async (patch) => {
          const res = await s.call('PATCH', `${SW}/${id}?${c.q}`, { token: w.editor.token, body: patch });
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.status, res.text).toBeLessThan(500);
        },
      ),
      { numRuns: 40 },
    );
    expect(await countAssets(s, c)).toBe(before);
    expect((await s.call('GET', `${SW}/${id}?${c.q}`, { token: w.viewer.token })).body).toEqual(spec);
  });
});
