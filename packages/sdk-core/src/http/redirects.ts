import { isAsyncIterable, type HttpRequest, type HttpResponse } from './types.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

async function discard(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of body); // drain, so the socket goes back to the pool
}

/** A redirect to follow: a redirect status with somewhere to go. */
export function isRedirect(res: HttpResponse): boolean {
  return res.status >= 301 && res.status <= 308 && REDIRECTS.has(res.status) && !!res.headers.location;
}

/**
 * Follows the redirect `firstResponse` answered to `first`, with `send`, as browsers and IBM's
 * SDKs do: 303 (and 301/302 after a POST) turn into a GET without body; credentials are not sent
 * to another origin; a streamed body, which cannot be sent twice, ends the chain with the redirect
 * response itself.
 */
export async function followRedirect(
  send: (request: HttpRequest) => Promise<HttpResponse>,
  first: HttpRequest,
  firstResponse: HttpResponse,
): Promise<HttpResponse> {
  let request = first;
  let res = firstResponse;
  for (let hops = 0; ; hops++) {
    if (hops > 0) res = await send(request);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location || hops >= MAX_REDIRECTS) return res;
    const toGet =
      res.status === 303 || ((res.status === 301 || res.status === 302) && request.method === 'POST');
    if (!toGet && isAsyncIterable(request.body)) return res;
    await discard(res.body);
    const target = new URL(location, request.url);
    const headers = { ...request.headers };
    if (target.origin !== new URL(request.url).origin) {
      delete headers.authorization;
      delete headers.cookie;
    }
    if (toGet) {
      delete headers['content-type'];
      delete headers['content-length'];
    }
    request = {
      ...request,
      url: target.href,
      headers,
      method: toGet && request.method !== 'HEAD' ? 'GET' : request.method,
      body: toGet ? undefined : request.body,
    };
  }
}
