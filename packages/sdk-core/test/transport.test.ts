import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  BearerTokenAuthenticator,
  ConnectionError,
  NoAuthAuthenticator,
  TimeoutError,
  createFetchTransport,
} from '../src/index.ts';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

let server: ScriptedServer;
let service: TestService;
beforeAll(async () => {
  server = await startScriptedServer();
  service = new TestService({
    authenticator: new BearerTokenAuthenticator({ bearerToken: 'tok' }),
    serviceUrl: server.url,
    headers: { 'X-Default': 'd', 'X-Both': 'default' },
    retries: false,
  });
});
afterAll(() => server.close());

const big = { items: Array.from({ length: 2000 }, (_, i) => ({ i, name: `item-${i}` })) };

describe('requests and responses', () => {
  it('sends default and per-call headers, query and path parameters, and a JSON body', async () => {
    server.handle((_req, res, body) => json(res, 201, { echo: JSON.parse(body.toString()) }));
    const res = await service.call({
      options: {
        url: '/v2/things/{id}',
        method: 'POST',
        path: { id: 'x y' },
        qs: { tags: ['a', 'b'], limit: 5, skip: undefined },
        body: { hello: 'world' },
        headers: { 'X-Call': 'c', 'x-both': 'call' },
      },
    });
    expect(res).toMatchObject({ status: 201, statusText: 'Created', result: { echo: { hello: 'world' } } });
    expect(res.headers['content-type']).toBe('application/json');
    const sent = server.requests.at(-1)!;
    expect(sent.url).toBe('/v2/things/x%20y?tags=a%2Cb&limit=5');
    expect(sent.headers).toMatchObject({
      authorization: 'Bearer tok',
      'x-default': 'd',
      'x-call': 'c',
      'x-both': 'call',
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(sent.headers.connection).toBe('keep-alive');
    expect(sent.headers['sec-fetch-mode']).toBeUndefined(); // node:http, not fetch
  });

  it('sends form bodies', async () => {
    server.handle((_req, res) => res.end());
    await service.call({ options: { url: '/f', method: 'POST', form: { a: '1', b: 'x y' } } });
    const sent = server.requests.at(-1)!;
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.body.toString()).toBe('a=1&b=x+y');
  });

  for (const encoding of ['gzip', 'deflate'] as const)
    it(`decodes ${encoding} responses`, async () => {
      server.handle((req, res) => {
        expect(req.headers['accept-encoding']).toContain(encoding);
        const zipped =
          encoding === 'gzip' ? zlib.gzipSync(JSON.stringify(big)) : zlib.deflateSync(JSON.stringify(big));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
        res.end(zipped);
      });
      const res = await service.get('/zipped');
      expect(res.result).toEqual(big);
    });

  it('uploads a Readable and an async iterable as a stream', async () => {
    server.handle((_req, res, body) =>
      json(res, 200, { size: body.length, head: body.subarray(0, 5).toString() }),
    );
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const readable = Readable.from(
      (function* () {
        for (let i = 0; i < 16; i++) yield chunk;
      })(),
    );
    const r1 = await service.call({ options: { url: '/up', method: 'PUT', body: readable } });
    expect(r1.result).toEqual({ size: 16 * 64 * 1024, head: 'aaaaa' });
    expect(server.requests.at(-1)!.headers['content-type']).toBe('application/octet-stream');
    expect(server.requests.at(-1)!.headers['transfer-encoding']).toBe('chunked');

    async function* lines() {
      for (let i = 0; i < 3; i++) yield `line ${i}\n`;
    }
    const r2 = await service.call({
      options: { url: '/up', method: 'POST', body: lines(), headers: { 'content-type': 'text/plain' } },
    });
    expect(r2.result).toEqual({ size: 21, head: 'line ' });
    expect(server.requests.at(-1)!.headers['content-type']).toBe('text/plain');
  });

  it('answers a response as a stream, read as it arrives (never buffered whole)', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    server.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
      const gzip = zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH });
      gzip.pipe(res);
      gzip.write('first chunk;');
      await released; // the rest only after the client has read the first chunk
      gzip.end('second chunk');
    });
    const res = await service.get('/download', { responseType: 'stream' });
    const stream = res.result as AsyncIterable<Buffer>;
    expect(stream).toBeInstanceOf(Readable);
    const seen: string[] = [];
    for await (const chunk of stream) {
      seen.push(chunk.toString());
      if (seen.length === 1) release();
    }
    expect(seen[0]).toBe('first chunk;');
    expect(seen.join('')).toBe('first chunk;second chunk');
  });

  it('sends a URL as new URL() would: paths taken as they are, or normalised when they need it', async () => {
    server.handle((_req, res) => json(res, 200, {}));
    const sent = async (url: string) => {
      await service.get(url);
      return server.requests.at(-1)!.url;
    };
    const origin = new URL(server.url).origin;
    for (const url of [
      '/v2/things/a%20b?x=1&y=a%2Cb',
      '/a/./b/../c?q=1',
      '/a/%2E%2E/b',
      '/sp ace',
      "/it's?x='y'",
      '/q?a=<b>',
      '/x#fragment',
      '/a\\b',
    ]) {
      const expected = new URL(origin + url);
      expect(await sent(url)).toBe(expected.pathname + expected.search);
    }
  });

  it('logs requests with credentials redacted', async () => {
    const lines: string[] = [];
    const logged = new TestService({
      authenticator: new BearerTokenAuthenticator({ bearerToken: 'super-secret-token' }),
      serviceUrl: server.url,
      logger: { debug: (m) => lines.push(m) },
    });
    server.handle((_req, res) => json(res, 200, {}));
    await logged.get('/x', { qs: { apikey: 'key-in-query' } });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('super-secret-token');
    expect(lines.join('\n')).not.toContain('key-in-query');
    expect(lines.join('\n')).toContain('GET');
  });
});

