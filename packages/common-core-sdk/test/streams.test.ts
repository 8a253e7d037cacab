// Uploads and downloads through the generated methods are streamed, never buffered whole: 64 MiB
// bodies go through while the process's buffer memory grows by a fraction of that. The server here
// is a real local node:http server that hashes what it receives and generates what it sends,
// without holding either. The multipart encoding is also checked against our server's parser.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { CommonCoreV2, NoAuthAuthenticator, waitForTransaction } from '../src/index.ts';
import { clientFor, idOf, uniqueName } from './helpers.ts';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const CHUNK = 64 * 1024;

/** `size` bytes in fresh 64 KiB chunks (a buffering client would have to keep every one). */
function* chunks(size: number): Generator<Buffer> {
  for (let sent = 0, i = 0; sent < size; sent += CHUNK, i++) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - sent));
    chunk.fill(i % 251);
    chunk.writeUInt32BE(i, 0);
    yield chunk;
  }
}
const sha256Of = (size: number) => {
  const h = crypto.createHash('sha256');
  for (const c of chunks(size)) h.update(c);
  return h.digest('hex');
};
const EXPECTED = sha256Of(SIZE);
/** The size of the bodies that only check the content, not the memory. */
const SMALL = 4 * MiB;
const EXPECTED_SMALL = sha256Of(SMALL);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Runs `fn` while sampling the buffer and heap memory the process retains (after a collection,
 * so that chunks already read and dropped do not count); returns the peak growth.
 */
async function peakGrowth(fn: () => Promise<void>): Promise<number> {
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return m.arrayBuffers + m.heapUsed;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 100);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, used()) - base;
}

interface Received {
  method: string;
  url: string;
  contentType: string;
  bytes: number;
  sha256: string;
  head: string;
  tail: string;
}
let received: Received[] = [];
let local: http.Server;
let service: CommonCoreV2;

beforeAll(async () => {
  local = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      Readable.from(chunks(req.url!.includes('big') ? SIZE : SMALL)).pipe(res);
      return;
    }
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      if (head.length < 400) head += c.subarray(0, 400).toString('latin1');
      tail = Buffer.concat([tail, c]).subarray(-200);
    });
    req.on('end', () => {
      received.push({
        method: req.method!,
        url: req.url!,
        contentType: String(req.headers['content-type']),
        bytes,
        sha256: hash.digest('hex'),
        head,
        tail: tail.toString('latin1'),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: bytes }));
    });
  });
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  const { port } = local.address() as AddressInfo;
  service = new CommonCoreV2({
    authenticator: new NoAuthAuthenticator(),
    serviceUrl: `http://127.0.0.1:${port}`,
  });
});
afterAll(() => new Promise<void>((r) => local.close(() => r())));

describe('streamed uploads', () => {
  it('uploadConnectionFile sends a 64 MiB Readable without buffering it', async () => {
    received = [];
    const growth = await peakGrowth(async () => {
      const { result } = await service.uploadConnectionFile({
        fileName: 'big.bin',
        body: Readable.from(chunks(SIZE)),
      });
      expect(result).toEqual({ received: SIZE });
    });
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/v2/connections/files/big.bin',
      contentType: 'application/octet-stream',
      bytes: SIZE,
      sha256: EXPECTED,
    });
    // Buffered whole, it would be SIZE or more. The receiving server runs in this process too, so
    // the chunks in flight on both sides count (about half of SIZE seen on a loaded machine).
    expect(growth).toBeLessThan(SIZE * 0.75);
  });

  it('uploadAttachmentContent sends a web ReadableStream', async () => {
    received = [];
    const source = Readable.toWeb(Readable.from(chunks(SMALL))) as ReadableStream<Uint8Array>;
    await service.uploadAttachmentContent({
      assetId: 'a1',
      attachmentId: 't1',
      projectId: 'p1',
      body: source,
    });
    expect(received[0]).toMatchObject({ method: 'PUT', bytes: SMALL, sha256: EXPECTED_SMALL });
    expect(received[0].url).toBe('/v2/assets/a1/attachments/t1/content?project_id=p1');
  });

  it('a Buffer body is sent as it is', async () => {
    received = [];
    const small = Buffer.concat([...chunks(3 * CHUNK + 5)]);
    await service.uploadConnectionFile({ fileName: 'small.bin', body: small });
    expect(received[0]).toMatchObject({
      bytes: small.length,
      sha256: crypto.createHash('sha256').update(small).digest('hex'),
    });
  });

  it('createAssetImport streams a 64 MiB archive as multipart/form-data', async () => {
    received = [];
    const growth = await peakGrowth(async () => {
      await service.createAssetImport({
        projectId: 'p1',
        file: Readable.from(chunks(SIZE)),
        format: 'json',
      });
    });
    const r = received[0];
    const boundary = /boundary=(.+)$/.exec(r.contentType)![1];
    expect(r.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(r.head).toContain(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="file.zip"\r\nContent-Type: application/zip\r\n\r\n`,
    );
    expect(r.tail).toContain(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\njson\r\n--${boundary}--\r\n`,
    );
    expect(r.bytes).toBeGreaterThan(SIZE);
    expect(r.bytes).toBeLessThan(SIZE + 1024);
    expect(growth).toBeLessThan(SIZE / 2); // buffered whole, it would be SIZE or more
  });

  it('createAssetImport without a file still sends the raw zip body', async () => {
    received = [];
    await service.createAssetImport({ projectId: 'p1', body: Buffer.from('PK\x05\x06') });
    expect(received[0]).toMatchObject({ contentType: 'application/zip', bytes: 4 });
  });
});

