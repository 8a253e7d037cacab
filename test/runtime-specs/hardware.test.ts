import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { countAssets, createWorld, expectEnvError, MISSING_ID, scopes, type World } from './helpers.ts';

const HW = '/v2/hardware_specifications';
let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

const nodesBody = (name: string) => ({
  name,
  description: 'custom size',
  nodes: { cpu: { units: '3', model: '' }, mem: { size: '12Gi' }, num_nodes: 1 },
});

describe('hardware specifications: the built-in catalog', () => {
  it('lists the global sizes without a scope, with CPU, memory, GPU and node counts', async () => {
    const res = await s.call('GET', HW, { token: w.outsider.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.total_results).toBe(res.body.resources.length);
    const byName = Object.fromEntries(res.body.resources.map((r: any) => [r.metadata.name, r]));
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining(['XXS', 'XS', 'S', 'M', 'L', 'XL', 'V100', 'V100x2', 'Spark XS']),
    );
    expect(byName.S.entity.hardware_specification.nodes).toMatchObject({
      cpu: { units: '4' },
      mem: { size: '16Gi' },
      num_nodes: 1,
    });
    expect(byName.V100x2.entity.hardware_specification.nodes.gpu).toMatchObject({ num_gpu: 2, name: 'v100' });
    expect(byName['Spark XS'].entity.hardware_specification.spark).toMatchObject({
      num_drivers: 1,
      num_executors: 2,
    });
    expect(byName.XS.metadata).toMatchObject({
      asset_type: 'hardware_specification',
      href: `${HW}/${byName.XS.metadata.asset_id}`,
    });
    expect(byName.XS.metadata.project_id).toBeUndefined();
  });

  it('filters by name and gets one by id, with or without a scope', async () => {
    const res = await s.call('GET', `${HW}?name=M`, { token: w.viewer.token });
    expect(res.body.resources.map((r: any) => r.metadata.name)).toEqual(['M']);
    const id = res.body.resources[0].metadata.asset_id;
    const one = await s.call('GET', `${HW}/${id}`, { token: w.outsider.token });
    expect(one.status, one.text).toBe(200);
    expect(one.body.entity.hardware_specification.nodes.mem.size).toBe('32Gi');
    const scoped = await s.call('GET', `${HW}/${id}?${w.containers.project.q}`, { token: w.viewer.token });
    expect(scoped.status).toBe(200);
    expectEnvError(
      await s.call('GET', `${HW}/${id}?${w.containers.project.q}`, { token: w.outsider.token }),
      403,
    );
  });

  it('refuses to change or delete a built-in size (403), whoever asks', async () => {
    const xs = (await s.call('GET', `${HW}?name=XS`, { token: w.admin.token })).body.resources[0].metadata
      .asset_id;
    for (const c of scopes(w)) {
      expectEnvError(
        await s.call('DELETE', `${HW}/${xs}?${c.q}`, { token: w.admin.token }),
        403,
        'built_in_read_only',
      );
      if (c.kind === 'project')
        expectEnvError(
          await s.call('PATCH', `${HW}/${xs}?${c.q}`, {
            token: w.admin.token,
            body: { '/metadata/name': 'x' },
          }),
          403,
          'built_in_read_only',
        );
    }
    const again = await s.call('GET', `${HW}/${xs}`, { token: w.admin.token });
    expect(again.body.metadata.name).toBe('XS');
  });
});

