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

const ENV = '/v2/environments';
const BASE = 'ab9e1b80-f2ce-592c-a7d2-4f2344f77194';
let s: TestServer;
let w: World;
let xs: string;
let runtime: string;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  xs = (await s.call('GET', '/v2/hardware_specifications?name=XS', { token: w.admin.token })).body
    .resources[0].metadata.asset_id;
  runtime = (
    await s.call('GET', '/v2/software_specifications?name=runtime-24.1-py3.11', { token: w.admin.token })
  ).body.resources[0].metadata.asset_id;
});
afterAll(async () => s?.close());

const notebook = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'notebook',
  name,
  description: 'my notebook environment',
  display_name: `Display ${name}`,
  hardware_specification: { guid: xs },
  software_specification: { guid: runtime },
  tools_specification: {
    supported_kernels: [
      { name: 'python3', language: 'python', version: '3.11', display_name: 'Python 3.11' },
    ],
  },
  ...extra,
});

async function create(c: Container, body: Record<string, unknown>) {
  const res = await s.call('POST', `${ENV}?${c.q}`, { token: w.editor.token, body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe('environments: the defaults of every project and space', () => {
  it('lists default environments with their specifications expanded', async () => {
    for (const q of ['', `?${w.containers.project.q}`, `?${w.containers.space.q}`]) {
      const res = await s.call('GET', `${ENV}${q}`, { token: w.viewer.token });
      expect(res.status, res.text).toBe(200);
      const ids = res.body.resources.map((r: any) => r.metadata.asset_id);
      expect(ids).toEqual(
        expect.arrayContaining(['runtime-24.1-py3.11-xs', 'runtime-24.1-r4.3-s', 'spark34-py311']),
      );
    }
    const one = await s.call('GET', `${ENV}/runtime-24.1-py3.11-xs?${w.containers.project.q}`, {
      token: w.viewer.token,
    });
    expect(one.status, one.text).toBe(200);
    const env = one.body.entity.environment;
    expect(env).toMatchObject({
      sub_type: 'notebook',
      spec_type: 'referenced',
      display_name: 'Runtime 24.1 on Python 3.11 XS',
    });
    expect(env.hardware_specification).toMatchObject({
      metadata: { name: 'XS', asset_type: 'hardware_specification' },
      entity: { hardware_specification: { nodes: { cpu: { units: '2' }, mem: { size: '8Gi' } } } },
    });
    expect(env.software_specification.metadata.name).toBe('runtime-24.1-py3.11');
    expect(env.tools_specification.supported_kernels[0]).toMatchObject({
      name: 'python3',
      language: 'python',
    });
  });

  it('filters by types, exclude_types, exclude_languages and spark_versions', async () => {
    const c = w.containers.project;
    await create(c, {
      type: 'datastage',
      name: 'ds env',
      display_name: 'DataStage',
      hardware_specification: { guid: xs },
    });
    const ids = async (q: string) =>
      (await s.call('GET', `${ENV}?${c.q}&${q}`, { token: w.viewer.token })).body.resources.map(
        (r: any) => r.metadata.name,
      );
    expect(await ids('types=datastage')).toEqual(['ds env']);
    expect(await ids('types=datastage,notebook&exclude_types=notebook')).toEqual(['ds env']);
    const noR = await ids('exclude_languages=r');
    expect(noR).not.toContain('runtime-24.1-r4.3-s');
    expect(noR).toContain('runtime-24.1-py3.11-xs');
    const noPython = await ids('exclude_languages=python3');
    expect(noPython).toContain('runtime-24.1-r4.3-s');
    expect(noPython).not.toContain('runtime-24.1-py3.11-xs');
    const spark = await ids('spark_versions=3.4');
    expect(spark).toContain('spark34-py311');
    expect(spark).not.toContain('spark33-py310');
    expect(spark).toContain('runtime-24.1-py3.11-xs');
  });

  it('refuses to change or delete a default environment (403)', async () => {
    const c = w.containers.project;
    expectEnvError(
      await s.call('DELETE', `${ENV}/runtime-24.1-py3.11-xs?${c.q}`, { token: w.admin.token }),
      403,
      'built_in_read_only',
    );
    expectEnvError(
      await s.call('PATCH', `${ENV}/runtime-24.1-py3.11-xs?${c.q}`, {
        token: w.admin.token,
        body: { '/metadata/name': 'x' },
      }),
      403,
    );
  });
});

describe('environments: custom ones', () => {
  it.each(['project', 'space'] as const)('an editor creates, reads and deletes one in a %s', async (kind) => {
    const c = w.containers[kind];
    const created = await create(c, notebook(`nb ${kind}`, { environment_variables: { A: '1' } }));
    const id = created.metadata.asset_id;
    expect(created.metadata).toMatchObject({
      name: `nb ${kind}`,
      asset_type: 'environment',
      [`${kind}_id`]: c.id,
    });
    expect(created.metadata.href).toBe(`${ENV}/${id}?${c.q}`);
    expect(created.entity.environment).toMatchObject({
      sub_type: 'notebook',
      display_name: `Display nb ${kind}`,
      spec_type: 'referenced',
      environment_variables: { A: '1' },
      hardware_specification: { metadata: { asset_id: xs, name: 'XS' } },
      software_specification: { metadata: { asset_id: runtime } },
    });
    expect((await s.call('GET', `${ENV}/${id}?${c.q}`, { token: w.viewer.token })).body).toEqual(created);
    const listed = await s.call('GET', `${ENV}?${c.q}`, { token: w.viewer.token });
    expect(listed.body.resources.map((r: any) => r.metadata.asset_id)).toContain(id);
    expectEnvError(await s.call('GET', `${ENV}/${id}`, { token: w.viewer.token }), 404);
    expect((await s.call('DELETE', `${ENV}/${id}?${c.q}`, { token: w.editor.token })).status).toBe(204);
    expectEnvError(await s.call('GET', `${ENV}/${id}?${c.q}`, { token: w.viewer.token }), 404);
    expectEnvError(await s.call('DELETE', `${ENV}/${id}?${c.q}`, { token: w.editor.token }), 404);
  });

  it('uses custom specifications of its project, keeps them from being deleted, and shows conda YAML on request', async () => {
    const c = w.containers.project;
    const hw = await s.call('POST', `/v2/hardware_specifications?${c.q}`, {
      token: w.editor.token,
      body: { name: 'env hw', nodes: { cpu: { units: '3' }, mem: { size: '6Gi' } } },
    });
    const pe = await s.call('POST', `/v2/package_extensions?${c.q}`, {
      token: w.editor.token,
      body: { name: 'p', type: 'conda_yml' },
    });
    await upload(s, w.editor.token, pe.body.entity.package_extension.href, CONDA_YML);
    await s.call('POST', `/v2/package_extensions/${pe.body.metadata.asset_id}/upload_complete?${c.q}`, {
      token: w.editor.token,
    });
    const sw = await s.call('POST', `/v2/software_specifications?${c.q}`, {
      token: w.editor.token,
      body: {
        name: 'env sw',
        base_software_specification: { guid: BASE },
        package_extensions: [{ guid: pe.body.metadata.asset_id }],
      },
    });
    expect(sw.status, sw.text).toBe(201);
    const env = await create(
      c,
      notebook('custom specs', {
        hardware_specification: { guid: hw.body.metadata.asset_id },
        software_specification: { guid: sw.body.metadata.asset_id },
      }),
    );
    expect(env.entity.environment.hardware_specification.entity.hardware_specification.nodes.cpu.units).toBe(
      '3',
    );
    expect(
      env.entity.environment.software_specification.entity.software_specification.package_extensions,
    ).toHaveLength(1);
    expect(env.entity.environment.conda_yml).toBeUndefined();
    const withYml = await s.call('GET', `${ENV}/${env.metadata.asset_id}?${c.q}&include_conda_yml=true`, {
      token: w.viewer.token,
    });
    expect(withYml.body.entity.environment.conda_yml).toBe(CONDA_YML);
    expectEnvError(
      await s.call('DELETE', `/v2/hardware_specifications/${hw.body.metadata.asset_id}?${c.q}`, {
        token: w.editor.token,
      }),
      409,
      'in_use',
    );
    expectEnvError(
      await s.call('DELETE', `/v2/software_specifications/${sw.body.metadata.asset_id}?${c.q}`, {
        token: w.editor.token,
      }),
      409,
      'in_use',
    );
    // a space cannot use the project's specifications
    expectEnvError(
      await s.call('POST', `${ENV}?${w.containers.space.q}`, {
        token: w.editor.token,
        body: notebook('wrong scope', { hardware_specification: { guid: hw.body.metadata.asset_id } }),
      }),
      400,
      'invalid_reference',
    );
  });

  it('patches with the documented pointer keys', async () => {
    const c = w.containers.project;
    const env = await create(c, notebook('to patch'));
    const id = env.metadata.asset_id;
    const s2 = (await s.call('GET', '/v2/hardware_specifications?name=S', { token: w.admin.token })).body
      .resources[0].metadata.asset_id;
    const patched = await s.call('PATCH', `${ENV}/${id}?${c.q}`, {
      token: w.editor.token,
      body: {
        '/metadata/name': 'patched env',
        '/metadata/description': 'patched',
        '/entity/environment/display_name': 'Patched',
        '/entity/environment/hardware_specification': { guid: s2 },
        '/entity/environment/environment_variables': { key1: 'value1' },
        '/entity/environment/config_variables': { key3: 'value3' },
      },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.metadata).toMatchObject({ name: 'patched env', description: 'patched' });
    expect(patched.body.entity.environment).toMatchObject({
      display_name: 'Patched',
      environment_variables: { key1: 'value1' },
      config_variables: { key3: 'value3' },
      hardware_specification: { metadata: { name: 'S' } },
    });
    expectEnvError(
      await s.call('PATCH', `${ENV}/${id}?${c.q}`, {
        token: w.editor.token,
        body: { '/entity/environment/hardware_specification': { guid: MISSING_ID } },
      }),
      400,
      'invalid_reference',
    );
    expectEnvError(
      await s.call('PATCH', `${ENV}/${id}?${c.q}`, {
        token: w.editor.token,
        body: { '/entity/environment/sub_type': 'x' },
      }),
      400,
      'invalid_field',
    );
    expectEnvError(
      await s.call('PATCH', `${ENV}/${id}?${c.q}`, {
        token: w.viewer.token,
        body: { '/metadata/name': 'v' },
      }),
      403,
    );
    expectEnvError(
      await s.call('PATCH', `${ENV}/${MISSING_ID}?${c.q}`, {
        token: w.editor.token,
        body: { '/metadata/name': 'v' },
      }),
      404,
    );
    expect((await s.call('GET', `${ENV}/${id}?${c.q}`, { token: w.viewer.token })).body).toEqual(
      patched.body,
    );
  });

  it('still answers (never a 500) for entries whose entity was rewritten through the generic asset API', async () => {
    const c = w.containers.project;
    const env = await create(c, notebook('rewritten'));
    const id = env.metadata.asset_id;
    for (const value of ['junk', { sub_type: 7, tools_specification: { supported_kernels: 'x' } }, {}]) {
      const patched = await s.call('PATCH', `/v2/assets/${id}?${c.q}`, {
        token: w.editor.token,
        body: [{ op: 'replace', path: '/entity/environment', value }],
      });
      expect(patched.status, patched.text).toBe(200);
      const listed = await s.call('GET', `${ENV}?${c.q}&exclude_languages=r`, { token: w.viewer.token });
      expect(listed.status, listed.text).toBe(200);
      const got = await s.call('GET', `${ENV}/${id}?${c.q}&include_conda_yml=true`, {
        token: w.viewer.token,
      });
      expect(got.status, got.text).toBe(200);
    }
    expect((await s.call('DELETE', `${ENV}/${id}?${c.q}`, { token: w.editor.token })).status).toBe(204);
  });

  it('answers 400, 401 and 403 as documented, by type', async () => {
    const c = w.containers.project;
    expectEnvError(
      await s.call('POST', ENV, { token: w.editor.token, body: notebook('x') }),
      400,
      'missing_parameter',
    );
    expectEnvError(
      await s.call('GET', `${ENV}?project_id=12345`, { token: w.editor.token }),
      400,
      'invalid_type',
    );
    const { tools_specification: _t, ...noTools } = notebook('no tools');
    expectEnvError(
      await s.call('POST', `${ENV}?${c.q}`, { token: w.editor.token, body: noTools }),
      400,
      'missing_field',
    );
    const { software_specification: _s, ...noSoftware } = notebook('no software', { type: 'wml_flow' });
    expectEnvError(
      await s.call('POST', `${ENV}?${c.q}`, { token: w.editor.token, body: noSoftware }),
      400,
      'missing_field',
    );
    expectEnvError(
      await s.call('POST', `${ENV}?${c.q}`, {
        token: w.editor.token,
        body: notebook('bad sw', { software_specification: { guid: MISSING_ID } }),
      }),
      400,
      'invalid_reference',
    );
    expectEnvError(await s.call('GET', ENV, { token: null }), 401);
    expectEnvError(await s.call('GET', `${ENV}?${c.q}`, { token: w.outsider.token }), 403);
    expectEnvError(
      await s.call('POST', `${ENV}?${c.q}`, { token: w.viewer.token, body: notebook('v') }),
      403,
    );
    const env = await create(c, notebook('roles'));
    expectEnvError(
      await s.call('DELETE', `${ENV}/${env.metadata.asset_id}?${c.q}`, { token: w.viewer.token }),
      403,
    );
    expectEnvError(
      await s.call('GET', `${ENV}/${env.metadata.asset_id}?${c.q}`, { token: w.outsider.token }),
      403,
    );
  });

  it('refuses bad bodies with a 4xx and creates nothing (property-based)', async () => {
    const c = w.containers.space;
    const before = await countAssets(s, c);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          type: fc.oneof(fc.constantFrom('notebook', 'wml_flow'), fc.integer(), fc.constant('')),
          name: fc.oneof(fc.constant(' '), fc.string({ maxLength: 3 }), fc.integer()),
          display_name: fc.oneof(fc.constant(''), fc.constant('  '), fc.anything()),
          hardware_specification: fc.oneof(fc.anything(), fc.record({ guid: fc.string() })),
          software_specification: fc.oneof(fc.anything(), fc.record({ guid: fc.string() })),
          tools_specification: fc.anything(),
        }),
        async (body) => {
          const res = await s.call('POST', `${ENV}?${c.q}`, { token: w.editor.token, body });
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.status, res.text).toBeLessThan(500);
          expectEnvError(res, res.status);
        },
      ),
      { numRuns: 50 },
    );
    expect(await countAssets(s, c)).toBe(before);
  });
});
