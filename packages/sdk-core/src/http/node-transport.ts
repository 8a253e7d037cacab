import http from 'node:http';
import https from 'node:https';
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { followRedirects } from './redirects.ts';
import { proxyAuthorization, proxyFor, proxyFromEnv, type ProxySettings } from './proxy.ts';
import { TunnelAgent } from './tunnel-agent.ts';
import { isAsyncIterable, type HttpRequest, type HttpResponse, type Transport } from './types.ts';

export interface NodeTransportOptions {
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** Fixed proxy settings; by default `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` are read per request. */
  proxy?: ProxySettings;
}

const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 1000, scheduling: 'lifo' } as const;

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The body stream, decompressed as its `content-encoding` says. */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  return pipeline(res, decoder, () => {});
}

/**
 * The Node transport: `node:http`/`node:https` with keep-alive agents (reused sockets cost far
 * less CPU per request than `fetch`), CONNECT tunnels for https through a proxy, and plain
 * absolute-URI requests for http through a proxy; redirects are followed.
 */
export function createNodeTransport(options: NodeTransportOptions = {}): Transport {
  const httpAgent = options.httpAgent ?? new http.Agent(KEEP_ALIVE);
  const httpsAgent = options.httpsAgent ?? new https.Agent(KEEP_ALIVE);
  const tunnels = new Map<string, TunnelAgent>();
  const tunnelFor = (proxy: URL) => {
    let agent = tunnels.get(proxy.href);
    if (!agent) tunnels.set(proxy.href, (agent = new TunnelAgent(proxy, KEEP_ALIVE)));
    return agent;
  };

  function send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const proxy = options.proxy ? proxyFor(url, options.proxy) : proxyFromEnv(url);
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate', ...request.headers };
    let target: http.RequestOptions;
    if (proxy && !secure) {
      const auth = proxyAuthorization(proxy);
      if (auth) headers['proxy-authorization'] = auth;
      headers.host = url.host;
      target = { host: proxy.hostname, port: proxy.port || 80, path: url.href, agent: httpAgent };
    } else {
      target = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: url.pathname + url.search,
        agent: proxy ? tunnelFor(proxy) : secure ? httpsAgent : httpAgent,
      };
    }
    const client = secure ? https : http;

    return new Promise<HttpResponse>((resolve, reject) => {
      const signal = request.signal;
      target.method = request.method;
      target.headers = headers;
      if (secure) (target as https.RequestOptions).rejectUnauthorized = !request.disableSslVerification;
      const req = client.request(target);
      const onAbort = () =>
        req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      });
      req.once('response', (res) => {
        const body = decoded(res);
        if (signal) {
          // Aborting after the head destroys the body: a reader then gets the abort reason.
          const onBodyAbort = () =>
            body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          signal.removeEventListener('abort', onAbort);
          signal.addEventListener('abort', onBodyAbort, { once: true });
          body.once('close', () => signal.removeEventListener('abort', onBodyAbort));
        }
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: flattenHeaders(res.headers),
          body,
        });
      });

      const body = request.body;
      if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) req.end(body);
      else if (isAsyncIterable(body))
        pipeline(
          body instanceof Readable ? body : Readable.from(body),
          req,
          (err) => err && req.destroy(err),
        );
      else req.end();
    });
  }

  return followRedirects({ send });
}

let shared: Transport | undefined;
/** One keep-alive transport per process, used by every service that does not bring its own agents. */
export function sharedNodeTransport(): Transport {
  return (shared ??= createNodeTransport());
}
