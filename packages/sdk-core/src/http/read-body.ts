/** Reads a whole (small) body: for JSON results and error bodies, never for streamed results. */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body)
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** JSON when the content type says so (or the text looks like it), otherwise the text itself. */
export function parseResult(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  const looksJson = /[/+]json\b/i.test(contentType ?? '') || (!contentType && /^\s*[[{]/.test(text));
  if (!looksJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
