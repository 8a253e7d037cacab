import { badRequest } from '../../platform/errors.ts';

/**
 * Opaque page tokens (`bookmark`) of the platform areas: the last key of the previous page, tagged
 * with the list it belongs to, so a token from one list (or query) is refused by another.
 */
export function encodeBookmark(list: string, key: unknown): string {
  return Buffer.from(JSON.stringify({ l: list, k: key })).toString('base64url');
}

/** The key in a bookmark of `list`; undefined when none was given; a 400 naming `param` otherwise. */
export function decodeBookmark<T>(
  list: string,
  token: string | undefined,
  isKey: (k: unknown) => k is T,
  param = 'bookmark',
): T | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      l?: unknown;
      k?: unknown;
    };
    if (value && value.l === list && isKey(value.k)) return value.k;
  } catch {
    /* the 400 below */
  }
  throw badRequest(`Invalid ${param}: '${token.slice(0, 100)}' is not a bookmark this list returned.`, {
    parameters: [param],
  });
}

export const isString = (k: unknown): k is string => typeof k === 'string' && k.length > 0;
export const isStringPair = (k: unknown): k is [string, string] =>
  Array.isArray(k) && k.length === 2 && k.every((x) => typeof x === 'string');
