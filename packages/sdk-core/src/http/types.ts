import type { ProxySettings } from './proxy.ts';

/** A request body as the transports accept it; a Node `Readable` is an async iterable too. */
export type UploadBody = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** One HTTP exchange, already encoded: absolute URL, final headers (lower-case names). */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: UploadBody;
  /** Aborts the request and, after the headers arrived, the response body. */
  signal?: AbortSignal;
  /** Accept any TLS certificate (only when the caller asked for it). */
  disableSslVerification?: boolean;
  /**
   * The proxy settings to use (services read the environment's when they are created); without
   * them the Node transport reads the environment at each request. `fetch` ignores them.
   */
  proxy?: ProxySettings;
}

/** The response head and its body, decoded (gzip, deflate) and not yet read. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
}

/** Sends one request; the SDK core adds timeouts, retries, errors and authentication around it. */
export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value != null && typeof (value as any)[Symbol.asyncIterator] === 'function';
}
