import http from 'node:http';
import https from 'node:https';
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { followRedirect, isRedirect } from './redirects.ts';
import { proxyAuthorization, proxyFor, proxyFromEnv, type ProxySettings } from './proxy.ts';
import { TunnelAgent } from './tunnel-agent.ts';
import { isAsyncIterable, type HttpRequest, type HttpResponse, type Transport } from './types.ts';

export interface NodeTransportOptions {
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /**
   * Fixed proxy settings. Otherwise those a request carries (a service reads `HTTP_PROXY`,
   * `HTTPS_PROXY` and `NO_PROXY` when it is created), else the environment's at each request.
   */
  proxy?: ProxySettings;
}

// Node's defaults besides keepAlive (1000 ms probes, lifo): the agent copies its options into
// every request's options, so fewer of them is less work per request.
const KEEP_ALIVE = { keepAlive: true } as const;

/** Node's response headers; only `set-cookie` can be an array, and it rarely is there. */
function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  if (headers['set-cookie'] === undefined) return headers as Record<string, string>;
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The body stream, decompressed as its `content-encoding` says. */
function decoded(res: http.IncomingMessage): Readable {
  const header = res.headers['content-encoding'];
  if (!header) return res;
  const encoding = header.trim().toLowerCase();
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

const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error('aborted');

/** What a request needs to know of its URL's origin, parsed once per origin. */
interface Origin {
  url: URL;
  secure: boolean;
  /** Without the brackets of an IPv6 literal, as `http.request` wants it. */
  hostname: string;
  port: string | number;
  /** False for text before the path that `new URL()` reads otherwise (`?`, `#`, `\\`). */
  plain: boolean;
}

const origins = new Map<string, Origin>();

function originOf(text: string): Origin {
  let origin = origins.get(text);
  if (!origin) {
    const url = new URL(text);
    const secure = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    origin = { url, secure, hostname, port: url.port || (secure ? 443 : 80), plain: !/[?#\\]/.test(text) };
    if (origins.size >= 100) origins.clear(); // bounded: services talk to a handful of origins
    origins.set(text, origin);
  }
  return origin;
}

/** Paths and queries that `new URL()` leaves as they are: no dot segments, nothing to escape. */
const PLAIN_PATH = /^\/[\w\-.~!$&()*+,;=:@%/?]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)/i;

/**
 * The origin and the path of `url` as `new URL(url)` would give them. Parsing a whole URL costs
 * about a microsecond per request; the origin is parsed once, and the path (almost always built by
 * us, already escaped) taken as it is when nothing in it would be changed.
 */
function splitUrl(url: string): { origin: Origin; path: string } {
  const start = url.indexOf('://') + 3;
  const slash = start > 3 ? url.indexOf('/', start) : -1;
  if (slash > start) {
    const origin = originOf(url.slice(0, slash));
    const path = url.slice(slash);
    if (origin.plain && PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) return { origin, path };
  }
  const parsed = new URL(url);
  return { origin: originOf(parsed.origin), path: parsed.pathname + parsed.search };
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

  function proxyOf(request: HttpRequest, origin: Origin): URL | undefined {
    const settings = options.proxy ?? request.proxy;
    if (!settings) return proxyFromEnv(origin.url);
    return (origin.secure ? settings.httpsProxy : settings.httpProxy)
      ? proxyFor(origin.url, settings)
      : undefined;
  }

  /** One exchange; with `follow`, a redirect answer is followed with exchanges without it. */
  function send(request: HttpRequest, follow = true): Promise<HttpResponse> {
    const { origin, path } = splitUrl(request.url);
    const { secure } = origin;
    const proxy = proxyOf(request, origin);
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate', ...request.headers };
    let target: https.RequestOptions;
    if (proxy && !secure) {
      const auth = proxyAuthorization(proxy);
      if (auth) headers['proxy-authorization'] = auth;
      const url = new URL(request.url);
      headers.host = url.host;
      target = {
        host: proxy.hostname,
        port: proxy.port || 80,
        path: url.href,
        agent: httpAgent,
        method: request.method,
        headers,
      };
    } else {
      const agent = proxy ? tunnelFor(proxy) : secure ? httpsAgent : httpAgent;
      // The options of a bare GET, in the same shape: Node's request code stays on its fast path.
      target = { host: origin.hostname, port: origin.port, path, agent, headers };
      if (request.method !== 'GET') target.method = request.method;
    }
    if (secure) target.rejectUnauthorized = !request.disableSslVerification;

    return new Promise<HttpResponse>((resolve, reject) => {
      const signal = request.signal;
      const req = (secure ? https : http).request(target);
      // Listeners on the signal only when there is one: most requests have none.
      const onAbort = signal && (() => req.destroy(abortReason(signal)));
      if (onAbort) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      req.on('error', (err) => {
        if (onAbort) signal.removeEventListener('abort', onAbort);
        reject(err);
      });
      req.once('response', (res) => {
        const body = decoded(res);
        if (onAbort) {
          // Aborting after the head destroys the body: a reader then gets the abort reason.
          const onBodyAbort = () => body.destroy(abortReason(signal));
          signal.removeEventListener('abort', onAbort);
          signal.addEventListener('abort', onBodyAbort, { once: true });
          body.once('close', () => signal.removeEventListener('abort', onBodyAbort));
        }
        const response: HttpResponse = {
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: flattenHeaders(res.headers),
          body,
        };
        // Most answers are no redirect: they resolve at once, without another promise.
        resolve(follow && isRedirect(response) ? followRedirect(sendOne, request, response) : response);
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

  const sendOne = (request: HttpRequest) => send(request, false);
  return { send: (request) => send(request) };
}

let shared: Transport | undefined;
/** One keep-alive transport per process, used by every service that does not bring its own agents. */
export function sharedNodeTransport(): Transport {
  return (shared ??= createNodeTransport());
}
