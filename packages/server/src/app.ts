import crypto from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import Ajv from 'ajv';
import type { ServerConfig } from './platform/config.ts';
import { CODE_ENGINE_CONTRACT_FILE, Contract, OPTIONAL_BODY } from './platform/contract.ts';
import type { AppContext } from './platform/context.ts';
import { openStore } from './store/db.ts';
import { migrateToLatest } from './store/migrations.ts';
import { TokenService } from './platform/auth/tokens.ts';
import { UserDirectory } from './platform/auth/users.ts';
import { Authenticator } from './platform/auth/authenticator.ts';
import { registerIamRoutes } from './platform/auth/iam-routes.ts';
import { registerAdminRoutes } from './platform/auth/admin-routes.ts';
import { frameworkErrorHandler, installHttpHooks } from './platform/http-hooks.ts';
import { ApiError } from './platform/errors.ts';
import { installMetrics } from './platform/metrics.ts';
import { installShutdown } from './platform/shutdown.ts';
import { registerDocsAndHealth } from './platform/docs-routes.ts';
import { registerAreas } from './areas/index.ts';
import { SecretBox } from './platform/secret-box.ts';

export interface BuiltServer {
  app: FastifyInstance;
  ctx: AppContext;
  /** Set when this start created the administrator with a generated key: show it once. */
  generatedAdminKey?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Two validators: query/path/header values arrive as text and are coerced; bodies are not. */
function validatorCompiler() {
  const base = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false } as const;
  const coercing = new Ajv({ ...base, coerceTypes: 'array' });
  const exact = new Ajv({ ...base, coerceTypes: false });
  for (const ajv of [coercing, exact]) {
    ajv.addFormat('date-time', true).addFormat('uri', true).addFormat('email', true).addFormat('uuid', true);
  }
  return ({ schema, httpPart }: { schema: any; httpPart?: string }) => {
    if (httpPart !== 'body') return coercing.compile(schema);
    const validate = exact.compile(schema);
    if (schema.$comment !== OPTIONAL_BODY) return validate;
    const optional = (data: unknown) => {
      // Fastify validates a missing body as null; a JSON `null` body is refused before (preValidation).
      if (data === undefined || data === null) return true;
      const ok = validate(data);
      optional.errors = validate.errors;
      return ok;
    };
    optional.errors = null as typeof validate.errors;
    return optional;
  };
}

/** Composes the server: platform first, then every API area. No logic of its own. */
export async function buildServer(config: ServerConfig): Promise<BuiltServer> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req) => {
      const given = req.headers['x-request-id'] ?? req.headers['x-global-transaction-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    frameworkErrors: frameworkErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler());
  // JSON Patch bodies are JSON; parse them with Fastify's own (prototype-poisoning safe) parser.
  app.addContentTypeParser(
    ['application/json-patch+json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  await app.register(formbody);
  // Fastify validates a missing body as `null`, like a JSON "null" body; no operation takes the latter.
  // A callback hook, not an async one: it runs on every request, and a promise per request shows.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body === null && req.headers['content-type'] !== undefined) {
      done(new ApiError(400, 'Invalid request body: must not be null.'));
    } else {
      done();
    }
  });

  const store = openStore(config);
  await migrateToLatest(store.db, store.dialect === 'postgres' ? config.databaseSchema : undefined);
  const users = new UserDirectory(store);
  const tokens = await TokenService.create(store, {
    signingKey: config.tokenSigningKey,
    accessTtl: config.tokenTtlSeconds,
    refreshTtl: config.refreshTtlSeconds,
  });
  const ctx: AppContext = {
    config,
    contract: Contract.load(),
    codeEngineContract: Contract.load(CODE_ENGINE_CONTRACT_FILE),
    store,
    users,
    tokens,
    auth: new Authenticator(tokens, users),
    secrets: SecretBox.fromEnvironment(config.dataDir),
    log: app.log,
  };
  const { generatedKey } = await users.ensureAdmin(config.adminUsername, config.adminApiKey);

  installHttpHooks(app, ctx);
  installShutdown(app, config.shutdownGraceMs);
  installMetrics(app);
  registerDocsAndHealth(app, ctx);
  registerIamRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerAreas(app, ctx);

  app.addHook('onClose', async () => store.close());
  return { app, ctx, generatedAdminKey: generatedKey };
}
