import { isAsyncIterable, type UploadBody } from './types.ts';

/** `/v2/projects/{project_id}` with `{project_id: 'a b'}` → `/v2/projects/a%20b`. */
export function fillPath(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '')
      throw new Error(`Missing required path parameter: ${name}`);
    return encodeURIComponent(String(value));
  });
}

/** Query parameters; undefined and null are left out, arrays are comma-separated, objects are JSON. */
export function queryString(qs: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(qs)) {
    if (value === undefined || value === null) continue;
    const text = Array.isArray(value)
      ? value.join(',')
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    search.append(key, text);
  }
  const s = search.toString();
  return s ? '?' + s : '';
}

/** `serviceUrl` + `path`, without doubled or missing slashes. */
export function joinUrl(serviceUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  if (!serviceUrl) throw new Error('The service URL is required: set serviceUrl or call setServiceUrl().');
  return serviceUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : '/' + path);
}

export interface EncodedBody {
  body?: UploadBody;
  contentType?: string;
  /** False for streams: they can be sent once only, so such requests are not retried. */
  replayable: boolean;
}

/**
 * The request body: `form` as `application/x-www-form-urlencoded`; strings, bytes and streams as
 * they are; any other value as JSON (or as is, when `contentType` names a non-JSON type).
 */
export function encodeBody(
  body: unknown,
  form: Record<string, unknown> | undefined,
  contentType?: string,
): EncodedBody {
  if (form) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) if (v !== undefined && v !== null) params.append(k, String(v));
    return { body: params.toString(), contentType: 'application/x-www-form-urlencoded', replayable: true };
  }
  if (body === undefined || body === null) return { replayable: true };
  if (typeof body === 'string') return { body, contentType, replayable: true };
  if (body instanceof Uint8Array)
    return { body, contentType: contentType ?? 'application/octet-stream', replayable: true };
  if (body instanceof ArrayBuffer)
    return {
      body: new Uint8Array(body),
      contentType: contentType ?? 'application/octet-stream',
      replayable: true,
    };
  if (isAsyncIterable(body))
    return {
      body: body as UploadBody,
      contentType: contentType ?? 'application/octet-stream',
      replayable: false,
    };
  return { body: JSON.stringify(body), contentType: contentType ?? 'application/json', replayable: true };
}

/** Headers with lower-case names; later sources win; undefined values are left out. */
export function mergeHeaders(...sources: (Record<string, unknown> | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources)
    for (const [k, v] of Object.entries(source ?? {}))
      if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  return out;
}
