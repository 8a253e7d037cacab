import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { badRequest } from '../../platform/errors.ts';
import { registerOperations, type OperationHandler } from '../../platform/operations.ts';

/** Where Code Engine v2 is mounted. */
export const BASE_PATH = '/codeengine/v2';

/** Who calls and from where: what services need of a request. */
export interface RequestScope {
  /** The IAM user; Code Engine projects belong to the user who created them. */
  userId: string;
  /** The account the user's resources are billed to: stable per user. */
  accountId: string;
  /** `http://host:port` (or PUBLIC_URL) for hrefs. */
  origin: string;
  /** Request path without query, e.g. `/codeengine/v2/projects`. */
  path: string;
  /** Request query string without `?`. */
  query: string;
}

/** A 32-hex account id per user, as IBM Cloud account ids look. */
export function accountIdOf(userId: string): string {
  return crypto.createHash('sha256').update(`account:${userId}`).digest('hex').slice(0, 32);
}

export function scopeOf(req: FastifyRequest, ctx: AppContext): RequestScope {
  const [path, query = ''] = req.url.split('?', 2);
  const origin = ctx.config.publicUrl
    ? ctx.config.publicUrl.replace(/\/+$/, '')
    : `${req.protocol}://${req.host}`;
  return { userId: req.principal.userId, accountId: accountIdOf(req.principal.userId), origin, path, query };
}

/** `href` of a resource: `origin + /codeengine/v2 + path`. */
export const hrefOf = (scope: RequestScope, path: string) => `${scope.origin}${BASE_PATH}${path}`;

/**
 * The contract's pattern already bounds `version` to its documented range by its digits; this
 * refuses the dates that pattern lets through but no calendar has (2024-02-30).
 */
function checkVersion(req: FastifyRequest): void {
  const version = (req.query as { version?: unknown } | undefined)?.version;
  if (typeof version !== 'string') return;
  const date = new Date(`${version}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== version) {
    throw badRequest(`Invalid query parameter 'version': '${version}' is not a date (YYYY-MM-DD).`, {
      code: 'invalid_request',
      target: { type: 'parameter', name: 'version' },
    });
  }
}

/** The first string inside `value` (keys included) that holds a NUL character, by its path. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return at;
    const found = nulPath(item, at);
    if (found) return found;
  }
  return undefined;
}

/**
 * No name, value or field of this API may hold a NUL character, and PostgreSQL cannot store one
 * in text: refuse it up front (400) rather than fail in the database.
 */
function refuseNul(req: FastifyRequest): void {
  const parts = [
    ['params', 'parameter'],
    ['query', 'parameter'],
    ['body', 'field'],
  ] as const;
  for (const [part, type] of parts) {
    const name = nulPath(req[part], '');
    if (name !== undefined) {
      throw badRequest(`Invalid ${type} '${name || part}': it contains a NUL character.`, {
        code: 'invalid_request',
        target: { type, name: name || part },
      });
    }
  }
}

/** Registers Code Engine operations: keys as in the Code Engine contract, errors in its body. */
export function registerCodeEngineOperations(
  app: FastifyInstance,
  ctx: AppContext,
  handlers: Record<string, OperationHandler>,
): void {
  const checked = Object.fromEntries(
    Object.entries(handlers).map(([key, handler]) => [
      key,
      async (req: FastifyRequest, reply: FastifyReply) => {
        refuseNul(req);
        checkVersion(req);
        return handler(req, reply);
      },
    ]),
  );
  registerOperations(app, ctx, checked, {
    contract: ctx.codeEngineContract,
    prefix: BASE_PATH,
    errorFormat: 'codeengine',
  });
}

/** Sends a resource with its `ETag` header (its entity tag). */
export function sendWithTag(reply: FastifyReply, status: number, body: { entity_tag?: string }) {
  if (body.entity_tag) reply.header('etag', body.entity_tag);
  return reply.code(status).send(body);
}
