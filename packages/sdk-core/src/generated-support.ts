// Helpers every generated service calls: one copy here instead of one per generated file.
import type { PageFetcher } from './pagination/pager.ts';
import type { PaginationScheme } from './pagination/schemes.ts';

/** IBM's parameter check: required parameters present, no unknown ones. */
export function checkParams(
  params: Record<string, any>,
  required: string[],
  valid: string[],
): Error | undefined {
  // Plain loops first: this runs on every call, and they allocate nothing when all is well.
  for (const name of required)
    if (params[name] === undefined || params[name] === null) {
      const missing = required.filter((n) => params[n] === undefined || params[n] === null);
      return new Error(`Missing required parameters: ${missing.join(', ')}`);
    }
  for (const name in params)
    if (!valid.includes(name)) {
      const invalid = Object.keys(params).filter((n) => !valid.includes(n));
      return new Error(`Found invalid parameters: ${invalid.join(', ')}`);
    }
  return undefined;
}

/** One page per call of `list`, starting from `params`; the scheme's token parameter belongs to the pager. */
export function pageFetcher<T, P extends Record<string, any>>(
  list: (params: P) => Promise<{ result: any }>,
  params: P,
  itemsField: string,
  scheme: PaginationScheme,
): PageFetcher<T> {
  if (params[scheme.param] !== undefined && scheme.param !== 'offset')
    throw new Error(`the params.${scheme.param} field should not be set: the pager manages it`);
  return async (token) => {
    const call = token === undefined ? params : { ...params, [scheme.param]: token };
    const { result } = await list(call);
    const items: T[] = result?.[itemsField] ?? [];
    return { items, next: scheme.next(result, call, items) };
  };
}

/** The fields of an optional body, or no body at all when none of them is given. */
export function bodyIfAny<T extends Record<string, unknown>>(fields: T): T | undefined {
  for (const name in fields) if (fields[name] !== undefined) return fields;
  return undefined;
}
