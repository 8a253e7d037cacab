import { Pager, type Page } from './pager.ts';

/** A call of a list operation with its query parameters, answering `{ result }` like every SDK method. */
export type ListCall<P> = (params: P) => Promise<{ result: any }>;

/**
 * How an API pages: the parameter that carries the token, and how to find the next token in a
 * result (given the parameters that produced it and its items).
 */
export interface PaginationScheme {
  param: string;
  next(result: any, params: Record<string, any>, items: unknown[]): string | number | undefined;
}

/** The `start` query parameter of a `next.href` URL (absolute or relative). */
export function startFromHref(href: unknown, param = 'start'): string | undefined {
  if (typeof href !== 'string' || !href) return undefined;
  try {
    return new URL(href, 'http://relative.invalid').searchParams.get(param) ?? undefined;
  } catch {
    return undefined;
  }
}

const nonEmpty = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Projects: the result's `bookmark` goes back as the `bookmark` query parameter. */
export const bookmarkScheme: PaginationScheme = { param: 'bookmark', next: (r) => nonEmpty(r?.bookmark) };

/** Spaces, exports, connections, Code Engine: `next: { href }` carries the `start` token. */
export const nextHrefStartScheme: PaginationScheme = {
  param: 'start',
  next: (r) => startFromHref(r?.next?.href) ?? nonEmpty(r?.next?.start),
};

/** Jobs: the result's `next` token goes back as the `next` query parameter. */
export const nextTokenScheme: PaginationScheme = {
  param: 'next',
  next: (r) => nonEmpty(r?.next) ?? startFromHref(r?.next?.href, 'next'),
};

/**
 * Offset and limit (datasource types, discovery): the next offset is this one plus the items
 * received, until a short page or the `total_count` (or `total`) is reached.
 */
export function offsetLimitScheme(
  options: { offsetParam?: string; limitParam?: string } = {},
): PaginationScheme {
  const offsetParam = options.offsetParam ?? 'offset';
  const limitParam = options.limitParam ?? 'limit';
  return {
    param: offsetParam,
    next(r, params, items) {
      const offset = Number(params[offsetParam] ?? 0) + items.length;
      const total = Number(r?.total_count ?? r?.total_results ?? r?.total_rows ?? r?.total);
      if (Number.isFinite(total)) return offset < total ? offset : undefined;
      const limit = Number(params[limitParam]);
      return Number.isFinite(limit) && items.length < limit ? undefined : offset;
    },
  };
}

/** Log pages: one page of `results` lines, followed by the `next` token when the API gives one. */
export const logPageScheme: PaginationScheme = {
  param: 'next',
  next: (r) => nonEmpty(r?.next) ?? startFromHref(r?.next?.href, 'next'),
};

/**
 * A pager over a list operation: calls `list` with `params` plus the scheme's token, and reads the
 * items from the result's `itemsField` (a function for nested or computed items).
 */
export function createPager<T, P extends Record<string, any>>(
  list: ListCall<P>,
  params: P,
  itemsField: string | ((result: any) => T[]),
  scheme: PaginationScheme,
): Pager<T> {
  if (params[scheme.param] !== undefined && scheme.param !== 'offset')
    throw new Error(`The "${scheme.param}" parameter is managed by the pager; leave it out.`);
  const itemsOf = typeof itemsField === 'function' ? itemsField : (r: any) => (r?.[itemsField] ?? []) as T[];
  return new Pager<T>(async (token): Promise<Page<T>> => {
    const call = token === undefined ? params : { ...params, [scheme.param]: token };
    const { result } = await list(call);
    const items = itemsOf(result);
    return { items, next: scheme.next(result, call, items) };
  });
}
