import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import yauzl from 'yauzl';
import yazl from 'yazl';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../spaces/helpers.ts';
import type { Container } from '../assets/helpers.ts';

export const setEnv = (vars: Record<string, string | undefined>) => {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
};

/** Creates an asset with complete attachments of the given contents; answers its id. */
export async function assetWithAttachments(
  s: TestServer,
  token: string,
  c: Container,
  metadata: Record<string, unknown>,
  entity: Record<string, unknown>,
  contents: Buffer[] = [],
): Promise<string> {
  const res = await s.call('POST', `/v2/assets?${c.q}`, {
    token,
    body: { metadata: { asset_type: 'data_asset', ...metadata }, entity },
  });
  expect(res.status, res.text).toBe(201);
  const assetId = res.body.metadata.asset_id as string;
  for (const [i, data] of contents.entries()) {
    const att = await s.call('POST', `/v2/assets/${assetId}/attachments?${c.q}`, {
      token,
      body: {
        asset_type: metadata.asset_type ?? 'data_asset',
        name: `part-${i}`,
        mime: 'application/x-test',
      },
    });
    expect(att.status, att.text).toBe(201);
    const id = att.body.attachment_id as string;
    const put = await fetch(`${s.url}/v2/assets/${assetId}/attachments/${id}/content?${c.q}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: data,
    });
    expect(put.status, await put.text()).toBe(200);
    const done = await s.call('POST', `/v2/assets/${assetId}/attachments/${id}/complete?${c.q}`, { token });
    expect(done.status, done.text).toBe(200);
  }
  return assetId;
}

/** Waits until an export or import has left pending and in_progress. */
export async function settled(s: TestServer, url: string, token: string, ms = 90_000) {
  const res = await eventually(
    () => s.call('GET', url, { token }),
    (r) => r.status !== 200 || !['pending', 'in_progress'].includes(r.body.entity.status.state),
    ms,
  );
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Downloads a completed export's zip. */
export async function download(
  s: TestServer,
  exportId: string,
  c: Container,
  token: string,
): Promise<Buffer> {
  const res = await fetch(`${s.url}/v2/asset_exports/${exportId}/content?${c.q}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/zip');
  return Buffer.from(await res.arrayBuffer());
}

/** Every entry of a zip, read whole (small test archives only). */
export function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const out = new Map<string, Buffer>();
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(parts));
            file.readEntry();
          });
        });
      });
      file.on('end', () => resolve(out));
      file.readEntry();
    }),
  );
}

export interface ZipEntry {
  name: string;
  data: Buffer | string;
  /** Stored uncompressed (as exports store attachments); deflated otherwise. */
  stored?: boolean;
}

export function zipOf(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    zip.addBuffer(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data), e.name, { compress: !e.stored });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => parts.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    zip.outputStream.on('error', reject);
  });
}

/** POSTs an archive: a raw application/zip body, or a form with the given fields. */
export async function postImport(
  s: TestServer,
  c: Container,
  zip: Buffer | undefined,
  opts: { token: string; form?: Record<string, string>; raw?: boolean; contentType?: string },
) {
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: `Bearer ${opts.token}`,
  };
  let body: Buffer | FormData;
  if (opts.raw) {
    headers['content-type'] = opts.contentType ?? 'application/zip';
    body = zip ?? Buffer.alloc(0);
  } else {
    const form = new FormData();
    for (const [k, v] of Object.entries(opts.form ?? {})) form.append(k, v);
    if (zip) form.append('file', new Blob([zip], { type: 'application/zip' }), 'export.zip');
    body = form;
  }
  const res = await fetch(`${s.url}/v2/asset_imports?${c.q}`, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed, text };
}

/** Assets of a container as stored (names, types, entities), in creation order. */
export async function storedAssets(s: TestServer, c: Container) {
  const db = s.built.ctx.store.db as any;
  return db
    .selectFrom('assets')
    .selectAll()
    .where('container_kind', '=', c.kind)
    .where('container_id', '=', c.id)
    .orderBy('created_at')
    .orderBy('asset_id')
    .execute();
}

export async function countRows(s: TestServer, table: string): Promise<number> {
  const db = s.built.ctx.store.db as any;
  const row = await db
    .selectFrom(table)
    .select((eb: any) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row.n);
}

/** Files left in the blob store's staging directory (SQLite; none on PostgreSQL, which has no files). */
export async function stagedFiles(s: TestServer): Promise<string[]> {
  const dir = path.join(s.built.ctx.config.dataDir, 'blobs', 'tmp');
  return fs.promises.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

/**
 * Blob content without a row (SQLite: files under DATA_DIR/blobs; PostgreSQL: chunks), and blob
 * rows without content (SQLite: a row whose file is missing).
 */
export async function blobMismatches(
  s: TestServer,
): Promise<{ contentWithoutRow: string[]; rowWithoutContent: string[] }> {
  const db = s.built.ctx.store.db as any;
  const rows = new Set<string>(
    (await db.selectFrom('blobs').select(['blob_id', 'size']).execute()).map((r: any) => r.blob_id),
  );
  let content: Set<string>;
  if (s.built.ctx.store.dialect === 'postgres') {
    content = new Set(
      (await db.selectFrom('blob_chunks').select('blob_id').distinct().execute()).map((r: any) => r.blob_id),
    );
    // An empty blob has no chunk: only chunks without a row count here.
    return { contentWithoutRow: [...content].filter((id) => !rows.has(id)), rowWithoutContent: [] };
  }
  const root = path.join(s.built.ctx.config.dataDir, 'blobs');
  content = new Set<string>();
  for (const dir of await fs.promises.readdir(root).catch(() => [] as string[])) {
    if (dir === 'tmp') continue;
    for (const name of await fs.promises.readdir(path.join(root, dir))) content.add(name);
  }
  return {
    contentWithoutRow: [...content].filter((id) => !rows.has(id)),
    rowWithoutContent: [...rows].filter((id) => !content.has(id)),
  };
}
