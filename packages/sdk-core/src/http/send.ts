import { AbortError, ApiError, ConnectionError, TimeoutError, errorFromResponse } from '../errors/errors.ts';
import { secretsOfHeaders } from '../errors/redact.ts';
import { parseResult, readText } from './read-body.ts';
import type { HttpRequest, Transport } from './types.ts';

/** What every call resolves to, as with IBM's SDKs. */
export interface SdkResponse<T = any> {
  result: T;
  status: number;
  statusText: string;
  headers: Record<string, string>;
}

export interface SendOptions {
  /** Milliseconds until the response is complete (until its head, for a streamed result). */
  timeout?: number;
  signal?: AbortSignal;
  /** Resolve with the body as a stream (`AsyncIterable<Uint8Array>`, a `Readable` on Node), unread. */
  stream?: boolean;
  /** Secrets to keep out of error messages, besides the request's own credentials headers. */
  secrets?: readonly string[];
}

/**
 * One attempt: sends `request` through `transport`, enforces the timeout and the caller's signal,
 * reads and parses the body (unless streamed), and turns failures into the typed errors.
 */
export async function sendOnce(
  transport: Transport,
  request: HttpRequest,
  options: SendOptions = {},
): Promise<SdkResponse> {
  const { timeout, signal, stream } = options;
  // Computed on failure only: the hot path stays free of it.
  const secrets = () => [...secretsOfHeaders(request.headers), ...(options.secrets ?? [])];
  if (signal?.aborted) throw new AbortError(`${request.method} ${request.url} aborted before it was sent`);
  // A controller only when there is something to cancel with: it costs CPU on every request.
  const controller = signal || (timeout && timeout > 0) ? new AbortController() : undefined;
  let timedOut = false;
  const onAbort = () => controller?.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeout && timeout > 0
      ? setTimeout(() => {
          timedOut = true;
          controller?.abort(new Error(`timed out after ${timeout} ms`));
        }, timeout)
      : undefined;
  const settle = () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };

  try {
    const res = await transport.send(controller ? { ...request, signal: controller.signal } : request);
    if (res.status >= 400) {
      const text = await readText(res.body);
      throw errorFromResponse(res.status, res.statusText, res.headers, text, secrets());
    }
    if (stream) {
      clearTimeout(timer); // the caller reads at its own pace; its signal still cancels the body
      return { result: res.body, status: res.status, statusText: res.statusText, headers: res.headers };
    }
    const text = await readText(res.body);
    settle();
    const result = parseResult(text, res.headers['content-type']);
    return { result, status: res.status, statusText: res.statusText, headers: res.headers };
  } catch (err) {
    settle();
    if (err instanceof ApiError) throw err;
    const what = `${request.method} ${request.url.split('?')[0]}`;
    if (timedOut) throw new TimeoutError(`${what} timed out after ${timeout} ms`, err, secrets());
    if (signal?.aborted) throw new AbortError(`${what} aborted`, err, secrets());
    throw new ConnectionError(`${what} failed: ${(err as Error)?.message ?? String(err)}`, err, secrets());
  }
}