/** Reads a download as it arrives: its size and hash. */
async function drain(call: Promise<{ result: unknown; status: number }>) {
  const { result, status } = await call;
  expect(status).toBe(200);
  expect(result).toBeInstanceOf(Readable);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const c of result as AsyncIterable<Buffer>) {
    hash.update(c);
    bytes += c.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

describe('streamed downloads', () => {
  it('downloadConnectionFile returns a stream of a 64 MiB body, read as it arrives', async () => {
    let got = { bytes: 0, sha256: '' };
    const growth = await peakGrowth(async () => {
      got = await drain(service.downloadConnectionFile({ fileName: 'big.bin' }));
    });
    expect(got).toEqual({ bytes: SIZE, sha256: EXPECTED });
    expect(growth).toBeLessThan(SIZE / 2); // buffered whole, it would be SIZE or more
  });

  it('getAssetExportContent and downloadAttachmentContent return streams too', async () => {
    expect(await drain(service.getAssetExportContent({ exportId: 'e1', projectId: 'p1' }))).toEqual({
      bytes: SMALL,
      sha256: EXPECTED_SMALL,
    });
    expect(
      await drain(service.downloadAttachmentContent({ assetId: 'a1', attachmentId: 't1', projectId: 'p1' })),
    ).toEqual({ bytes: SMALL, sha256: EXPECTED_SMALL });
  });
});

describe('multipart against our server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.close());

  it('transactionalPostProject creates a project from an archive stream (202), then the import finishes', async () => {
    const zip = new yazl.ZipFile();
    const manifest = {
      format: 'cc-project-archive',
      version: 1,
      project: { name: 'from the manifest', tags: ['m'] },
      assets: [{ asset_id: '11111111-aaaa-4aaa-8aaa-000000000009', asset_type: 'script', name: 'x.py' }],
    };
    zip.addBuffer(Buffer.from(JSON.stringify(manifest)), 'manifest.json');
    zip.end();
    const client = clientFor(s, s.adminKey);
    const name = uniqueName('archive');
    const res = await client.transactionalPostProject({
      file: zip.outputStream as unknown as Readable,
      name,
      tags: ['one', 'two'],
    });
    expect(res.status).toBe(202);
    const projectId = idOf(res.result.location!);
    const transactionId = (res.result as any).transaction_detail.id as string;
    const done = await waitForTransaction(client, { projectId, transactionId, initialDelayMs: 50 });
    expect(done.status).toBe('succeeded');
    const { result: project } = await client.getProject({ projectId, include: 'fields' });
    expect(project.entity?.name).toBe(name);
    const tags = JSON.stringify((await client.listProjectTags({ projectId })).result);
    expect(tags).toContain('one');
    expect(tags).toContain('two');
  });
});
