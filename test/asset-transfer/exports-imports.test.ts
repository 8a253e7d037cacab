import crypto from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAssetTransferHooks } from '../../packages/server/src/areas/assets/transfer-hooks.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createWorld, expectPlatformError, type Container, type World } from '../assets/helpers.ts';
import { addMembers, newProject } from '../projects/projects-fixtures.ts';
import {
  assetWithAttachments,
  blobMismatches,
  countRows,
  download,
  postImport,
  setEnv,
  settled,
  stagedFiles,
  storedAssets,
  unzip,
  zipOf,
} from './helpers.ts';

// Small archive limits, so that refusals are cheap to provoke (read when the server starts).
const LIMITS = {
  PROJECT_ARCHIVE_MAX_BYTES: String(2 * 1024 * 1024),
  PROJECT_ARCHIVE_MAX_ENTRIES: '60',
  PROJECT_ARCHIVE_MAX_ENTRY_BYTES: String(1024 * 1024),
  PROJECT_ARCHIVE_MAX_TOTAL_BYTES: String(3 * 1024 * 1024),
};

// A test asset type with a secret, as connections have: the hooks are the other side's contract.
const SECRET_TYPE = 'transfer_test_secret';
registerAssetTransferHooks(SECRET_TYPE, {
  exportEntity: (_ctx, entity, cipher) => {
    const { password, ...rest } = entity;
    return cipher ? { ...rest, sealed_password: cipher.seal(password) } : rest;
  },
  importEntity: (_ctx, entity, cipher) => {
    const { sealed_password, ...rest } = entity;
    return cipher && typeof sealed_password === 'string'
      ? { ...rest, password: cipher.open(sealed_password) }
      : rest;
  },
});

let s: TestServer;
let w: World;
beforeAll(async () => {
  setEnv(LIMITS);
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => {
  await s?.close();
  setEnv(Object.fromEntries(Object.keys(LIMITS).map((k) => [k, undefined])));
});

const freshProject = async (): Promise<Container> => {
  const id = await newProject(s, w.admin.token);
  await addMembers(s, w.admin.token, id, [
    { user: w.editor, role: 'editor' },
    { user: w.viewer, role: 'viewer' },
  ]);
  return { kind: 'project', id, q: `project_id=${id}` };
};

async function startExport(c: Container, body: Record<string, unknown>, token = w.editor.token) {
  const res = await s.call('POST', `/v2/asset_exports?${c.q}`, { token, body });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function exportAndWait(c: Container, body: Record<string, unknown>) {
  const started = await startExport(c, body);
  const done = await settled(s, `/v2/asset_exports/${started.metadata.id}?${c.q}`, w.editor.token);
  expect(done.entity.status, JSON.stringify(done)).toMatchObject({ state: 'completed' });
  return done;
}

async function importAndWait(c: Container, zip: Buffer, form: Record<string, string> = {}) {
  const res = await postImport(s, c, zip, { token: w.editor.token, form });
  expect(res.status, res.text).toBe(200);
  expect(res.body.entity.status.state).toBe('pending');
  return settled(s, `/v2/asset_imports/${res.body.metadata.id}?${c.q}`, w.editor.token);
}

/** A script, a job referring to it, and a data asset with two attachments. */
async function sampleProject() {
  const c = await freshProject();
  const bytes = [crypto.randomBytes(70 * 1024), Buffer.from('a,b\n1,2\n')];
  const script = await assetWithAttachments(
    s,
    w.admin.token,
    c,
    { name: 'run.py', asset_type: 'script' },
    { language: 'python' },
  );
  const job = await assetWithAttachments(
    s,
    w.admin.token,
    c,
    { name: 'nightly', asset_type: 'job', tags: ['ops'] },
    { job: { asset_ref: script, schedule: '0 3 * * *' }, href: `/v2/assets/${script}` },
  );
  const data = await assetWithAttachments(
    s,
    w.admin.token,
    c,
    { name: 'sales.csv', asset_type: 'data_asset', description: 'figures' },
    { data_asset: { mime_type: 'text/csv' } },
    bytes,
  );
  return { c, script, job, data, bytes };
}

/** What an archive holds, ids aside: comparable between an export and its re-export. */
async function contentOf(zip: Buffer) {
  const files = await unzip(zip);
  const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
  const names = new Map(manifest.assets.map((a: any) => [a.asset_id, a.name]));
  const deId = (v: unknown): unknown =>
    typeof v === 'string'
      ? ((names.get(v) as string) ?? v)
      : Array.isArray(v)
        ? v.map(deId)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deId(x)]))
          : v;
  return {
    manifest,
    assets: manifest.assets.map((a: any) => ({
      name: a.name,
      asset_type: a.asset_type,
      description: a.description,
      tags: a.tags,
      entity: deId(a.entity),
      attachments: a.attachments.map((t: any) => ({
        name: t.name,
        mime: t.mime,
        sha256: crypto.createHash('sha256').update(files.get(t.path)!).digest('hex'),
      })),
    })),
  };
}

