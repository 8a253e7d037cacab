/** A Node `Readable`, told apart without importing `node:stream` (this module is portable). */
interface NodeReadable {
  setEncoding(encoding: string): unknown;
  on(event: string, listener: (arg: any) => void): unknown;
  readableEnded?: boolean;
}
const isNodeReadable = (body: unknown): body is NodeReadable =>
  typeof (body as NodeReadable).setEncoding === 'function' && typeof (body as NodeReadable).on === 'function';

/**
 * A Node stream read with 'data' events and the stream's own UTF-8 decoder: per response it costs a
 * fraction of the async iterator (and its TextDecoder), which matters on every small JSON answer.
 */
function readNodeText(body: NodeReadable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => (text += chunk));
    body.on('error', reject);
    // 'close' follows 'end' (or an error); closed before its end, the body was cut short.
    body.on('close', () =>
      body.readableEnded
        ? resolve(text)
        : reject(new Error('the response body ended before it was complete')),
    );
  });
}

/** Reads a whole (small) body: for JSON results and error bodies, never for streamed results. */
export function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  return isNodeReadable(body) ? readNodeText(body) : readChunks(body);
}

async function readChunks(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body)
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

const JSON_TYPE = /[/+]json\b/i;
const JSON_START = /^\s*[[{]/;

/** JSON when the content type says so (or the text looks like it), otherwise the text itself. */
export function parseResult(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  const looksJson = contentType ? JSON_TYPE.test(contentType) : JSON_START.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
