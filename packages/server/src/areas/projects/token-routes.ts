import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { TokensService, type TokenScope } from './tokens-service.ts';

type TokenRequest = FastifyRequest<{ Params: { project_id: string; token_id: string }; Body: unknown }>;
type CreateBody = { name: string; scopes: TokenScope[] };

export function registerProjectTokens(app: FastifyInstance, ctx: AppContext): void {
  const tokens = new TokensService(ctx.store);
  // A live project token authenticates every API call, like an IAM access token.
  ctx.auth.addResolver((bearer) => tokens.resolve(bearer));

  registerOperations(app, ctx, {
    'GET /v2/projects/{project_id}/tokens': async (req: TokenRequest) =>
      tokens.list(req.principal, req.params.project_id),
    'POST /v2/projects/{project_id}/tokens': async (req: TokenRequest, reply) =>
      reply.code(201).send(await tokens.create(req.principal, req.params.project_id, req.body as CreateBody)),
    'DELETE /v2/projects/{project_id}/tokens': async (req: TokenRequest, reply) => {
      await tokens.revokeAll(req.principal, req.params.project_id);
      return reply.code(204).send();
    },
    'GET /v2/projects/{project_id}/tokens/{token_id}': async (req: TokenRequest) =>
      tokens.get(req.principal, req.params.project_id, req.params.token_id),
    'DELETE /v2/projects/{project_id}/tokens/{token_id}': async (req: TokenRequest, reply) => {
      await tokens.revoke(req.principal, req.params.project_id, req.params.token_id);
      return reply.code(204).send();
    },
    'GET /v2/projects/tokens/introspect': async (req: TokenRequest) => tokens.introspect(req.principal),
  });
}
