import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  KINDS,
  countAssets,
  createAsset,
  createCatalog,
  createWorld,
  expectPlatformError,
  type Container,
  type World,
} from './helpers.ts';

let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

const MISSING = '00000000-0000-4000-8000-000000000000';

describe.each(KINDS)('assets in a %s', (kind) => {
  let c: Container;
  beforeAll(() => {
    c = w.containers[kind];
  });

  it('creates an asset (201) with the Watson Data API metadata shape', async () => {
    const res = await s.call('POST', `/v2/assets?${c.q}`, {
      token: w.editor.token,
      body: {
        metadata: { name: ' Sales data ', asset_type: 'data_asset', description: 'd', tags: ['A', 'b', 'A'] },
        entity: { data_asset: { mime_type: 'text/csv' } },
      },
    });
    expect(res.status, res.text).toBe(201);
    const md = res.body.metadata;
    expect(md).toMatchObject({
      name: 'Sales data',
      asset_type: 'data_asset',
      description: 'd',
      tags: ['A', 'b'],
      asset_state: 'available',
      asset_category: 'USER',
      owner_id: w.editor.iam_id,
      creator_id: w.editor.iam_id,
      version: 0,
      [`${kind}_id`]: c.id,
    });
    expect(md.asset_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(md.rov).toEqual({
      mode: 0,
      collaborator_ids: {},
      member_roles: { [w.editor.iam_id]: { user_iam_id: w.editor.iam_id, roles: ['OWNER'] } },
    });
    expect(md.usage).toMatchObject({ access_count: 0, last_updater_id: w.editor.iam_id });
    expect(res.body.entity).toEqual({ data_asset: { mime_type: 'text/csv' } });
    expect(res.body.attachments).toEqual([]);
    expect(res.body.href).toBe(`/v2/assets/${md.asset_id}?${c.q}`);
  });

  it('reads an asset (200) and counts the access in usage', async () => {
    const a = await createAsset(s, w.editor.token, c, { name: 'readme' });
    const got = await s.call('GET', `/v2/assets/${a.metadata.asset_id}?${c.q}`, { token: w.viewer.token });
    expect(got.status, got.text).toBe(200);
    expect(got.body.metadata.name).toBe('readme');
    expect(got.body.metadata.usage.access_count).toBe(1);
    expect(got.body.metadata.usage.last_accessor_id).toBe(w.viewer.iam_id);
    expect(got.body.attachments).toEqual([]);
  });

  it('patches metadata and entity with JSON Patch (200), version + 1', async () => {
    const a = await createAsset(s, w.editor.token, c, { name: 'old', tags: ['x'] }, { k: 1 });
    const id = a.metadata.asset_id;
    const res = await s.call('PATCH', `/v2/assets/${id}?${c.q}`, {
      token: w.editor.token,
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/metadata/name', value: 'old' },
        { op: 'replace', path: '/metadata/name', value: 'new' },
        { op: 'add', path: '/metadata/tags/-', value: 'y' },
        { op: 'replace', path: '/metadata/description', value: 'now described' },
        { op: 'add', path: '/entity/k2', value: { deep: true } },
        { op: 'remove', path: '/entity/k' },
        { op: 'replace', path: '/metadata/rov/mode', value: 8 },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.metadata).toMatchObject({
      name: 'new',
      tags: ['x', 'y'],
      description: 'now described',
      version: 1,
    });
    expect(res.body.metadata.rov.mode).toBe(8);
    expect(res.body.entity).toEqual({ k2: { deep: true } });
    const got = await s.call('GET', `/v2/assets/${id}?${c.q}`, { token: w.viewer.token });
    expect(got.body.metadata.name).toBe('new');
    expect(got.body.entity).toEqual({ k2: { deep: true } });
  });

  it('answers 409 to a failed test operation and 400 to invalid patches, changing nothing', async () => {
    const a = await createAsset(s, w.editor.token, c, { name: 'stable' });
    const url = `/v2/assets/${a.metadata.asset_id}?${c.q}`;
    const failed = await s.call('PATCH', url, {
      token: w.editor.token,
      body: [
        { op: 'test', path: '/metadata/name', value: 'other' },
        { op: 'replace', path: '/metadata/name', value: 'x' },
      ],
    });
    expectPlatformError(failed, 409);
    for (const body of [
      [{ op: 'remove', path: '/metadata/name' }],
      [{ op: 'replace', path: '/metadata/name', value: '   ' }],
      [{ op: 'replace', path: '/metadata/tags', value: 'not a list' }],
      [{ op: 'replace', path: '/metadata/owner_id', value: 'me' }],
      [{ op: 'replace', path: '/entity', value: [1] }],
      [{ op: 'remove', path: '/entity/missing' }],
      [],
    ]) {
      const res = await s.call('PATCH', url, { token: w.editor.token, body });
      expectPlatformError(res, 400);
    }
    const got = await s.call('GET', url, { token: w.viewer.token });
    expect(got.body.metadata.name).toBe('stable');
    expect(got.body.metadata.version).toBe(0);
  });

  it('deletes an asset (204); then it is gone (404)', async () => {
    const a = await createAsset(s, w.editor.token, c);
    const url = `/v2/assets/${a.metadata.asset_id}?${c.q}`;
    const del = await s.call('DELETE', url, { token: w.editor.token });
    expect(del.status, del.text).toBe(204);
    expectPlatformError(await s.call('GET', url, { token: w.viewer.token }), 404);
    expectPlatformError(await s.call('DELETE', url, { token: w.editor.token }), 404);
  });

  it('lets viewers read but not write, and refuses outsiders (403), changing nothing', async () => {
    const a = await createAsset(s, w.editor.token, c, { name: 'guarded' });
    const url = `/v2/assets/${a.metadata.asset_id}?${c.q}`;
    const before = await countAssets(s, c);
    expectPlatformError(
      await s.call('POST', `/v2/assets?${c.q}`, {
        token: w.viewer.token,
        body: { metadata: { name: 'x', asset_type: 'data_asset' } },
      }),
      403,
    );
    expectPlatformError(
      await s.call('PATCH', url, {
        token: w.viewer.token,
        body: [{ op: 'replace', path: '/metadata/name', value: 'x' }],
      }),
      403,
    );
    expectPlatformError(await s.call('DELETE', url, { token: w.viewer.token }), 403);
    for (const [method, body] of [
      ['GET', undefined],
      ['DELETE', undefined],
      ['PATCH', [{ op: 'replace', path: '/metadata/name', value: 'x' }]],
    ] as const) {
      expectPlatformError(await s.call(method, url, { token: w.outsider.token, body }), 403);
    }
    expectPlatformError(await s.call('GET', `/v2/asset_types?${c.q}`, { token: w.outsider.token }), 403);
    expect(await countAssets(s, c)).toBe(before);
    const got = await s.call('GET', url, { token: w.admin.token });
    expect(got.body.metadata.name).toBe('guarded');
  });

  it('answers 404 for a missing container and for an asset of another container', async () => {
    const res = await s.call('POST', `/v2/assets?${c.q.split('=')[0]}=${MISSING}`, {
      token: w.admin.token,
      body: { metadata: { name: 'x', asset_type: 'data_asset' } },
    });
    expectPlatformError(res, 404);
    const other = KINDS.map((k) => w.containers[k]).find((x) => x.kind !== kind)!;
    const a = await createAsset(s, w.admin.token, other);
    expectPlatformError(
      await s.call('GET', `/v2/assets/${a.metadata.asset_id}?${c.q}`, { token: w.admin.token }),
      404,
    );
    expectPlatformError(await s.call('GET', `/v2/assets/${MISSING}?${c.q}`, { token: w.admin.token }), 404);
  });

  it('lists the asset types present, with counts', async () => {
    await createAsset(s, w.editor.token, c, { asset_type: 'notebook' });
    await createAsset(s, w.editor.token, c, { asset_type: 'notebook' });
    const res = await s.call('GET', `/v2/asset_types?${c.q}`, { token: w.viewer.token });
    expect(res.status, res.text).toBe(200);
    const names = res.body.resources.map((r: any) => r.name);
    expect(names).toEqual([...names].sort());
    expect(res.body.resources.find((r: any) => r.name === 'notebook').asset_count).toBe(2);
    expect(names).toContain('data_asset');
  });
});

/** The kept counts against a count of the rows themselves, in every container. */
async function expectCountsKept() {
  const db = s.built.ctx.store.db as any;
  const kept = await db
    .selectFrom('asset_type_counts')
    .select(['container_kind', 'container_id', 'asset_type', 'n'])
    .execute();
  const counted = await db
    .selectFrom('assets')
    .select(['container_kind', 'container_id', 'asset_type', (eb: any) => eb.fn.countAll().as('n')])
    .groupBy(['container_kind', 'container_id', 'asset_type'])
    .execute();
  const key = (r: any) => `${r.container_kind} ${r.container_id} ${r.asset_type} ${Number(r.n)}`;
  expect(kept.map(key).sort()).toEqual(counted.map(key).sort());
}

describe('asset counts (the type list and the total of a search of every asset)', () => {
  it('stay right through creates, deletes and the deletion of their container', async () => {
    const id = await createCatalog(s, w.admin.token);
    const c: Container = { kind: 'catalog', id, q: `catalog_id=${id}` };
    const types = async () =>
      Object.fromEntries(
        (await s.call('GET', `/v2/asset_types?${c.q}`, { token: w.admin.token })).body.resources.map(
          (r: any) => [r.name, r.asset_count],
        ),
      );
    const total = async (type: string) =>
      (
        await s.call('POST', `/v2/asset_types/${type}/search?${c.q}`, {
          token: w.admin.token,
          body: { query: '*:*', limit: 1 },
        })
      ).body.total_rows;
    expect(await types()).toEqual({});
    for (let i = 0; i < 3; i++) await createAsset(s, w.admin.token, c);
    const notebooks = [
      await createAsset(s, w.admin.token, c, { asset_type: 'notebook' }),
      await createAsset(s, w.admin.token, c, { asset_type: 'notebook' }),
    ].map((a) => a.metadata.asset_id);
    expect(await types()).toEqual({ data_asset: 3, notebook: 2 });
    expect([await total('data_asset'), await total('notebook'), await total('asset')]).toEqual([3, 2, 5]);
    await expectCountsKept();
    for (const [i, asset] of notebooks.entries()) {
      const del = await s.call('DELETE', `/v2/assets/${asset}?${c.q}`, { token: w.admin.token });
      expect(del.status, del.text).toBe(204);
      expect(await types()).toEqual(i === 0 ? { data_asset: 3, notebook: 1 } : { data_asset: 3 });
    }
    expect(await total('notebook')).toBe(0);
    const gone = await s.call('DELETE', `/v2/catalogs/${id}`, { token: w.admin.token });
    expect(gone.status, gone.text).toBe(204);
    await expectCountsKept();
  });
});

describe('request validation', () => {
  const c = () => w.containers.project;

  it('needs exactly one container (400)', async () => {
    const body = { metadata: { name: 'x', asset_type: 'data_asset' } };
    expectPlatformError(await s.call('POST', '/v2/assets', { token: w.admin.token, body }), 400);
    expectPlatformError(
      await s.call('POST', `/v2/assets?${c().q}&${w.containers.space.q}`, { token: w.admin.token, body }),
      400,
    );
    expectPlatformError(await s.call('GET', `/v2/asset_types`, { token: w.admin.token }), 400);
  });

  it('refuses invalid bodies (400), creating nothing', async () => {
    const before = await countAssets(s, c());
    for (const body of [
      {},
      { metadata: { name: 'x' } },
      { metadata: { asset_type: 'data_asset' } },
      { metadata: { name: '', asset_type: 'data_asset' } },
      { metadata: { name: '  ', asset_type: 'data_asset' } },
      { metadata: { name: 'x', asset_type: 'bad type!' } },
      { metadata: { name: 'x', asset_type: 'data_asset', tags: 'a' } },
      { metadata: { name: 'x', asset_type: 'data_asset' }, entity: [] },
    ]) {
      expectPlatformError(await s.call('POST', `/v2/assets?${c().q}`, { token: w.admin.token, body }), 400);
    }
    expect(await countAssets(s, c())).toBe(before);
  });

  it('needs a token (401)', async () => {
    const res = await s.call('POST', `/v2/assets?${c().q}`, {
      token: null,
      body: { metadata: { name: 'x', asset_type: 'data_asset' } },
    });
    expectPlatformError(res, 401);
    expectPlatformError(await s.call('GET', `/v2/asset_types?${c().q}`, { token: 'garbage' }), 401);
  });
});

describe('project tokens', () => {
  async function projectToken(projectId: string, role: string) {
    const res = await s.call('POST', `/v2/projects/${projectId}/tokens`, {
      token: w.admin.token,
      body: { name: `t ${role}`, scopes: [{ audience: 'project', guid: projectId, role }] },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.token as string;
  }

  it('work on assets of their own project with their role, and nowhere else (403)', async () => {
    const p = w.containers.project;
    const editorToken = await projectToken(p.id, 'editor');
    const viewerToken = await projectToken(p.id, 'viewer');
    const made = await s.call('POST', `/v2/assets?${p.q}`, {
      token: editorToken,
      body: { metadata: { name: 'by token', asset_type: 'data_asset' } },
    });
    expect(made.status, made.text).toBe(201);
    const url = `/v2/assets/${made.body.metadata.asset_id}?${p.q}`;
    expect((await s.call('GET', url, { token: viewerToken })).status).toBe(200);
    expectPlatformError(await s.call('DELETE', url, { token: viewerToken }), 403);

    const body = { metadata: { name: 'x', asset_type: 'data_asset' } };
    for (const other of [w.containers.space, w.containers.catalog]) {
      expectPlatformError(await s.call('POST', `/v2/assets?${other.q}`, { token: editorToken, body }), 403);
      expectPlatformError(await s.call('GET', `/v2/asset_types?${other.q}`, { token: editorToken }), 403);
    }
    const { newProject } = await import('../projects/projects-fixtures.ts');
    const another = await newProject(s, w.admin.token);
    expectPlatformError(
      await s.call('POST', `/v2/assets?project_id=${another}`, { token: editorToken, body }),
      403,
    );
    // catalogs themselves are out of reach too
    expectPlatformError(await s.call('GET', '/v2/catalogs', { token: editorToken }), 403);
  });
});

describe('internal API (for other areas)', () => {
  it('creates, lists with filters and keyset pages, updates and deletes in a caller transaction', async () => {
    const { assetStoreOf } = await import('../../packages/server/src/areas/assets/store.ts');
    const repo = assetStoreOf(s.built.ctx).assets;
    const container = { kind: 'space' as const, id: w.containers.space.id };
    const made: any[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        await repo.createAsset({
          container,
          asset_type: 'job',
          name: `job ${i}`,
          tags: i % 2 ? ['Odd'] : [],
          creator_id: w.admin.iam_id,
          entity: { job: { i } },
        }),
      );
    }
    const all = [];
    let after: any;
    do {
      const page: any = await repo.listAssets({ container, type: 'job', limit: 2, after });
      all.push(...page.assets);
      after = page.next;
    } while (after);
    expect(all.map((a) => a.name)).toEqual(made.map((a) => a.name));
    const odd = await repo.listAssets({ container, type: 'job', filters: { tag: 'odd' } });
    expect(odd.assets.map((a) => a.name)).toEqual(['job 1', 'job 3']);
    const byName = await repo.listAssets({ container, filters: { name: 'job 2' } });
    expect(byName.assets).toHaveLength(1);

    // a caller's transaction that fails leaves nothing behind
    await expect(
      repo.transaction(async (trx) => {
        await repo.createAsset({ container, asset_type: 'job', name: 'rolled back', creator_id: 'x' }, trx);
        await repo.updateAsset(container, made[0].asset_id, { updater_id: 'x', name: 'renamed' }, trx);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await repo.listAssets({ container, filters: { name: 'rolled back' } })).assets).toEqual([]);
    expect((await repo.getAsset(container, made[0].asset_id))?.name).toBe('job 0');

    const updated = await repo.updateAsset(container, made[0].asset_id, {
      updater_id: w.admin.iam_id,
      entity: { job: { i: 42 } },
      tags: ['new'],
    });
    expect(updated?.version).toBe(1);
    expect(updated?.entity).toEqual({ job: { i: 42 } });
    expect((await repo.listAssets({ container, filters: { tag: 'NEW' } })).assets).toHaveLength(1);

    const found = await repo.searchAssets({
      container,
      type: 'job',
      query: 'asset.name:job AND asset.tags:odd',
      limit: 10,
    });
    expect(found.total_rows).toBe(2);
    expect(found.assets.map((a) => a.name)).toEqual(['job 1', 'job 3']);
    await expect(repo.searchAssets({ container, query: 'name:x', limit: 1 })).rejects.toMatchObject({
      status: 400,
    });

    const res = await repo.deleteContainerAssets(container);
    expect(res.deleted).toBe(true);
    expect((await repo.listAssets({ container })).assets).toEqual([]);
  });
});