describe('hardware specifications: custom ones of a project or space', () => {
  it.each(['project', 'space'] as const)(
    'an editor creates, reads, patches and deletes one in a %s',
    async (kind) => {
      const c = w.containers[kind];
      const created = await s.call('POST', `${HW}?${c.q}`, {
        token: w.editor.token,
        body: nodesBody(`big ${kind}`),
      });
      expect(created.status, created.text).toBe(201);
      const id = created.body.metadata.asset_id;
      expect(created.body.metadata).toMatchObject({
        name: `big ${kind}`,
        [`${kind}_id`]: c.id,
        asset_type: 'hardware_specification',
      });
      expect(created.body.entity.hardware_specification.nodes.cpu.units).toBe('3');

      const listed = await s.call('GET', `${HW}?${c.q}`, { token: w.viewer.token });
      expect(listed.body.resources.map((r: any) => r.metadata.asset_id)).toContain(id);
      const global = await s.call('GET', HW, { token: w.viewer.token });
      expect(global.body.resources.map((r: any) => r.metadata.asset_id)).not.toContain(id);
      const byName = await s.call('GET', `${HW}?name=big%20${kind}&${c.q}`, { token: w.viewer.token });
      expect(byName.body.resources.map((r: any) => r.metadata.asset_id)).toEqual([id]);

      const got = await s.call('GET', `${HW}/${id}?${c.q}`, { token: w.viewer.token });
      expect(got.body).toEqual(created.body);
      expectEnvError(await s.call('GET', `${HW}/${id}`, { token: w.viewer.token }), 404, 'not_found');

      if (kind === 'project') {
        const patched = await s.call('PATCH', `${HW}/${id}?${c.q}`, {
          token: w.editor.token,
          body: {
            '/metadata/name': 'bigger',
            '/metadata/description': 'more cores',
            '/entity/hardware_specification/nodes/cpu/units': '6',
            '/entity/hardware_specification/nodes/gpu/num_gpu': 1,
            '/entity/hardware_specification/nodes/gpu/name': 'v100',
          },
        });
        expect(patched.status, patched.text).toBe(200);
        expect(patched.body.metadata).toMatchObject({ name: 'bigger', description: 'more cores' });
        expect(patched.body.entity.hardware_specification.nodes).toMatchObject({
          cpu: { units: '6' },
          mem: { size: '12Gi' },
          gpu: { num_gpu: 1, name: 'v100' },
        });
      }
      const del = await s.call('DELETE', `${HW}/${id}?${c.q}`, { token: w.editor.token });
      expect(del.status, del.text).toBe(204);
      expectEnvError(await s.call('GET', `${HW}/${id}?${c.q}`, { token: w.viewer.token }), 404);
      expectEnvError(await s.call('DELETE', `${HW}/${id}?${c.q}`, { token: w.editor.token }), 404);
    },
  );

  it('creates spark and datastage specifications too', async () => {
    const c = w.containers.project;
    const spark = await s.call('POST', `${HW}?${c.q}`, {
      token: w.editor.token,
      body: {
        name: 'spark custom',
        spark: {
          num_drivers: 1,
          num_executors: 4,
          driver: { cpu: { units: '1' }, mem: { size: '4Gi' } },
          executor: { cpu: { units: '2' }, mem: { size: '8Gi' } },
        },
      },
    });
    expect(spark.status, spark.text).toBe(201);
    expect(spark.body.entity.hardware_specification.spark.num_executors).toBe(4);
    const ds = await s.call('POST', `${HW}?${c.q}`, {
      token: w.editor.token,
      body: {
        name: 'ds custom',
        datastage: {
          num_conductors: 1,
          num_computes: 2,
          conductor: { cpu: { units: '1' }, mem: { size: '4Gi' } },
          compute: { cpu: { units: '2' }, mem: { size: '8Gi' } },
          instance: 'instance-1',
        },
      },
    });
    expect(ds.status, ds.text).toBe(201);
    // a patch that adds a second kind is refused and changes nothing
    const mixed = await s.call('PATCH', `${HW}/${spark.body.metadata.asset_id}?${c.q}`, {
      token: w.editor.token,
      body: { '/entity/hardware_specification/nodes/cpu/units': '2' },
    });
    expectEnvError(mixed, 400);
    const after = await s.call('GET', `${HW}/${spark.body.metadata.asset_id}?${c.q}`, {
      token: w.viewer.token,
    });
    expect(after.body).toEqual(spark.body);
  });

  it('answers the documented errors: 400 bad scope or body, 401, 403 roles, 404, 409 global name', async () => {
    const c = w.containers.project;
    expectEnvError(
      await s.call('POST', HW, { token: w.editor.token, body: nodesBody('no scope') }),
      400,
      'missing_parameter',
    );
    expectEnvError(
      await s.call('POST', `${HW}?project_id=12345`, { token: w.editor.token, body: nodesBody('x') }),
      400,
      'invalid_type',
    );
    expectEnvError(
      await s.call('POST', `${HW}?${c.q}&${w.containers.space.q}`, {
        token: w.editor.token,
        body: nodesBody('x'),
      }),
      400,
    );
    expectEnvError(
      await s.call('POST', `${HW}?${c.q}`, { token: w.editor.token, body: { name: 'none' } }),
      400,
    );
    expectEnvError(
      await s.call('POST', `${HW}?${c.q}`, {
        token: w.editor.token,
        body: { ...nodesBody('two'), spark: { num_drivers: 1 } },
      }),
      400,
    );
    expectEnvError(
      await s.call('POST', `${HW}?${c.q}`, { token: w.editor.token, body: nodesBody('XS') }),
      409,
      'conflict',
    );
    expectEnvError(await s.call('GET', HW, { token: null }), 401);
    expectEnvError(
      await s.call('POST', `${HW}?${c.q}`, { token: w.viewer.token, body: nodesBody('v') }),
      403,
    );
    expectEnvError(
      await s.call('POST', `${HW}?${c.q}`, { token: w.outsider.token, body: nodesBody('o') }),
      403,
    );
    expectEnvError(await s.call('GET', `${HW}?${c.q}`, { token: w.outsider.token }), 403);
    expectEnvError(await s.call('GET', `${HW}/${MISSING_ID}?${c.q}`, { token: w.viewer.token }), 404);
    expectEnvError(
      await s.call('PATCH', `${HW}/${MISSING_ID}?${c.q}`, {
        token: w.editor.token,
        body: { '/metadata/name': 'n' },
      }),
      404,
    );
    const made = await s.call('POST', `${HW}?${c.q}`, { token: w.editor.token, body: nodesBody('roles') });
    const id = made.body.metadata.asset_id;
    expectEnvError(
      await s.call('PATCH', `${HW}/${id}?${c.q}`, { token: w.viewer.token, body: { '/metadata/name': 'n' } }),
      403,
    );
    expectEnvError(await s.call('DELETE', `${HW}/${id}?${c.q}`, { token: w.viewer.token }), 403);
    expectEnvError(
      await s.call('PATCH', `${HW}/${id}?${c.q}`, {
        token: w.editor.token,
        body: { '/metadata/asset_type': 'x' },
      }),
      400,
      'invalid_field',
    );
    expectEnvError(
      await s.call('PATCH', `${HW}/${id}?${c.q}`, {
        token: w.editor.token,
        body: { '/metadata/name': 'XS' },
      }),
      409,
    );
    expectEnvError(
      await s.call('PATCH', `${HW}/${id}?${c.q}`, {
        token: w.editor.token,
        body: { '/metadata/name': '  ' },
      }),
      400,
    );
    // a space's specification is not visible from the project
    const inSpace = await s.call('POST', `${HW}?${w.containers.space.q}`, {
      token: w.editor.token,
      body: nodesBody('space only'),
    });
    expectEnvError(
      await s.call('GET', `${HW}/${inSpace.body.metadata.asset_id}?${c.q}`, { token: w.viewer.token }),
      404,
    );
  });

  it('refuses bad bodies and patches with a 4xx and changes nothing (property-based)', async () => {
    const c = w.containers.project;
    const made = await s.call('POST', `${HW}?${c.q}`, { token: w.editor.token, body: nodesBody('fuzzed') });
    const id = made.body.metadata.asset_id;
    const before = await countAssets(s, c);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          name: fc.oneof(fc.constant(''), fc.constant('   '), fc.integer(), fc.string({ maxLength: 3 })),
          nodes: fc.oneof(
            fc.constant(undefined),
            fc.anything(),
            fc.record({ cpu: fc.anything(), mem: fc.anything() }),
          ),
          spark: fc.oneof(fc.constant(undefined), fc.anything()),
        }),
        async (body) => {
          const res = await s.call('POST', `${HW}?${c.q}`, { token: w.editor.token, body });
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status === 201) {
            await s.call('DELETE', `${HW}/${res.body.metadata.asset_id}?${c.q}`, { token: w.editor.token });
          } else expectEnvError(res, res.status);
        },
      ),
      { numRuns: 40 },
    );
    expect(await countAssets(s, c)).toBe(before);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(
              '/metadata/name',
              '/entity/hardware_specification/nodes/cpu/units',
              '/entity/hardware_specification/nodes/mem',
            ),
            fc.string().map((k) => `/${k}`),
          ),
          fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.integer()), fc.constant('')),
          { minKeys: 1, maxKeys: 3 },
        ),
        async (patch) => {
          const res = await s.call('PATCH', `${HW}/${id}?${c.q}`, { token: w.editor.token, body: patch });
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.status, res.text).toBeLessThan(500);
        },
      ),
      { numRuns: 40 },
    );
    const after = await s.call('GET', `${HW}/${id}?${c.q}`, { token: w.viewer.token });
    expect(after.body).toEqual(made.body);
  });
});
