import fc from 'fast-check';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  CONDA_YML,
  countAssets,
  createWorld,
  expectEnvError,
  MISSING_ID,
  upload,
  type World,
} from './helpers.ts';

const PE = '/v2/package_extensions';
let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

/** A real zip archive, as pip_zip package extensions are: one wheel-like file inside. */
async function pipZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('def hello():\n    return "hi"\n'), 'mypkg/__init__.py');
  zip.addBuffer(
    Buffer.from('Metadata-Version: 2.1\nName: mypkg\nVersion: 0.1\n'),
    'mypkg-0.1.dist-info/METADATA',
  );
  zip.end();
  const parts: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

async function create(q: string, body: Record<string, unknown>, token = w.editor.token) {
  const res = await s.call('POST', `${PE}?${q}`, { token, body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe('package extensions: the upload round trip', () => {
  it.each(['project', 'space'] as const)(
    'conda YAML in a %s: create, upload to href, complete, download',
    async (kind) => {
      const c = w.containers[kind];
      const pe = await create(c.q, {
        name: 'my conda',
        description: 'extra libs',
        type: 'conda_yml',
        interpreter: 'mamba',
      });
      expect(pe.metadata).toMatchObject({
        name: 'my conda',
        asset_type: 'package_extension',
        [`${kind}_id`]: c.id,
      });
      const details = pe.entity.package_extension;
      expect(details).toMatchObject({ type: 'conda_yml', interpreter: 'mamba' });
      expect(details.object_key).toBe(`package_extension/${pe.metadata.asset_id}.yml`);
      expect(details.href).toMatch(/^\/v2\/assets\/.+\/attachments\/.+\/content\?/);

      const up = await upload(s, w.editor.token, details.href, CONDA_YML);
      expect(up.status, up.text).toBe(200);
      const done = await s.call('POST', `${PE}/${pe.metadata.asset_id}/upload_complete?${c.q}`, {
        token: w.editor.token,
      });
      expect(done.status, done.text).toBe(200);
      expect(done.body.metadata.asset_id).toBe(pe.metadata.asset_id);
      // idempotent
      expect(
        (
          await s.call('POST', `${PE}/${pe.metadata.asset_id}/upload_complete?${c.q}`, {
            token: w.editor.token,
          })
        ).status,
      ).toBe(200);

      const down = await fetch(`${s.url}${details.href}`, {
        headers: { authorization: `Bearer ${w.viewer.token}` },
      });
      expect(down.status).toBe(200);
      expect(await down.text()).toBe(CONDA_YML);
      // once checked, the file no longer changes
      expect((await upload(s, w.editor.token, details.href, 'dependencies: [x]')).status).toBe(409);

      const listed = await s.call('GET', `${PE}?${c.q}`, { token: w.viewer.token });
      expect(listed.body.total_results).toBeGreaterThanOrEqual(1);
      expect(listed.body.resources.map((r: any) => r.metadata.asset_id)).toContain(pe.metadata.asset_id);
    },
  );

  it('pip zip: a real archive passes; a file that is not a zip is refused until a real one is uploaded', async () => {
    const c = w.containers.project;
    const pe = await create(c.q, { name: 'my wheel', type: 'pip_zip' });
    const href = pe.entity.package_extension.href;
    expect(pe.entity.package_extension.object_key).toMatch(/\.zip$/);
    const complete = () =>
      s.call('POST', `${PE}/${pe.metadata.asset_id}/upload_complete?${c.q}`, { token: w.editor.token });

    expectEnvError(await complete(), 400, 'upload_missing');
    expect((await upload(s, w.editor.token, href, 'this is not a zip')).status).toBe(200);
    const refused = await complete();
    expectEnvError(refused, 400, 'invalid_package_extension');
    expect(refused.body.errors[0].message).toMatch(/not a zip/);
    // a truncated archive (local header, no central directory) is refused too
    const zip = await pipZip();
    expect((await upload(s, w.editor.token, href, zip.subarray(0, 40))).status).toBe(200);
    expectEnvError(await complete(), 400, 'invalid_package_extension');

    expect((await upload(s, w.editor.token, href, zip)).status).toBe(200);
    expect((await complete()).status).toBe(200);
    const down = await fetch(`${s.url}${href}`, { headers: { authorization: `Bearer ${w.viewer.token}` } });
    expect(Buffer.from(await down.arrayBuffer()).equals(zip)).toBe(true);
  });

  it('conda YAML that does not parse, or has no dependencies, is refused with a clear error', async () => {
    const c = w.containers.space;
    for (const [content, reason] of [
      ['name: x\n  dependencies: [a\n', /not valid YAML/],
      ['- just\n- a list\n', /not a mapping/],
      ['name: x\nchannels: [conda-forge]\n', /no `dependencies` list/],
      [await pipZip(), /not valid YAML|not a mapping/],
    ] as const) {
      const pe = await create(c.q, { name: 'bad conda', type: 'conda_yml' });
      expect((await upload(s, w.editor.token, pe.entity.package_extension.href, content)).status).toBe(200);
      const res = await s.call('POST', `${PE}/${pe.metadata.asset_id}/upload_complete?${c.q}`, {
        token: w.editor.token,
      });
      expectEnvError(res, 400, 'invalid_package_extension');
      expect(res.body.errors[0].message).toMatch(reason);
    }
  });
});

describe('package extensions: reads, changes and errors', () => {
  it('filters the list by name and type', async () => {
    const c = w.containers.project;
    const a = await create(c.q, { name: 'filter me', type: 'conda_yml' });
    const b = await create(c.q, { name: 'filter me', type: 'pip_zip' });
    const byName = await s.call('GET', `${PE}?name=filter%20me&${c.q}`, { token: w.viewer.token });
    expect(byName.body.resources.map((r: any) => r.metadata.asset_id).sort()).toEqual(
      [a.metadata.asset_id, b.metadata.asset_id].sort(),
    );
    const zips = await s.call('GET', `${PE}?name=filter%20me&type=pip_zip&${c.q}`, { token: w.viewer.token });
    expect(zips.body.resources.map((r: any) => r.metadata.asset_id)).toEqual([b.metadata.asset_id]);
    expectEnvError(await s.call('GET', `${PE}?type=tarball&${c.q}`, { token: w.viewer.token }), 400);
  });

  it('patches name, description and (before the upload is complete) the type', async () => {
    const c = w.containers.project;
    const pe = await create(c.q, { name: 'to patch', type: 'conda_yml' });
    const id = pe.metadata.asset_id;
    const patched = await s.call('PATCH', `${PE}/${id}?${c.q}`, {
      token: w.editor.token,
      body: {
        '/metadata/name': 'patched',
        '/metadata/description': 'new',
        '/entity/package_extension/type': 'pip_zip',
      },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.metadata).toMatchObject({ name: 'patched', description: 'new' });
    expect(patched.body.entity.package_extension).toMatchObject({
      type: 'pip_zip',
      object_key: `package_extension/${id}.zip`,
    });
    expect((await upload(s, w.editor.token, pe.entity.package_extension.href, await pipZip())).status).toBe(
      200,
    );
    expect(
      (await s.call('POST', `${PE}/${id}/upload_complete?${c.q}`, { token: w.editor.token })).status,
    ).toBe(200);
    expectEnvError(
      await s.call('PATCH', `${PE}/${id}?${c.q}`, {
        token: w.editor.token,
        body: { '/entity/package_extension/type': 'conda_yml' },
      }),
      400,
    );
    expectEnvError(
      await s.call('PATCH', `${PE}/${id}?${c.q}`, {
        token: w.editor.token,
        body: { '/entity/package_extension/object_key': 'x' },
      }),
      400,
      'invalid_field',
    );
    const got = await s.call('GET', `${PE}/${id}?${c.q}`, { token: w.viewer.token });
    expect(got.body.entity.package_extension.type).toBe('pip_zip');
  });

  it('answers 400, 401, 403 and 404 as documented, and deletes with the file', async () => {
    const c = w.containers.project;
    expectEnvError(await s.call('GET', PE, { token: w.viewer.token }), 400, 'missing_parameter');
    expectEnvError(
      await s.call('POST', `${PE}?${c.q}`, { token: w.editor.token, body: { name: 'x', type: 'rpm' } }),
      400,
    );
    expectEnvError(
      await s.call('POST', `${PE}?${c.q}`, { token: w.editor.token, body: { type: 'pip_zip' } }),
      400,
    );
    expectEnvError(await s.call('GET', `${PE}?${c.q}`, { token: null }), 401);
    expectEnvError(await s.call('GET', `${PE}?${c.q}`, { token: w.outsider.token }), 403);
    expectEnvError(
      await s.call('POST', `${PE}?${c.q}`, { token: w.viewer.token, body: { name: 'v', type: 'pip_zip' } }),
      403,
    );
    expectEnvError(await s.call('GET', `${PE}/${MISSING_ID}?${c.q}`, { token: w.viewer.token }), 404);
    expectEnvError(
      await s.call('POST', `${PE}/${MISSING_ID}/upload_complete?${c.q}`, { token: w.editor.token }),
      404,
    );
    const pe = await create(c.q, { name: 'to delete', type: 'conda_yml' });
    const id = pe.metadata.asset_id;
    expect((await upload(s, w.viewer.token, pe.entity.package_extension.href, CONDA_YML)).status).toBe(403);
    expectEnvError(
      await s.call('POST', `${PE}/${id}/upload_complete?${c.q}`, { token: w.viewer.token }),
      403,
    );
    expectEnvError(await s.call('DELETE', `${PE}/${id}?${c.q}`, { token: w.viewer.token }), 403);
    expectEnvError(
      await s.call('GET', `${PE}/${id}?${w.containers.space.q}`, { token: w.viewer.token }),
      404,
    );
    expect((await upload(s, w.editor.token, pe.entity.package_extension.href, CONDA_YML)).status).toBe(200);
    const blobsBefore = await (s.built.ctx.store.db as any).selectFrom('blobs').select('blob_id').execute();
    const del = await s.call('DELETE', `${PE}/${id}?${c.q}`, { token: w.editor.token });
    expect(del.status, del.text).toBe(204);
    const blobsAfter = await (s.built.ctx.store.db as any).selectFrom('blobs').select('blob_id').execute();
    expect(blobsAfter.length).toBe(blobsBefore.length - 1);
    expectEnvError(await s.call('GET', `${PE}/${id}?${c.q}`, { token: w.viewer.token }), 404);
    expectEnvError(await s.call('DELETE', `${PE}/${id}?${c.q}`, { token: w.editor.token }), 404);
  });

  it('refuses bad create bodies with a 4xx and creates nothing (property-based)', async () => {
    const c = w.containers.space;
    const before = await countAssets(s, c);
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            name: fc.oneof(fc.constant(''), fc.constant('  '), fc.integer(), fc.constant(null)),
            type: fc.oneof(fc.constantFrom('conda_yml', 'pip_zip'), fc.string(), fc.integer()),
            interpreter: fc.oneof(fc.integer(), fc.array(fc.string())),
          },
          { requiredKeys: ['name'] },
        ),
        async (body) => {
          const res = await s.call('POST', `${PE}?${c.q}`, { token: w.editor.token, body });
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.status, res.text).toBeLessThan(500);
          expectEnvError(res, res.status);
        },
      ),
      { numRuns: 40 },
    );
    expect(await countAssets(s, c)).toBe(before);
  });
});
