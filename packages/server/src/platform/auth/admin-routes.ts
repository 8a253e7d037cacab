import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { ApiError, conflict, forbidden, notFound } from '../errors.ts';

const api = { area: 'admin', errorFormat: 'spaces' as const, auth: true };

function requireAdmin(req: FastifyRequest): void {
  if (!req.principal.isAdmin || req.principal.kind !== 'user') {
    throw forbidden('Only a server administrator may manage users and API keys.');
  }
}

/**
 * A small administration API for the IAM stand-in: users and their API keys.
 * (`npm run admin -- ...` does the same from a shell.)
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin/v1/users', { config: { api: { ...api, operationId: 'adminListUsers' } } }, async (req) => {
    requireAdmin(req);
    return { resources: await ctx.users.listUsers() };
  });

  app.post(
    '/admin/v1/users',
    {
      config: { api: { ...api, operationId: 'adminCreateUser' } },
      schema: {
        body: {
          type: 'object',
          required: ['username'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', pattern: '^[A-Za-z0-9._%+@-]{1,100}$' },
            display_name: { type: 'string', minLength: 1, maxLength: 200 },
            admin: { type: 'boolean' },
            create_apikey: { type: 'boolean', default: true },
          },
        },
      },
    },
    async (req, reply) => {
      requireAdmin(req);
      const body = req.body as {
        username: string;
        display_name?: string;
        admin?: boolean;
        create_apikey: boolean;
      };
      if (await ctx.users.findUser({ username: body.username })) {
        throw conflict(`A user named ${body.username} already exists.`);
      }
      const user = await ctx.users.createUser({
        username: body.username,
        displayName: body.display_name,
        isAdmin: body.admin,
      });
      const key = body.create_apikey ? await ctx.users.createApiKey(user.id, 'initial') : undefined;
      reply.code(201);
      return { ...user, ...(key ? { apikey: key.apikey, apikey_id: key.id } : {}) };
    },
  );

  app.post(
    '/admin/v1/users/:user_id/apikeys',
    {
      config: { api: { ...api, operationId: 'adminCreateApiKey' } },
      schema: {
        params: { type: 'object', properties: { user_id: { type: 'string', maxLength: 100 } } },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (req, reply) => {
      requireAdmin(req);
      const { user_id } = req.params as { user_id: string };
      const user =
        (await ctx.users.findUser({ id: user_id })) ?? (await ctx.users.findUser({ iamId: user_id }));
      if (!user) throw notFound(`User ${user_id} does not exist.`, { parameters: [user_id] });
      const key = await ctx.users.createApiKey(user.id, (req.body as { name?: string })?.name ?? 'apikey');
      reply.code(201);
      return { id: key.id, apikey: key.apikey, user_id: user.id, iam_id: user.iam_id };
    },
  );

  app.delete(
    '/admin/v1/apikeys/:apikey_id',
    {
      config: { api: { ...api, operationId: 'adminRevokeApiKey' } },
      schema: { params: { type: 'object', properties: { apikey_id: { type: 'string', maxLength: 100 } } } },
    },
    async (req, reply) => {
      requireAdmin(req);
      const { apikey_id } = req.params as { apikey_id: string };
      if (!(await ctx.users.revokeApiKey(apikey_id))) {
        throw new ApiError(404, `API key ${apikey_id} does not exist or is already revoked.`, {
          parameters: [apikey_id],
        });
      }
      ctx.auth.forgetApiKey(apikey_id);
      reply.code(204);
    },
  );
}