describe('exports', () => {
  it('exports every asset with its attachments; an import remaps references; a re-export is the same', async () => {
    const p = await sampleProject();
    const done = await exportAndWait(p.c, { name: 'export123', assets: { all_assets: true } });
    expect(done).toMatchObject({
      entity: {
        assets: { all_assets: true },
        format: 'json',
        status: { state: 'completed', progress: { assets: 3, attachments: 2 } },
      },
      metadata: {
        name: 'export123',
        project_id: p.c.id,
        url: `/v2/asset_exports/${done.metadata.id}`,
        creator_id: w.editor.iam_id,
      },
    });
    const zip = await download(s, done.metadata.id, p.c, w.viewer.token);
    const first = await contentOf(zip);
    expect(first.manifest).toMatchObject({
      format: 'cc-project-archive',
      version: 1,
      export: { id: done.metadata.id },
    });
    expect(first.assets.map((a: any) => a.name)).toEqual(['run.py', 'nightly', 'sales.csv']);
    const files = await unzip(zip);
    const dataRecord = first.manifest.assets[2];
    expect(files.get(dataRecord.attachments[0].path)!.equals(p.bytes[0])).toBe(true);
    expect(files.get(dataRecord.attachments[1].path)!.equals(p.bytes[1])).toBe(true);

    const target = await freshProject();
    const imported = await importAndWait(target, zip);
    expect(imported.entity.status).toMatchObject({
      state: 'completed',
      progress: { assets: 3, attachments: 2 },
    });
    const rows = await storedAssets(s, target);
    expect(rows.map((r: any) => r.name)).toEqual(['run.py', 'nightly', 'sales.csv']);
    const newScript = rows[0].asset_id;
    expect(newScript).not.toBe(p.script);
    // a bare reference follows the script; an id inside a longer string (an href) is left alone
    expect(JSON.parse(rows[1].entity)).toEqual({
      job: { asset_ref: newScript, schedule: '0 3 * * *' },
      href: `/v2/assets/${p.script}`,
    });
    expect(rows[1].creator_id).toBe(w.editor.iam_id);

    const again = await exportAndWait(target, { assets: { all_assets: true } });
    const second = await contentOf(await download(s, again.metadata.id, target, w.editor.token));
    expect(second.assets.map((a: any) => ({ ...a, entity: a.entity }))).toEqual(first.assets);
  });

  it('an import keeps the archive order of assets and attachments, though it writes them in the same millisecond', async () => {
    // Written in one batch with one created_at: only time-ordered new ids keep this order.
    const names = Array.from({ length: 40 }, (_, i) => `asset ${String(39 - i).padStart(2, '0')}`);
    const parts = Array.from({ length: 12 }, (_, i) => `part ${String(11 - i).padStart(2, '0')}`);
    const zip = await zipOf([
      {
        name: 'manifest.json',
        data: JSON.stringify({
          format: 'cc-project-archive',
          version: 1,
          assets: names.map((name, i) => ({
            asset_id: `src-${i}`,
            asset_type: 'data_asset',
            name,
            attachments: i === 7 ? parts.map((p, j) => ({ name: p, path: `attachments/src-7/${j}` })) : [],
          })),
        }),
      },
      ...parts.map((p, j) => ({ name: `attachments/src-7/${j}`, data: p })),
    ]);
    const target = await freshProject();
    expect((await importAndWait(target, zip)).entity.status.state).toBe('completed');
    expect((await storedAssets(s, target)).map((r: any) => r.name)).toEqual(names);
    const again = await exportAndWait(target, { assets: { all_assets: true } });
    const out = await contentOf(await download(s, again.metadata.id, target, w.editor.token));
    expect(out.assets.map((a: any) => a.name)).toEqual(names);
    expect(out.assets[7].attachments.map((t: any) => t.name)).toEqual(parts);
  });

  it('exports only the asked types and ids', async () => {
    const p = await sampleProject();
    const byType = await exportAndWait(p.c, { assets: { asset_types: ['script', 'data_asset'] } });
    const a = await contentOf(await download(s, byType.metadata.id, p.c, w.editor.token));
    expect(a.assets.map((x: any) => x.name)).toEqual(['run.py', 'sales.csv']);
    const byId = await exportAndWait(p.c, { assets: { asset_ids: [p.job] } });
    const b = await contentOf(await download(s, byId.metadata.id, p.c, w.editor.token));
    expect(b.assets.map((x: any) => x.name)).toEqual(['nightly']);
    const both = await exportAndWait(p.c, { assets: { asset_ids: [p.job], asset_types: ['script'] } });
    const c = await contentOf(await download(s, both.metadata.id, p.c, w.editor.token));
    expect(c.assets.map((x: any) => x.name)).toEqual(['run.py', 'nightly']);
  });

  it('exports from a space and a catalog, and imports into them', async () => {
    for (const c of [w.containers.space, w.containers.catalog]) {
      await assetWithAttachments(s, w.admin.token, c, { name: `in ${c.kind}` }, { n: 1 }, [
        Buffer.from(c.kind),
      ]);
      const done = await exportAndWait(c, { assets: { all_assets: true } });
      expect(done.metadata[`${c.kind}_id`]).toBe(c.id);
      const zip = await download(s, done.metadata.id, c, w.viewer.token);
      const before = (await storedAssets(s, c)).length;
      // the seed's curl: the raw archive as the body
      const res = await postImport(s, c, zip, { token: w.editor.token, raw: true });
      expect(res.status, res.text).toBe(200);
      expect(res.body.metadata[`${c.kind}_id`]).toBe(c.id);
      const imported = await settled(s, `/v2/asset_imports/${res.body.metadata.id}?${c.q}`, w.editor.token);
      expect(imported.entity.status.state).toBe('completed');
      expect((await storedAssets(s, c)).length).toBe(before * 2);
    }
  });

  it('never writes a secret in clear text: sealed with the encryption_key, or left out', async () => {
    const c = await freshProject();
    await assetWithAttachments(
      s,
      w.admin.token,
      c,
      { name: 'db', asset_type: SECRET_TYPE },
      { host: 'db.example', password: 'hunter2-secret' },
    );
    const keyed = await exportAndWait(c, {
      assets: { all_assets: true },
      encryption_key: 'correct horse battery',
    });
    const zipKeyed = await download(s, keyed.metadata.id, c, w.editor.token);
    const plain = await exportAndWait(c, { assets: { all_assets: true } });
    const zipPlain = await download(s, plain.metadata.id, c, w.editor.token);
    for (const zip of [zipKeyed, zipPlain]) {
      for (const data of (await unzip(zip)).values()) expect(data.includes('hunter2-secret')).toBe(false);
    }
    const keyedEntity = (await contentOf(zipKeyed)).manifest.assets[0].entity;
    expect(keyedEntity).toMatchObject({
      host: 'db.example',
      sealed_password: expect.stringMatching(/^x1\./),
    });
    expect((await contentOf(zipPlain)).manifest.assets[0].entity).toEqual({ host: 'db.example' });
    // the key is stored sealed, never in clear text
    const stored = await (s.built.ctx.store.db as any)
      .selectFrom('asset_transfers')
      .select('key_sealed')
      .where('id', '=', keyed.metadata.id)
      .executeTakeFirst();
    expect(stored.key_sealed).not.toContain('correct horse');

    // the right key opens the secret; a wrong key is refused before anything starts
    const wrong = await postImport(s, await freshProject(), zipKeyed, {
      token: w.editor.token,
      form: { encryption_key: 'wrong key' },
    });
    expectPlatformError(wrong, 400);
    expect(wrong.body.errors[0].message).toMatch(/not the key this export was encrypted with/);
    const target = await freshProject();
    const done = await importAndWait(target, zipKeyed, {
      encryption_key: 'correct horse battery',
      format: 'json',
    });
    expect(done.entity.status.state).toBe('completed');
    const [row] = await storedAssets(s, target);
    expect(JSON.parse(row.entity)).toEqual({ host: 'db.example', password: 'hunter2-secret' });
    // without the key the import goes on, without the secret
    const keyless = await freshProject();
    await importAndWait(keyless, zipKeyed);
    expect(JSON.parse((await storedAssets(s, keyless))[0].entity)).toEqual({ host: 'db.example' });
  });

  it('answers 400 for bad selections and formats, and creates nothing', async () => {
    const c = w.containers.project;
    const before = await countRows(s, 'asset_transfers');
    const cases: [unknown, RegExp][] = [
      [{}, /assets/],
      [{ assets: {} }, /say which assets/],
      [{ assets: { all_assets: false } }, /say which assets/],
      [{ assets: { asset_ids: ['00000000-0000-4000-8000-00000000dead'] } }, /not an asset of this project/],
      [{ assets: { all_assets: true }, format: 'csv' }, /'csv' is not supported/],
      [{ assets: { all_assets: true }, encryption_key: '' }, /encryption_key/],
      [{ assets: { asset_types: 'script' } }, /asset_types/],
    ];
    for (const [body, message] of cases) {
      const res = await s.call('POST', `/v2/asset_exports?${c.q}`, { token: w.editor.token, body });
      expectPlatformError(res, 400);
      expect(res.body.errors[0].message).toMatch(message);
    }
    const none = await s.call('POST', '/v2/asset_exports', {
      token: w.editor.token,
      body: { assets: { all_assets: true } },
    });
    expectPlatformError(none, 400);
    expect(await countRows(s, 'asset_transfers')).toBe(before);
  });

  it('property: any malformed export body gets a 4xx in the spaces error body, never a 5xx', async () => {
    const c = w.containers.project;
    const junk = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            name: junk,
            format: junk,
            encryption_key: junk,
            assets: fc.oneof(
              junk,
              fc.record({ all_assets: junk, asset_ids: junk, asset_types: junk }, { requiredKeys: [] }),
            ),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const before = await countRows(s, 'asset_transfers');
          const res = await s.call('POST', `/v2/asset_exports?${c.q}`, { token: w.editor.token, body });
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status !== 200) {
            expectPlatformError(res, res.status);
            expect(await countRows(s, 'asset_transfers')).toBe(before);
          } else
            await s.call('DELETE', `/v2/asset_exports/${res.body.metadata.id}?${c.q}&hard_delete=true`, {
              token: w.editor.token,
            });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('roles and errors', () => {
  it('viewers read and download, editors start and cancel, outsiders and anonymous callers are refused', async () => {
    const c = w.containers.project;
    await assetWithAttachments(s, w.admin.token, c, { name: 'roles' }, {});
    const done = await exportAndWait(c, { assets: { all_assets: true } });
    const id = done.metadata.id;
    for (const path of [
      `/v2/asset_exports?${c.q}`,
      `/v2/asset_exports/${id}?${c.q}`,
      `/v2/asset_exports/${id}/content?${c.q}`,
      `/v2/asset_imports?${c.q}`,
    ]) {
      expect((await s.call('GET', path, { token: w.viewer.token })).status).toBe(200);
      expectPlatformError(await s.call('GET', path, { token: w.outsider.token }), 403);
      expectPlatformError(await s.call('GET', path, { token: null }), 401);
    }
    expectPlatformError(
      await s.call('POST', `/v2/asset_exports?${c.q}`, {
        token: w.viewer.token,
        body: { assets: { all_assets: true } },
      }),
      403,
    );
    expectPlatformError(
      await s.call('DELETE', `/v2/asset_exports/${id}?${c.q}&hard_delete=true`, { token: w.viewer.token }),
      403,
    );
    const zip = await download(s, id, c, w.viewer.token);
    const before = await countRows(s, 'assets');
    expectPlatformError(await postImport(s, c, zip, { token: w.viewer.token }), 403);
    expectPlatformError(await postImport(s, c, zip, { token: w.outsider.token, raw: true }), 403);
    expect(await countRows(s, 'assets')).toBe(before);
  });

  it('answers 404 for unknown containers and ids, and for an export asked through another container', async () => {
    const c = w.containers.project;
    const done = await exportAndWait(c, { assets: { all_assets: true } });
    const missing = '00000000-0000-4000-8000-000000000000';
    expectPlatformError(
      await s.call('GET', `/v2/asset_exports?project_id=${missing}`, { token: w.editor.token }),
      404,
    );
    expectPlatformError(
      await s.call('GET', `/v2/asset_exports/${missing}?${c.q}`, { token: w.editor.token }),
      404,
    );
    expectPlatformError(
      await s.call('GET', `/v2/asset_imports/${missing}?${c.q}`, { token: w.editor.token }),
      404,
    );
    expectPlatformError(
      await s.call('DELETE', `/v2/asset_imports/${missing}?${c.q}`, { token: w.editor.token }),
      404,
    );
    expectPlatformError(
      await s.call('GET', `/v2/asset_exports/${missing}/content?${c.q}`, { token: w.editor.token }),
      404,
    );
    const other = w.containers.space;
    expectPlatformError(
      await s.call('GET', `/v2/asset_exports/${done.metadata.id}?${other.q}`, { token: w.editor.token }),
      404,
    );
    // an export is not an import
    expectPlatformError(
      await s.call('GET', `/v2/asset_imports/${done.metadata.id}?${c.q}`, { token: w.editor.token }),
      404,
    );
    expectPlatformError(
      await s.call('GET', `/v2/asset_exports/${done.metadata.id}?${c.q}&space_id=${other.id}`, {
        token: w.editor.token,
      }),
      400,
    );
  });

  it('lists in pages with first and next links; bad paging is a 400', async () => {
    const c = await freshProject();
    await assetWithAttachments(s, w.admin.token, c, { name: 'x' }, {});
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await exportAndWait(c, { name: `e${i}`, assets: { all_assets: true } })).metadata.id);
    const seen: string[] = [];
    let url: string | undefined = `/v2/asset_exports?${c.q}&limit=2`;
    while (url) {
      const res: { status: number; text: string; body: any } = await s.call('GET', url, {
        token: w.viewer.token,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        limit: 2,
        total_count: 3,
        first: { href: expect.stringContaining('limit=2') },
      });
      seen.push(...res.body.resources.map((r: any) => r.metadata.id));
      url = res.body.next
        ? new URL(res.body.next.href).pathname + new URL(res.body.next.href).search
        : undefined;
    }
    expect(seen).toEqual(ids);
    const all = await s.call('GET', `/v2/asset_exports?${c.q}`, { token: w.viewer.token });
    expect(all.body.limit).toBe(100);
    expect(all.body.next).toBeUndefined();
    for (const bad of ['limit=0', 'limit=201', 'limit=x', 'start=nonsense']) {
      expectPlatformError(
        await s.call('GET', `/v2/asset_exports?${c.q}&${bad}`, { token: w.viewer.token }),
        400,
      );
      expectPlatformError(
        await s.call('GET', `/v2/asset_imports?${c.q}&${bad}`, { token: w.viewer.token }),
        400,
      );
    }
  });

  it('cancels: a finished export needs hard_delete, which removes it and its content', async () => {
    const c = await freshProject();
    await assetWithAttachments(s, w.admin.token, c, { name: 'x' }, {}, [Buffer.from('content')]);
    const done = await exportAndWait(c, { assets: { all_assets: true } });
    const url = `/v2/asset_exports/${done.metadata.id}?${c.q}`;
    const again = await s.call('DELETE', url, { token: w.editor.token });
    expectPlatformError(again, 400);
    expect(again.body.errors[0].message).toMatch(/is completed: there is nothing to cancel/);
    const blobs = await countRows(s, 'blobs');
    const res = await s.call('DELETE', `${url}&hard_delete=true`, { token: w.editor.token });
    expect(res.status, res.text).toBe(200);
    expect(await countRows(s, 'blobs')).toBe(blobs - 1);
    expectPlatformError(await s.call('GET', url, { token: w.editor.token }), 404);
    expectPlatformError(
      await s.call('GET', `/v2/asset_exports/${done.metadata.id}/content?${c.q}`, { token: w.editor.token }),
      404,
    );
  });
});

describe('refused imports leave the container unchanged', () => {
  const manifest = (assets: unknown[]) =>
    JSON.stringify({ format: 'cc-project-archive', version: 1, assets });
  const valid = () =>
    zipOf([
      {
        name: 'manifest.json',
        data: manifest([
          {
            asset_id: 'a',
            asset_type: 'data_asset',
            name: 'a',
            attachments: [{ name: 'f', path: 'attachments/a/f' }],
          },
        ]),
      },
      { name: 'attachments/a/f', data: crypto.randomBytes(8192) },
    ]);

  /** A zip whose entry `safe` is renamed to `evil` (same length) in both headers. */
  async function renamed(evil: string): Promise<Buffer> {
    const safe = 'attachments/' + 'x'.repeat(evil.length - 'attachments/'.length);
    const zip = await zipOf([
      { name: 'manifest.json', data: manifest([]) },
      { name: safe, data: 'payload' },
    ]);
    let at = zip.indexOf(safe);
    while (at !== -1) {
      Buffer.from(evil).copy(zip, at);
      at = zip.indexOf(safe, at + 1);
    }
    return zip;
  }

  const cases: [string, () => Promise<Buffer>, number, RegExp][] = [
    ['not a zip', async () => Buffer.from('plain text'), 400, /not a readable zip/],
    ['a truncated zip', async () => (await valid()).subarray(0, 4000), 400, /not a readable zip/],
    ['an empty body', async () => Buffer.alloc(0), 400, /not a readable zip/],
    ['a path traversal name', () => renamed('../../../../../../tmp/evil'), 400, /unsafe name|relative path/],
    ['an absolute name', () => renamed('/etc/attachments/passwd1'), 400, /unsafe name|absolute path/],
    [
      'a zip bomb (an entry over the uncompressed limit)',
      () =>
        zipOf([
          { name: 'manifest.json', data: manifest([]) },
          { name: 'attachments/bomb', data: Buffer.alloc(1536 * 1024) },
        ]),
      400,
      /uncompressed; the limit is/,
    ],
    [
      'too many entries',
      () =>
        zipOf([
          { name: 'manifest.json', data: manifest([]) },
          ...Array.from({ length: 70 }, (_, i) => ({ name: `attachments/${i}`, data: 'x' })),
        ]),
      400,
      /entries; the limit is 60/,
    ],
    ['no manifest', () => zipOf([{ name: 'attachments/a', data: 'x' }]), 400, /no manifest\.json/],
    ['a manifest that is not JSON', () => zipOf([{ name: 'manifest.json', data: '{nope' }]), 400, /JSON/],
    [
      'an oversized upload',
      () =>
        zipOf([
          { name: 'manifest.json', data: manifest([]) },
          { name: 'attachments/big', data: crypto.randomBytes(2200 * 1024) },
        ]),
      413,
      /larger than the limit/,
    ],
  ];

  for (const [label, build, status, message] of cases) {
    it(`${label} → ${status}`, async () => {
      const c = await freshProject();
      await assetWithAttachments(s, w.admin.token, c, { name: 'kept' }, {});
      const before = {
        assets: await countRows(s, 'assets'),
        blobs: await countRows(s, 'blobs'),
        transfers: await countRows(s, 'asset_transfers'),
      };
      for (const raw of [false, true]) {
        const res = await postImport(s, c, await build(), { token: w.editor.token, raw });
        expectPlatformError(res, status);
        expect(res.body.errors[0].message).toMatch(message);
      }
      expect({
        assets: await countRows(s, 'assets'),
        blobs: await countRows(s, 'blobs'),
        transfers: await countRows(s, 'asset_transfers'),
      }).toEqual(before);
      expect((await storedAssets(s, c)).map((r: any) => r.name)).toEqual(['kept']);
      expect(await stagedFiles(s)).toEqual([]);
    });
  }

  // Stored (uncompressed) entries, as exports write attachments, are read by our own reader.
  for (const stored of [false, true]) {
    const how = stored ? 'stored' : 'deflated';
    it(`a corrupt ${how} attachment is refused at the upload (400), and nothing of it stays`, async () => {
      const c = await freshProject();
      const marker = Buffer.from('CORRUPT-ME' + 'z'.repeat(3000));
      const zip = await zipOf([
        {
          name: 'manifest.json',
          data: manifest([
            {
              asset_id: 'one',
              asset_type: 'script',
              name: 'one',
              attachments: [{ name: 'a', path: 'attachments/a' }],
            },
            {
              asset_id: 'two',
              asset_type: 'script',
              name: 'two',
              entity: { uses: 'one' },
              attachments: [{ name: 'b', path: 'attachments/b' }],
            },
          ]),
        },
        { name: 'attachments/a', data: 'fine', stored },
        { name: 'attachments/b', data: marker, stored },
      ]);
      // A byte of the entry's data (deflated, or the attachment itself) flipped: its CRC-32 fails.
      const local = zip.indexOf(Buffer.from('attachments/b'));
      expect(local).toBeGreaterThan(0);
      zip[local + 'attachments/b'.length + 5] ^= 0xff;
      const before = {
        assets: await countRows(s, 'assets'),
        blobs: await countRows(s, 'blobs'),
        transfers: await countRows(s, 'asset_transfers'),
      };
      for (const raw of [false, true]) {
        const res = await postImport(s, c, zip, { token: w.editor.token, raw, form: { format: 'json' } });
        expectPlatformError(res, 400);
        expect(res.body.errors[0].message).toMatch(
          /^The archive is refused: entry 'attachments\/b' is corrupt \(/,
        );
      }
      // Not even attachments/a, which was read (and stored) before the corrupt one.
      expect({
        assets: await countRows(s, 'assets'),
        blobs: await countRows(s, 'blobs'),
        transfers: await countRows(s, 'asset_transfers'),
      }).toEqual(before);
      expect(await storedAssets(s, c)).toEqual([]);
      expect(await stagedFiles(s)).toEqual([]);
      expect(await blobMismatches(s)).toEqual({ contentWithoutRow: [], rowWithoutContent: [] });
    });
  }

  it('answers the form errors: no file, unknown field, a zip sent as csv, other media types', async () => {
    const c = await freshProject();
    const zip = await valid();
    const noFile = await postImport(s, c, undefined, { token: w.editor.token, form: { format: 'json' } });
    expectPlatformError(noFile, 400);
    expect(noFile.body.errors[0].message).toMatch(/no 'file'/);
    const unknown = await postImport(s, c, zip, { token: w.editor.token, form: { name: 'x' } });
    expectPlatformError(unknown, 400);
    const csv = await postImport(s, c, zip, { token: w.editor.token, form: { format: 'csv' } });
    expectPlatformError(csv, 400);
    expect(csv.body.errors[0].message).toMatch(/The CSV file is refused: it is a zip archive/);
    expectPlatformError(
      await postImport(s, c, zip, { token: w.editor.token, raw: true, contentType: 'text/plain' }),
      415,
    );
    const json = await s.call('POST', `/v2/asset_imports?${c.q}`, {
      token: w.editor.token,
      body: { file: 'x' },
    });
    expectPlatformError(json, 415);
    expect(await storedAssets(s, c)).toEqual([]);
  });
});
