import { badRequest } from '../../platform/errors.ts';
import type { RequestScope } from './http.ts';

/** Page size bounds of the service's lists: 1 to 100, 50 when left out. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

export interface PageQuery {
  limit?: number;
  start?: string;
}

export function pageLimit(value: number | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw badRequest(`Invalid query parameter 'limit': must be an integer from 1 to ${MAX_LIMIT}.`, {
      code: 'invalid_request',
      target: { type: 'parameter', name: 'limit' },
    });
  }
  return value;
}

/**
 * `start` tokens are opaque: the last name of the previous page, tagged with the list it belongs to
 * so a token of one list is refused by another.
 */
export function encodeStart(list: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ l: list, k: lastKey })).toString('base64url');
}

export function decodeStart(list: string, token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object') {
      const { l, k } = value as { l?: unknown; k?: unknown };
      if (l === list && typeof k === 'string' && k.length > 0) return k;
    }
  } catch {
    /* fall through to the 400 below */
  }
  throw badRequest(`Invalid query parameter 'start': '${token}' is not a token this list returned.`, {
    code: 'invalid_request',
    target: { type: 'parameter', name: 'start' },
  });
}

/**
 * A list body: `{[itemsField]: items, limit, first: {href}, next?: {href, start}}`. The links keep
 * the request's own query (filters, version) with the effective `limit`.
 */
export function listBody<T>(
  scope: RequestScope,
  list: string,
  itemsField: string,
  page: { items: T[]; more: boolean },
  limit: number,
  lastKey: (item: T) => string,
): Record<string, unknown> {
  const query = new URLSearchParams(scope.query);
  query.delete('start');
  query.set('limit', String(limit));
  const href = (q: URLSearchParams) => `${scope.origin}${scope.path}?${q.toString()}`;
  const body: Record<string, unknown> = { [itemsField]: page.items, limit, first: { href: href(query) } };
  const last = page.items.at(-1);
  if (page.more && last !== undefined) {
    const start = encodeStart(list, lastKey(last));
    const next = new URLSearchParams(query);
    next.set('start', start);
    body.next = { href: href(next), start };
  }
  return body;
}
