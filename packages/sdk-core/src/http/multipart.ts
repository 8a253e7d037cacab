import { isAsyncIterable, type UploadBody } from './types.ts';

/** A file part of a `multipart/form-data` body, in the shape IBM's generated code passes. */
export interface FormFile {
  data: UploadBody | ArrayBuffer;
  filename?: string;
  contentType?: string;
}

export interface MultipartBody {
  body: AsyncIterable<Uint8Array>;
  contentType: string;
  /** False when a part is a stream: it can be read once only. */
  replayable: boolean;
}

const encoder = new TextEncoder();
const isFile = (v: unknown): v is FormFile =>
  typeof v === 'object' && v !== null && 'data' in v && !Array.isArray(v);

/** Form field values: arrays comma-separated (as the API reads its list fields), objects as JSON. */
function fieldText(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const quoted = (s: string) => s.replace(/[\r\n"]/g, (c) => encodeURIComponent(c));

/**
 * Encodes `fields` as `multipart/form-data`, streaming: file parts are passed through chunk by
 * chunk, never gathered, so a body of any size costs the memory of one chunk. Undefined and null
 * fields are left out.
 */
export function encodeMultipart(fields: Record<string, unknown>): MultipartBody {
  const boundary = `----sdk-core-${crypto.randomUUID()}`;
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined && v !== null);
  const replayable = !entries.some(([, v]) => isFile(v) && isAsyncIterable(v.data));
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const [name, value] of entries) {
      if (isFile(value)) {
        const type = value.contentType ?? 'application/octet-stream';
        yield encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"; filename="${quoted(value.filename ?? name)}"\r\nContent-Type: ${type}\r\n\r\n`,
        );
        const data = value.data;
        if (typeof data === 'string') yield encoder.encode(data);
        else if (data instanceof Uint8Array) yield data;
        else if (data instanceof ArrayBuffer) yield new Uint8Array(data);
        else for await (const chunk of data) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
        yield encoder.encode('\r\n');
      } else {
        yield encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${fieldText(value)}\r\n`,
        );
      }
    }
    yield encoder.encode(`--${boundary}--\r\n`);
  }
  // A replayable body must be readable once per attempt: hand out a fresh generator each time.
  return {
    body: { [Symbol.asyncIterator]: () => body() },
    contentType: `multipart/form-data; boundary=${boundary}`,
    replayable,
  };
}
