import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_DB, type TestServer } from '../helpers/server.ts';
import { createWorld, KINDS, type Container, type Kind, type World } from '../assets/helpers.ts';
import { blobFiles, countRows, fillContainer, snapshotContainer, waitForStatus } from './helpers.ts';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

/** What each kind's deletion answers: the projects and catalogs 204, the spaces 202 (as documented). */
const DELETED: Record<Kind, number> = { project: 204, space: 202, catalog: 204 };

const DELETE_PATH: Record<Kind, (id: string) => string> = {
  project: (id) => `/transactional/v2/projects/${id}`,
  space: (id) => `/v2/spaces/${id}`,
  catalog: (id) => `/v2/catalogs/${id}`,
};

async function archivedRows(c: Container): Promise<number> {
  const db = s.built.ctx.store.db as any;
  const rows = await db
    .selectFrom('asset_container_archived_assets')
    .select('asset_id')
    .where('container_kind', '=', c.kind)
    .where('container_id', '=', c.id)
    .execute();
  return rows.length;
}

describe.each(KINDS)('deleting a %s', (kind) => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld(s);
  });

  it('deletes its assets, their attachments and the attachments content, and its configurations', async () => {
    const c = w.containers[kind];
    const otherWorld = await createWorld(s);
    const other = otherWorld.containers[kind];
    await fillContainer(s, w.editor.token, c, 2);
    await fillContainer(s, otherWorld.admin.token, other, 1);
    await s.call('PUT', `/v2/asset_containers/configurations?${c.q}`, {
      token: w.admin.token,
      body: { a: 1 },
    });
    const blobs = await countRows(s, 'blobs');
    const files = blobFiles(s).length;

    const res = await s.call('DELETE', DELETE_PATH[kind](c.id), { token: w.admin.token });
    expect(res.status, res.text).toBe(DELETED[kind]);

    expect(await snapshotContainer(s, c)).toEqual({ assets: [], tags: [], attachments: [] });
    expect(await countRows(s, 'blobs')).toBe(blobs - 2);
    if (TEST_DB === 'sqlite') expect(blobFiles(s).length).toBe(files - 2);
    const db = s.built.ctx.store.db as any;
    const conf = await db
      .selectFrom('asset_container_configurations')
      .select('container_id')
      .where('container_id', '=', c.id)
      .execute();
    expect(conf).toEqual([]);
    // another container of the same kind keeps its assets
    expect((await snapshotContainer(s, other)).assets).toHaveLength(1);
  });

  it('deletes the archive of an archived one, with its attachments content', async () => {
    const fresh = await createWorld(s);
    const c = fresh.containers[kind];
    await fillContainer(s, fresh.editor.token, c, 2);
    expect(
      (await s.call('POST', `/v2/asset_containers/archive?${c.q}`, { token: fresh.admin.token })).status,
    ).toBe(202);
    await waitForStatus(s, fresh.admin.token, c, 'archived');
    expect(await archivedRows(c)).toBe(2);
    const blobs = await countRows(s, 'blobs');
    const files = blobFiles(s).length;

    const res = await s.call('DELETE', DELETE_PATH[kind](c.id), { token: fresh.admin.token });
    expect(res.status, res.text).toBe(DELETED[kind]);
    expect(await archivedRows(c)).toBe(0);
    expect(await countRows(s, 'blobs')).toBe(blobs - 2);
    if (TEST_DB === 'sqlite') expect(blobFiles(s).length).toBe(files - 2);
    const db = s.built.ctx.store.db as any;
    expect(
      await db.selectFrom('asset_container_archives').selectAll().where('container_id', '=', c.id).execute(),
    ).toEqual([]);
  });

  it('keeps everything when the deletion is refused (403)', async () => {
    const fresh = await createWorld(s);
    const c2 = fresh.containers[kind];
    await fillContainer(s, fresh.editor.token, c2, 1);
    const res = await s.call('DELETE', DELETE_PATH[kind](c2.id), { token: fresh.editor.token });
    expect(res.status, res.text).toBe(403);
    expect((await snapshotContainer(s, c2)).assets).toHaveLength(1);
  });
});
