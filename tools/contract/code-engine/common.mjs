// Shared pieces of the Code Engine v2 contract.
//
// Dialect rules (same as the common core contract): only JSON Schema draft-07
// keywords inside schemas (Fastify's Ajv), no `example`/`x-*`/`discriminator`
// inside schemas, no `nullable`, `$ref` only to #/components/schemas/...,
// no recursive schemas.

/** `$ref` to a component schema. */
export const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

export const str = (extra = {}) => ({ type: 'string', ...extra });
export const bool = (extra = {}) => ({ type: 'boolean', ...extra });
export const int = (extra = {}) => ({ type: 'integer', ...extra });
export const arr = (items, extra = {}) => ({ type: 'array', items, ...extra });

/** Object schema; `description` first, then required, properties and the rest. */
export function obj(properties, required = [], extra = {}) {
  const s = { type: 'object' };
  if (extra.description) s.description = extra.description;
  if (required.length) s.required = required;
  s.properties = properties;
  for (const [k, v] of Object.entries(extra)) if (k !== 'description') s[k] = v;
  return s;
}

/**
 * Key/value rules the reference gives for config map, secret and storage
 * data: keys of letters, digits, `.`, `_` and `-` up to 253 characters,
 * string values up to 1048576 characters.
 */
export const DATA_KEY_PATTERN = '^[A-Za-z0-9._-]+$';
export const dataMapKeywords = () => ({
  propertyNames: { pattern: DATA_KEY_PATTERN, maxLength: 253 },
  additionalProperties: { type: 'string', maxLength: 1048576 },
});
export const stringMap = (description) => obj({}, [], { description, ...dataMapKeywords() });

// ---------------------------------------------------------------- errors

/** Code Engine's error body, on every 4xx and 5xx response. */
export const CodeEngineError = obj(
  {
    errors: arr(
      obj(
        {
          code: str({ description: 'Error code, e.g. not_found or invalid_request.' }),
          message: str(),
          more_info: str({ description: 'Link to documentation about the error.' }),
          target: obj(
            {
              type: str({ description: 'Kind of the target: field, parameter or header.' }),
              name: str({ description: 'Name of the field, parameter or header at fault.' }),
            },
            [],
            { description: 'What the error is about, when it is about one input.' },
          ),
        },
        ['code', 'message'],
      ),
      { minItems: 1 },
    ),
    status_code: int({ minimum: 400, maximum: 599, description: 'HTTP status code of the response.' }),
    trace: str({ description: 'Id of the request, for support.' }),
  },
  ['errors', 'status_code', 'trace'],
  { description: 'Error body of the Code Engine API.' },
);

/** Reason phrases of the error statuses the contract documents. */
export const ERROR_STATUS_TEXT = {
  400: 'Bad request: a parameter or the body is not valid',
  401: 'Unauthorized: no valid IAM bearer token',
  403: 'Forbidden: the caller may not do this',
  404: 'Not found: the project or resource does not exist',
  409: 'Conflict: a resource of this name already exists',
  412: 'Precondition failed: If-Match does not match the current entity tag',
  500: 'Internal server error',
};

// ---------------------------------------------------------------- version

/**
 * Regular expression matching the strings s of the same shape as `lo` and
 * `hi` (digits, with `-` at the same places) with lo <= s <= hi in text
 * order. For YYYY-MM-DD dates text order is date order.
 */
export function textRangePattern(lo, hi) {
  if (lo.length !== hi.length) throw new Error('range ends differ in length');
  const lit = (c) => (c === '-' ? '-' : c);
  const anyOf = (c) => (c === '-' ? '-' : '[0-9]');
  const digitRange = (a, b) => (a === b ? String(a) : `[${a}-${b}]`);
  // s >= x, same shape
  const geq = (x) => {
    if (!x.length) return '';
    if (x[0] === '-') return '-' + geq(x.slice(1));
    const d = Number(x[0]);
    const alts = [lit(x[0]) + geq(x.slice(1))];
    if (d < 9) alts.push(digitRange(d + 1, 9) + [...x.slice(1)].map(anyOf).join(''));
    return alts.length === 1 ? alts[0] : `(?:${alts.join('|')})`;
  };
  // s <= x, same shape
  const leq = (x) => {
    if (!x.length) return '';
    if (x[0] === '-') return '-' + leq(x.slice(1));
    const d = Number(x[0]);
    const alts = [lit(x[0]) + leq(x.slice(1))];
    if (d > 0) alts.push(digitRange(0, d - 1) + [...x.slice(1)].map(anyOf).join(''));
    return alts.length === 1 ? alts[0] : `(?:${alts.join('|')})`;
  };
  const between = (a, b) => {
    if (!a.length) return '';
    if (a[0] === b[0]) return lit(a[0]) + between(a.slice(1), b.slice(1));
    const da = Number(a[0]);
    const db = Number(b[0]);
    if (da > db) throw new Error(`empty range ${lo}..${hi}`);
    const alts = [lit(a[0]) + geq(a.slice(1))];
    if (db - da > 1) alts.push(digitRange(da + 1, db - 1) + [...a.slice(1)].map(anyOf).join(''));
    alts.push(lit(b[0]) + leq(b.slice(1)));
    return `(?:${alts.join('|')})`;
  };
  return between(lo, hi);
}

/** YYYY-MM-DD with a real month (01-12) and day (01-31), between min and max. */
export function datePattern(min, max) {
  const shape = '[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])';
  return `^(?=${shape}$)${textRangePattern(min, max)}$`;
}
