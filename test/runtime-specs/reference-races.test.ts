import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CONDA_YML, createWorld, upload, type World } from './helpers.ts';

/**
 * A delete that checks "still used" and a create that checks "exists" must not both pass when they
 * race: each pair below runs at the same moment, many times, and exactly one side may win.
 */
const ROUNDS = 12;
const BASE = 'ac79ad7e-c6b9-4b1e-9d62-4b4b3e6d3c1f';
let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

const post = (path: string, body: unknown) => s.call('POST', path, { token: w.editor.token, body });
const del = (path: string) => s.call('DELETE', path, { token: w.editor.token });
const get = (path: string) => s.call('GET', path, { token: w.editor.token });

async function baseSoftwareId(): Promise<string> {
  const res = await get('/v2/software_specifications?name=runtime-24.1-py3.11');
  expect(res.status, res.text).toBe(200);
  return res.body.resources[0]?.metadata.asset_id ?? BASE;
}

async function readyPackage(q: string): Promise<string> {
  const pe = await post(`/v2/package_extensions?${q}`, { name: 'race pkgs', type: 'conda_yml' });
  expect(pe.status, pe.text).toBe(201);
  expect((await upload(s, w.editor.token, pe.body.entity.package_extension.href, CONDA_YML)).status).toBe(
    200,
  );
  const id = pe.body.metadata.asset_id;
  expect((await post(`/v2/package_extensions/${id}/upload_complete?${q}`, undefined)).status).toBe(200);
  return id;
}

describe('runtime definitions: "still used" and "exists" checks under races', () => {
  it('a hardware specification is either deleted or used by the new environment, never both', async () => {
    const q = w.containers.project.q;
    const outcomes = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      const hw = await post(`/v2/hardware_specifications?${q}`, {
        name: `race hw ${i}`,
        nodes: { cpu: { units: '1' }, mem: { size: '2Gi' } },
      });
      expect(hw.status, hw.text).toBe(201);
      const hwId = hw.body.metadata.asset_id;
      const [deleted, env] = await Promise.all([
        del(`/v2/hardware_specifications/${hwId}?${q}`),
        post(`/v2/environments?${q}`, {
          name: `race env ${i}`,
          type: 'datastage',
          hardware_specification: { guid: hwId },
        }),
      ]);
      outcomes.add(`${deleted.status}/${env.status}`);
      expect([deleted.status, env.status].sort(), `${deleted.text} / ${env.text}`).toEqual(
        deleted.status === 204 ? [204, 400] : [201, 409],
      );
      const after = await get(`/v2/hardware_specifications/${hwId}?${q}`);
      expect(after.status).toBe(deleted.status === 204 ? 404 : 200);
    }
    expect(outcomes.size, [...outcomes].join(', ')).toBeGreaterThan(0);
  });

  it('a package extension is either deleted or referenced by the new software specification, never both', async () => {
    const q = w.containers.space.q;
    const base = await baseSoftwareId();
    for (let i = 0; i < ROUNDS; i++) {
      const pkg = await readyPackage(q);
      const [deleted, sw] = await Promise.all([
        del(`/v2/package_extensions/${pkg}?${q}`),
        post(`/v2/software_specifications?${q}`, {
          name: `race sw ${i}`,
          base_software_specification: { guid: base },
          package_extensions: [{ guid: pkg }],
        }),
      ]);
      expect([deleted.status, sw.status].sort(), `${deleted.text} / ${sw.text}`).toEqual(
        deleted.status === 204 ? [204, 400] : [201, 409],
      );
      const after = await get(`/v2/package_extensions/${pkg}?${q}`);
      expect(after.status).toBe(deleted.status === 204 ? 404 : 200);
    }
  });

  it('concurrent changes of one software specification all land (a rename does not undo an added package)', async () => {
    const q = w.containers.project.q;
    const base = await baseSoftwareId();
    for (let i = 0; i < ROUNDS / 2; i++) {
      const pkg = await readyPackage(q);
      const sw = await post(`/v2/software_specifications?${q}`, {
        name: `renamed race ${i}`,
        base_software_specification: { guid: base },
      });
      expect(sw.status, sw.text).toBe(201);
      const id = sw.body.metadata.asset_id;
      const [added, renamed] = await Promise.all([
        s.call('PUT', `/v2/software_specifications/${id}/package_extensions/${pkg}?${q}`, {
          token: w.editor.token,
        }),
        s.call('PATCH', `/v2/software_specifications/${id}?${q}`, {
          token: w.editor.token,
          body: { '/metadata/description': `changed ${i}` },
        }),
      ]);
      expect(added.status, added.text).toBe(200);
      expect(renamed.status, renamed.text).toBe(200);
      const now = await get(`/v2/software_specifications/${id}?${q}`);
      expect(now.body.metadata.description).toBe(`changed ${i}`);
      expect(
        now.body.entity.software_specification.package_extensions.map((p: any) => p.metadata.asset_id),
      ).toEqual([pkg]);
    }
  });
});
