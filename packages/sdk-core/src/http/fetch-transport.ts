import {
  isAsyncIterable,
  type HttpRequest,
  type HttpResponse,
  type Transport,
  type UploadBody,
} from './types.ts';

const encoder = new TextEncoder();

function toReadableStream(body: AsyncIterable<Uint8Array | string>): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(typeof value === 'string' ? encoder.encode(value) : value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

async function* chunks(stream: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!stream) return;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function fetchBody(body: UploadBody | undefined): RequestInit['body'] {
  if (body === undefined || typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body as RequestInit['body'];
  if (isAsyncIterable(body)) return toReadableStream(body);
  return undefined;
}

/**
 * The portable transport, for runtimes without `node:http` (browsers, workers, Deno, Bun).
 * `fetch` decodes gzip and deflate itself, and cannot turn certificate checks off, nor take a
 * proxy: the runtime's own settings apply.
 */
export function createFetchTransport(fetchImpl: typeof fetch = globalThis.fetch): Transport {
  return {
    async send(request: HttpRequest): Promise<HttpResponse> {
      const body = fetchBody(request.body);
      const res = await fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        body,
        signal: request.signal,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => (headers[key] = value));
      return { status: res.status, statusText: res.statusText, headers, body: chunks(res.body) };
    },
  };
}
