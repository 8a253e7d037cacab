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
 * The caller's signal and the timeout, as one signal for the transport. Only made when there is
 * something to cancel with: a controller, a timer and listeners cost CPU on every request.
 */
class Cancellation {
  readonly controller = new AbortController();
  timedOut = false;
  private readonly timer?: ReturnType<typeof setTimeout>;
  private readonly onAbort?: () => void;

  constructor(
    private readonly signal: AbortSignal | undefined,
    timeout: number | undefined,
  ) {
    if (signal) {
      this.onAbort = () => this.controller.abort(signal.reason);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
    if (timeout && timeout > 0)
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort(new Error(`timed out after ${timeout} ms`));
      }, timeout);
  }

  /** The response head arrived and its body is the caller's to read: the timeout no longer applies. */
  stopTimer(): void {
    clearTimeout(this.timer);
  }

  settle(): void {
    clearTimeout(this.timer);
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
  }
}

const secretsOf = (request: HttpRequest, options: SendOptions) => [
  ...secretsOfHeaders(request.headers),
  ...(options.secrets ?? []),
];

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
  if (signal?.aborted) throw new AbortError(`${request.method} ${request.url} aborted before it was sent`);
  const cancel = signal || (timeout && timeout > 0) ? new Cancellation(signal, timeout) : undefined;
  try {
    const res = await transport.send(cancel ? { ...request, signal: cancel.controller.signal } : request);
    if (res.status >= 400) {
      const text = await readText(res.body);
      throw errorFromResponse(res.status, res.statusText, res.headers, text, secretsOf(request, options));
    }
    if (stream) {
      cancel?.stopTimer(); // the caller reads at its own pace; its signal still cancels the body
      return { result: res.body, status: res.status, statusText: res.statusText, headers: res.headers };
    }
    const text = await readText(res.body);
    cancel?.settle();
    const result = parseResult(text, res.headers['content-type']);
    return { result, status: res.status, statusText: res.statusText, headers: res.headers };
  } catch (err) {
    cancel?.settle();
    if (err instanceof ApiError) throw err;
    const what = `${request.method} ${request.url.split('?')[0]}`;
    const secrets = secretsOf(request, options);
    if (cancel?.timedOut) throw new TimeoutError(`${what} timed out after ${timeout} ms`, err, secrets);
    if (signal?.aborted) throw new AbortError(`${what} aborted`, err, secrets);
    throw new ConnectionError(`${what} failed: ${(err as Error)?.message ?? String(err)}`, err, secrets);
  }
}
