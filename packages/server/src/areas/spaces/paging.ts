import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { badRequest } from '../../platform/errors.ts';

/** One page of a list: the body without its links, and the key the next page starts after. */
export interface Page {
  body: Record<string, unknown>;
  nextKey?: string;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 200;

/** `limit` as the seed documents it: 1 to 200, default 100. */
export function pageLimit(value: number | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw badRequest(`Invalid query parameter 'limit': must be an integer from 1 to ${MAX_LIMIT}.`, {
      parameters: ['limit'],
    });
  }
  return value;
}

/**
 * `start` tokens are opaque to clients: the last key of the previous page, tagged with the list it
 * belongs to so a token from one list is refused by another.
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
    parameters: ['start'],
  });
}

function baseUrl(req: FastifyRequest, ctx: AppContext): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.host}`;
}

/** `first` and `next` links: the request's own query without `start`, plus `start` for the next page. */
export function pageLinks(
  req: FastifyRequest,
  ctx: AppContext,
  nextKey: string | undefined,
  list: string,
): { first: { href: string }; next?: { href: string } } {
  const [path, search = ''] = req.url.split('?', 2);
  const query = new URLSearchParams(search);
  query.delete('start');
  const href = (q: URLSearchParams) => {
    const text = q.toString();
    return `${baseUrl(req, ctx)}${path}${text ? `?${text}` : ''}`;
  };
  const links: { first: { href: string }; next?: { href: string } } = { first: { href: href(query) } };
  if (nextKey !== undefined) {
    const next = new URLSearchParams(query);
    next.set('start', encodeStart(list, nextKey));
    links.next = { href: href(next) };
  }
  return links;
}