describe('redirects', () => {
  it('follows them, turning a 303 after POST into a GET without body', async () => {
    server.handle((req, res) => {
      if (req.url === '/old') return res.writeHead(302, { location: '/new?x=1' }).end('moved');
      if (req.url === '/create') return res.writeHead(303, { location: '/created' }).end();
      json(res, 200, { at: req.url, method: req.method });
    });
    expect((await service.get('/old')).result).toEqual({ at: '/new?x=1', method: 'GET' });
    const res = await service.call({ options: { url: '/create', method: 'POST', body: { a: 1 } } });
    expect(res.result).toEqual({ at: '/created', method: 'GET' });
    expect(server.requests.at(-1)!.body.length).toBe(0);
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer tok');
  });

  it('does not send credentials to another origin', async () => {
    const other = await startScriptedServer((req, res) =>
      json(res, 200, { auth: req.headers.authorization ?? null }),
    );
    try {
      server.handle((_req, res) =>
        res.writeHead(307, { location: other.url.replace('127.0.0.1', 'localhost') + '/x' }).end(),
      );
      expect((await service.get('/away')).result).toEqual({ auth: null });
    } finally {
      await other.close();
    }
  });
});

describe('timeouts, cancellation and lost connections', () => {
  it('a body slower than the timeout rejects with TimeoutError', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
      setTimeout(() => res.end('1}'), 2000).unref();
    });
    const started = Date.now();
    const err = await service.get('/slow', { timeout: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a service-wide timeout applies to calls without their own', async () => {
    server.handle(() => {}); // never answers
    const s = new TestService({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: server.url,
      timeout: 150,
    });
    await expect(s.get('/hang')).rejects.toBeInstanceOf(TimeoutError);
  });

  it('an AbortSignal cancels the request', async () => {
    server.handle(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await service.get('/hang', { signal: controller.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    const already = AbortSignal.abort();
    await expect(service.get('/hang', { signal: already })).rejects.toBeInstanceOf(AbortError);
  });

  it('a dropped connection rejects with ConnectionError', async () => {
    server.handle((req) => req.socket.destroy());
    const err = await service.get('/drop').catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(TimeoutError);
    expect(err.status).toBe(0);
  });

  it('a connection dropped in the middle of the body rejects with ConnectionError', async () => {
    server.handle((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    await expect(service.get('/half')).rejects.toBeInstanceOf(ConnectionError);
  });

  it('a refused connection rejects with ConnectionError', async () => {
    const s = new TestService({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: 'http://127.0.0.1:1',
      retries: false,
    });
    await expect(s.get('/x')).rejects.toBeInstanceOf(ConnectionError);
  });
});

describe('fetch transport', () => {
  it('sends and receives like the Node transport', async () => {
    const s = new TestService({
      authenticator: new BearerTokenAuthenticator({ bearerToken: 'f' }),
      serviceUrl: server.url,
      transport: createFetchTransport(),
    });
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(JSON.stringify(big)));
    });
    expect((await s.get('/z')).result).toEqual(big);
    server.handle((_req, res, body) => json(res, 200, { size: body.length }));
    async function* parts() {
      yield 'abc';
      yield new Uint8Array([100, 101]);
    }
    expect((await s.call({ options: { url: '/u', method: 'POST', body: parts() } })).result).toEqual({
      size: 5,
    });
    server.handle((_req, res) => json(res, 404, { code: 'X', message: 'nope' }));
    await expect(s.get('/missing')).rejects.toMatchObject({ status: 404, codes: ['X'] });
    server.handle(() => {});
    await expect(s.get('/hang', { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('proxies and TLS', () => {
  let tlsServer: https.Server;
  let tlsUrl: string;
  let proxy: http.Server;
  let proxyUrl: string;
  const proxied: string[] = [];
  const tunnels: net.Socket[] = [];

  beforeAll(async () => {
    const dir = new URL('./fixtures/', import.meta.url);
    tlsServer = https.createServer(
      {
        key: fs.readFileSync(new URL('localhost-key.pem', dir)),
        cert: fs.readFileSync(new URL('localhost-cert.pem', dir)),
      },
      (req, res) => json(res, 200, { secure: true, path: req.url }),
    );
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    tlsUrl = `https://localhost:${(tlsServer.address() as AddressInfo).port}`;

    // A tiny proxy: CONNECT tunnels, and absolute-URI requests forwarded as they are.
    proxy = http.createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      const target = new URL(req.url!);
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode!, { ...up.headers, 'x-via-proxy': '1' });
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    proxy.on('connect', (req, client, head) => {
      proxied.push(`CONNECT ${req.url}`);
      const [host, port] = req.url!.split(':');
      const upstream = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      tunnels.push(client as net.Socket, upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of tunnels) socket.destroy();
    tlsServer.closeAllConnections();
    proxy.closeAllConnections();
    await new Promise((r) => tlsServer.close(r));
    await new Promise((r) => proxy.close(r));
  });

  it('refuses a self-signed certificate unless disableSslVerification is set', async () => {
    const strict = new TestService({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: tlsUrl,
      retries: false,
    });
    const err = await strict.get('/s').catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/certificate/i);
    const lax = new TestService({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: tlsUrl,
      disableSslVerification: true,
    });
    expect((await lax.get('/s')).result).toEqual({ secure: true, path: '/s' });
  });

  it('tunnels https through HTTPS_PROXY with CONNECT, and sends http through HTTP_PROXY', async () => {
    const env = { ...process.env };
    process.env.HTTPS_PROXY = proxyUrl;
    process.env.HTTP_PROXY = proxyUrl;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    try {
      proxied.length = 0;
      const secure = new TestService({
        authenticator: new NoAuthAuthenticator(),
        serviceUrl: tlsUrl,
        disableSslVerification: true,
      });
      expect((await secure.get('/through')).result).toEqual({ secure: true, path: '/through' });
      expect((await secure.get('/again')).result).toEqual({ secure: true, path: '/again' });
      expect(proxied).toEqual([`CONNECT ${new URL(tlsUrl).host}`]); // one tunnel, kept alive and reused

      server.handle((_req, res) => json(res, 200, { plain: true }));
      const plain = new TestService({ authenticator: new NoAuthAuthenticator(), serviceUrl: server.url });
      const res = await plain.get('/p?q=1');
      expect(res.result).toEqual({ plain: true });
      expect(res.headers['x-via-proxy']).toBe('1');
      expect(proxied.at(-1)).toBe(`GET ${server.url}/p?q=1`);

      // Read when a service is created (not at each request: that costs CPU on every one).
      process.env.NO_PROXY = 'example.com, 127.0.0.1';
      expect((await plain.get('/still')).headers['x-via-proxy']).toBe('1');
      const direct = await new TestService({
        authenticator: new NoAuthAuthenticator(),
        serviceUrl: server.url,
      }).get('/direct');
      expect(direct.headers['x-via-proxy']).toBeUndefined();
    } finally {
      process.env = env;
    }
  });
});
