import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB, startTestServer, type TestServer } from '../helpers/server.ts';
import {
  KINDS,
  createAsset,
  createWorld,
  expectPlatformError,
  type Container,
  type World,
} from './helpers.ts';

// A small blob limit for this server, so that the 413 cases stay cheap (read once, at start).
const LIMIT = 8 * 1024 * 1024;
process.env.BLOB_MAX_BYTES = String(LIMIT);

let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => {
  delete process.env.BLOB_MAX_BYTES;
  await s?.close();
});

/** A body streamed in pieces (chunked transfer encoding: no Content-Length). */
function streamOf(bytes: Buffer, piece = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(at, at + piece)));
      at += piece;
    },
  });
}

async function put(
  url: string,
  token: string,
  body: Buffer | ReadableStream<Uint8Array>,
  type = 'application/octet-stream',
) {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body,
    // streamed request bodies need half duplex
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

/** Path and query of an absolute href. */
const rel = (href: string) => {
  const u = new URL(href);
  return u.pathname + u.search;
};

async function newAttachment(c: Container, token = w.editor.token, body: Record<string, unknown> = {}) {
  const asset = await createAsset(s, w.editor.token, c, { name: 'with file' });
  const id = asset.metadata.asset_id as string;
  const res = await s.call('POST', `/v2/assets/${id}/attachments?${c.q}`, {
    token,
    body: { asset_type: 'data_asset', name: 'file.bin', mime: 'application/x-test', ...body },
  });
  expect(res.status, res.text).toBe(201);
  return { assetId: id, att: res.body };
}

async function countBlobs(): Promise<number> {
  const db = s.built.ctx.store.db as any;
  return (await db.selectFrom('blobs').select('blob_id').execute()).length;
}

/** Files under DATA_DIR/blobs (SQLite), excluding the temp dir. */
function blobFiles(): string[] {
  const root = path.join(s.built.ctx.config.dataDir, 'blobs');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

describe.each(KINDS)('attachments in a %s', (kind) => {
  let c: Container;
  beforeAll(() => {
    c = w.containers[kind];
  });

  it('round-trips a multi-MiB streamed body byte for byte: create, PUT url1, complete, GET url', async () => {
    const { assetId, att } = await newAttachment(c);
    expect(att).toMatchObject({
      name: 'file.bin',
      mime: 'application/x-test',
      transfer_complete: false,
      size: 0,
    });
    expect(att.url1).toBe(`${s.url}/v2/assets/${assetId}/attachments/${att.attachment_id}/content?${c.q}`);
    expect(att.url).toBeUndefined();

    const bytes = crypto.randomBytes(5 * 1024 * 1024 + 12345);
    const up = await put(att.url1, w.editor.token, streamOf(bytes));
    expect(up.status, up.text).toBe(200);
    expect(up.body).toEqual({ attachment_id: att.attachment_id, size: bytes.length });

    // not downloadable before it is complete
    expectPlatformError(await s.call('GET', rel(att.url1), { token: w.viewer.token }), 409);

    const done = await s.call(
      'POST',
      `/v2/assets/${assetId}/attachments/${att.attachment_id}/complete?${c.q}`,
      {
        token: w.editor.token,
      },
    );
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ transfer_complete: true, size: bytes.length });
    expect(done.body.url).toBe(att.url1);

    const got = await s.call('GET', `/v2/assets/${assetId}/attachments/${att.attachment_id}?${c.q}`, {
      token: w.viewer.token,
    });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      attachment_id: att.attachment_id,
      transfer_complete: true,
      size: bytes.length,
    });

    const res = await fetch(got.body.url, { headers: { authorization: `Bearer ${w.viewer.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-test');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    const back = Buffer.from(await res.arrayBuffer());
    expect(back.length).toBe(bytes.length);
    expect(crypto.createHash('sha256').update(back).digest('hex')).toBe(
      crypto.createHash('sha256').update(bytes).digest('hex'),
    );
    expect(back.equals(bytes)).toBe(true);

    // the asset lists it
    const asset = await s.call('GET', `/v2/assets/${assetId}?${c.q}`, { token: w.viewer.token });
    expect(asset.body.attachments.map((a: any) => a.attachment_id)).toEqual([att.attachment_id]);

    // complete again is fine; a new upload is not
    const again = await s.call(
      'POST',
      `/v2/assets/${assetId}/attachments/${att.attachment_id}/complete?${c.q}`,
      {
        token: w.editor.token,
      },
    );
    expect(again.status).toBe(200);
    expectPlatformError(await put(att.url1, w.editor.token, Buffer.from('late')), 409);
  });

  it('replaces the content of an incomplete attachment; empty content works', async () => {
    const { att } = await newAttachment(c);
    const blobsBefore = await countBlobs();
    expect((await put(att.url1, w.editor.token, Buffer.from('first'))).status).toBe(200);
    expect((await put(att.url1, w.editor.token, Buffer.alloc(0))).status).toBe(200);
    expect(await countBlobs()).toBe(blobsBefore + 1);
    const done = await s.call('POST', rel(att.url1).replace('/content?', '/complete?'), {
      token: w.editor.token,
    });
    expect(done.body.size).toBe(0);
    const res = await fetch(done.body.url, { headers: { authorization: `Bearer ${w.editor.token}` } });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('refuses complete before any upload (409), non-octet-stream uploads (415), and viewers (403)', async () => {
    const { assetId, att } = await newAttachment(c);
    const complete = `/v2/assets/${assetId}/attachments/${att.attachment_id}/complete?${c.q}`;
    expectPlatformError(await s.call('POST', complete, { token: w.editor.token }), 409);
    expectPlatformError(await put(att.url1, w.editor.token, Buffer.from('{}'), 'application/json'), 415);
    expectPlatformError(await put(att.url1, w.editor.token, Buffer.from('x'), 'text/plain'), 415);
    expectPlatformError(await put(att.url1, w.viewer.token, Buffer.from('x')), 403);
    expectPlatformError(await put(att.url1, w.outsider.token, Buffer.from('x')), 403);
    expectPlatformError(await s.call('POST', complete, { token: w.viewer.token }), 403);
    expectPlatformError(
      await s.call('POST', `/v2/assets/${assetId}/attachments?${c.q}`, { token: w.viewer.token, body: {} }),
      403,
    );
    expectPlatformError(
      await s.call('GET', `/v2/assets/${assetId}/attachments/${att.attachment_id}?${c.q}`, {
        token: w.outsider.token,
      }),
      403,
    );
    expectPlatformError(
      await s.call('DELETE', `/v2/assets/${assetId}/attachments/${att.attachment_id}?${c.q}`, {
        token: w.viewer.token,
      }),
      403,
    );
    // nothing was stored
    const got = await s.call('GET', `/v2/assets/${assetId}/attachments/${att.attachment_id}?${c.q}`, {
      token: w.viewer.token,
    });
    expect(got.body).toMatchObject({ transfer_complete: false, size: 0 });
  });

  it('answers 404 for missing assets and attachments, and 401 without a token', async () => {
    const { assetId, att } = await newAttachment(c);
    const missing = '00000000-0000-4000-8000-000000000000';
    expectPlatformError(
      await s.call('POST', `/v2/assets/${missing}/attachments?${c.q}`, { token: w.editor.token, body: {} }),
      404,
    );
    expectPlatformError(
      await s.call('GET', `/v2/assets/${assetId}/attachments/${missing}?${c.q}`, { token: w.editor.token }),
      404,
    );
    expectPlatformError(
      await put(att.url1.replace(att.attachment_id, missing), w.editor.token, Buffer.from('x')),
      404,
    );
    expectPlatformError(await put(att.url1, 'not-a-token', Buffer.from('x')), 401);
    expectPlatformError(
      await s.call('GET', `/v2/assets/${assetId}/attachments/${att.attachment_id}?${c.q}`, { token: null }),
      401,
    );
  });
});

describe('size limit and deletion', () => {
  it('answers 413 for a declared length over the limit, and for a streamed body that passes it', async () => {
    const c = w.containers.project;
    const { assetId, att } = await newAttachment(c);
    const blobs = await countBlobs();
    const declared = await put(att.url1, w.editor.token, Buffer.alloc(LIMIT + 1));
    expectPlatformError(declared, 413);
    const streamed = await put(att.url1, w.editor.token, streamOf(Buffer.alloc(LIMIT + 200 * 1024, 7)));
    expectPlatformError(streamed, 413);
    expect(await countBlobs()).toBe(blobs);
    const got = await s.call('GET', `/v2/assets/${assetId}/attachments/${att.attachment_id}?${c.q}`, {
      token: w.editor.token,
    });
    expect(got.body.size).toBe(0);
    // exactly the limit is fine
    const ok = await put(att.url1, w.editor.token, streamOf(Buffer.alloc(LIMIT, 1)));
    expect(ok.status, ok.text).toBe(200);
    if (TEST_DB === 'sqlite') {
      const tmp = path.join(s.built.ctx.config.dataDir, 'blobs', 'tmp');
      expect(fs.readdirSync(tmp)).toEqual([]);
    }
  });

  it('deletes an attachment with its content (204), then 404', async () => {
    const c = w.containers.catalog;
    const { assetId, att } = await newAttachment(c);
    await put(att.url1, w.editor.token, Buffer.from('bytes'));
    const blobs = await countBlobs();
    const files = blobFiles().length;
    const url = `/v2/assets/${assetId}/attachments/${att.attachment_id}?${c.q}`;
    const del = await s.call('DELETE', url, { token: w.editor.token });
    expect(del.status, del.text).toBe(204);
    expect(await countBlobs()).toBe(blobs - 1);
    if (TEST_DB === 'sqlite') expect(blobFiles().length).toBe(files - 1);
    expectPlatformError(await s.call('GET', url, { token: w.editor.token }), 404);
    expectPlatformError(await s.call('DELETE', url, { token: w.editor.token }), 404);
  });

  it('deleting an asset removes its attachments and their content in one go', async () => {
    const c = w.containers.space;
    const { assetId, att } = await newAttachment(c);
    await put(att.url1, w.editor.token, Buffer.from('one'));
    const second = await s.call('POST', `/v2/assets/${assetId}/attachments?${c.q}`, {
      token: w.editor.token,
      body: { name: 'two' },
    });
    await put(second.body.url1, w.editor.token, Buffer.from('two'));
    const blobs = await countBlobs();
    const del = await s.call('DELETE', `/v2/assets/${assetId}?${c.q}`, { token: w.editor.token });
    expect(del.status).toBe(204);
    expect(await countBlobs()).toBe(blobs - 2);
    const db = s.built.ctx.store.db as any;
    const left = await db
      .selectFrom('asset_attachments')
      .select('attachment_id')
      .where('asset_id', '=', assetId)
      .execute();
    expect(left).toEqual([]);
  });
});
