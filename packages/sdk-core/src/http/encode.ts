import { isAsyncIterable, type UploadBody } from './types.ts';

/** Each template split once: its literal parts (even places) and parameter names (odd places). */
const templates = new Map<string, string[]>();

/** `/v2/projects/{project_id}` with `{project_id: 'a b'}` → `/v2/projects/a%20b`. */
export function fillPath(template: string, params: Record<string, unknown> = {}): string {
  if (!template.includes('{')) return template;
  let parts = templates.get(template);
  if (!parts) {
    // Bounded, in case callers build templates at run time: the generated ones are a few hundred.
    if (templates.size >= 1000) templates.clear();
    templates.set(template, (parts = template.split(/\{([^}]+)\}/)));
  }
  let path = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const value = params[parts[i]];
    if (value === undefined || value === null || value === '')
      throw new Error(`Missing required path parameter: ${parts[i]}`);
    path += encodeURIComponent(typeof value === 'string' ? value : String(value)) + parts[i + 1];
  }
  return path;
}

/** Query parameters; undefined and null are left out, arrays are comma-separated, objects are JSON. */
export function queryString(qs?: Record<string, unknown>): string {
  // Created only for a value to send: most calls have none (or only unset optional ones).
  let search: URLSearchParams | undefined;
  for (const key in qs) {
    const value = qs[key];
    if (value === undefined || value === null) continue;
    const text = Array.isArray(value)
      ? value.join(',')
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    (search ??= new URLSearchParams()).append(key, text);
  }
  return search ? '?' + search.toString() : '';
}

/** `serviceUrl` + `path`, without doubled or missing slashes. */
export function joinUrl(serviceUrl: string, path: string): string {
  // Operation paths start with '/': the regular expression runs only for others.
  if (path.charCodeAt(0) !== 47 && /^https?:\/\//i.test(path)) return path;
  if (!serviceUrl) throw new Error('The service URL is required: set serviceUrl or call setServiceUrl().');
  // Services keep their URL without a trailing slash: the regular expression runs only for others.
  const base = serviceUrl.endsWith('/') ? serviceUrl.replace(/\/+$/, '') : serviceUrl;
  return base + (path.startsWith('/') ? path : '/' + path);
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
    for (const k in source) {
      const v = source[k];
      if (v !== undefined && v !== null) out[k.toLowerCase()] = typeof v === 'string' ? v : String(v);
    }
  return out;
}
