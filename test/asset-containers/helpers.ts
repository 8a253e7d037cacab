import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { createAsset, type Container } from '../assets/helpers.ts';

/** Creates `n` assets with tags, an entity and one uploaded attachment each; their ids. */
export async function fillContainer(s: TestServer, token: string, c: Container, n = 3): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const asset = await createAsset(
      s,
      token,
      c,
      { name: `asset ${i}`, tags: [`Tag${i}`, 'shared'], description: `number ${i}` },
      { columns: [{ name: 'c', type: 'int' }], index: i },
    );
    const id = asset.metadata.asset_id as string;
    const att = await s.call('POST', `/v2/assets/${id}/attachments?${c.q}`, {
      token,
      body: { asset_type: 'data_asset', name: `file${i}.bin`, mime: 'application/x-test' },
    });
    expect(att.status, att.text).toBe(201);
    const put = await fetch(att.body.url1, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.from(`content of asset ${i} `.repeat(100 * (i + 1))),
    });
    expect(put.status, await put.text()).toBe(200);
    const done = await fetch(att.body.url1.replace('/content?', '/complete?'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(done.status, await done.text()).toBe(200);
    ids.push(id);
  }
  return ids;
}

/** Every row the live tables hold for a container's assets, in a stable order. */
export async function snapshotContainer(s: TestServer, c: Container) {
  const db = s.built.ctx.store.db as any;
  const assets = await db
    .selectFrom('assets')
    .selectAll()
    .where('container_kind', '=', c.kind)
    .where('container_id', '=', c.id)
    .orderBy('asset_id')
    .execute();
  const ids = assets.map((a: any) => a.asset_id);
  if (!ids.length) return { assets, tags: [], attachments: [] };
  const tags = await db
    .selectFrom('asset_tags')
    .selectAll()
    .where('asset_id', 'in', ids)
    .orderBy('asset_id')
    .orderBy('tag')
    .execute();
  const attachments = await db
    .selectFrom('asset_attachments')
    .selectAll()
    .where('asset_id', 'in', ids)
    .orderBy('attachment_id')
    .execute();
  return { assets, tags, attachments };
}

/** Polls archive_info until the container reaches `status`; its last answer. */
export async function waitForStatus(s: TestServer, token: string, c: Container, status: string) {
  let last: any;
  for (let i = 0; i < 300; i++) {
    last = await s.call('GET', `/v2/asset_containers/archive_info?${c.q}`, { token });
    expect(last.status, last.text).toBe(200);
    if (last.body.status === status) return last.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`container never reached ${status}: ${last?.text}`);
}

export async function countRows(s: TestServer, table: string): Promise<number> {
  const db = s.built.ctx.store.db as any;
  const row = await db
    .selectFrom(table)
    .select((eb: any) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row.n);
}

/** Files under DATA_DIR/blobs (SQLite), excluding unfinished uploads. */
export function blobFiles(s: TestServer): string[] {
  const root = path.join(s.built.ctx.config.dataDir, 'blobs');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.endsWith('.part'))
    .map((d) => path.join(d.parentPath, d.name));
}
