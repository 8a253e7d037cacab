import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { ApiError, errorBody, errorFormatOfUrl, type ErrorFormat } from './errors.ts';
import { RateLimiter } from './rate-limit.ts';
import type { RouteConfig } from './operations.ts';
import type { Principal } from './auth/principal.ts';

const PART_NAMES: Record<string, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
  body: 'request body field',
};

/** Turns Ajv's findings into one sentence that names the parameter or field at fault. */
function describeValidation(err: FastifyError): { message: string; name: string; part: string } {
  const part = err.validationContext ?? 'body';
  const first = err.validation?.[0] as any;
  const path = String(first?.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .join('.');
  const missing = first?.params?.missingProperty as string | undefined;
  const extra = first?.params?.additionalProperty as string | undefined;
  const name = [path, missing ?? extra].filter(Boolean).join('.');
  const kind = PART_NAMES[part] ?? part;
  let detail = first?.message ?? 'is invalid';
  if (first?.keyword === 'enum') detail = `must be one of: ${(first.params.allowedValues ?? []).join(', ')}`;
  if (first?.keyword === 'pattern') detail = `must match ${first.params.pattern}`;
  if (missing) return { message: `Missing required ${kind} '${name}'.`, name, part };
  if (extra) return { message: `Unknown ${kind} '${name}'.`, name, part };
  if (!name && part === 'body') return { message: `Invalid request body: ${detail}.`, name: 'body', part };
  return { message: `Invalid ${kind} '${name}': ${detail}.`, name, part };
}

function formatOf(req: FastifyRequest): ErrorFormat {
  return req.routeOptions?.config?.api?.errorFormat ?? errorFormatOfUrl(req.url);
}

/** Errors the router raises before any route matches (a malformed or over-long URL). */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const message =
    status === 414 ? 'A path parameter is longer than the server accepts.' : 'The request URL is malformed.';
  reply
    .code(status)
    .header('x-request-id', req.id)
    .send(errorBody(errorFormatOfUrl(req.url), status, new ApiError(status, message), String(req.id)));
}

/** Request ids, authentication, rate limits, and every error in its area's body format. */
export function installHttpHooks(app: FastifyInstance, ctx: AppContext): void {
  const limiter = new RateLimiter(ctx.config.rateLimits);

  const admit = (req: FastifyRequest, reply: FastifyReply, principal: Principal, api: RouteConfig) => {
    req.principal = principal;
    if (principal.kind === 'project_token' && !api.projectTokens) {
      throw new ApiError(403, 'A project token can only call operations of its own project.');
    }
    if (api.rateCategory) {
      const headers = limiter.take(principal, api.rateCategory);
      if (headers) reply.headers(headers);
    }
  };
  // A callback hook: a token verified moments ago is admitted without a promise (most requests).
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    const api = req.routeOptions.config?.api;
    if (!api?.auth) return done();
    const known = ctx.auth.known(req.headers.authorization);
    if (known) {
      try {
        admit(req, reply, known, api);
      } catch (err) {
        return done(err as Error);
      }
      return done();
    }
    ctx.auth
      .authenticate(req.headers.authorization)
      .then((principal) => admit(req, reply, principal, api))
      .then(() => done(), done);
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    let apiError: ApiError;
    if (err instanceof ApiError) {
      apiError = err;
    } else if (err.validation) {
      const { message, name, part } = describeValidation(err);
      apiError = new ApiError(400, message, {
        parameters: [name],
        target: { type: part === 'body' ? 'field' : part === 'headers' ? 'header' : 'parameter', name },
      });
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, body too large, unsupported media type.
      apiError = new ApiError(err.statusCode, err.message);
    } else {
      req.log.error({ err }, 'unhandled error');
      apiError = new ApiError(500, 'The server could not complete the request; the error was logged.');
    }
    reply
      .code(apiError.status)
      .headers(apiError.headers)
      .send(errorBody(formatOf(req), apiError.status, apiError, String(req.id)));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.header('x-request-id', req.id);
    const error = new ApiError(404, `No operation matches ${req.method} ${req.url.split('?')[0]}.`);
    reply.code(404).send(errorBody(errorFormatOfUrl(req.url), 404, error, String(req.id)));
  });
}
