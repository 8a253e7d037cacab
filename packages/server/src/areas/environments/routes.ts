import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { SoftwareSpecificationService } from '../software-specifications/service.ts';
import { scopeOf } from './scope.ts';
import { EnvironmentService, type EnvironmentCreateBody, type EnvironmentFilter } from './service.ts';

const id = (req: FastifyRequest) => (req.params as { environment_guid: string }).environment_guid;

export function registerEnvironments(app: FastifyInstance, ctx: AppContext): void {
  const environments = new EnvironmentService(ctx, new SoftwareSpecificationService(ctx));
  registerOperations(app, ctx, {
    'GET /v2/environments': async (req: FastifyRequest) =>
      environments.list(req.principal, scopeOf(req.query, false), req.query as EnvironmentFilter),

    'POST /v2/environments': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(
          await environments.create(
            req.principal,
            scopeOf(req.query, true),
            req.body as EnvironmentCreateBody,
          ),
        ),

    'GET /v2/environments/{environment_guid}': async (req: FastifyRequest) =>
      environments.get(
        req.principal,
        scopeOf(req.query, false),
        id(req),
        (req.query as { include_conda_yml?: boolean }).include_conda_yml === true,
      ),

    'PATCH /v2/environments/{environment_guid}': async (req: FastifyRequest) =>
      environments.update(
        req.principal,
        scopeOf(req.query, true),
        id(req),
        req.body as Record<string, unknown>,
      ),

    'DELETE /v2/environments/{environment_guid}': async (req: FastifyRequest, reply: FastifyReply) => {
      await environments.delete(req.principal, scopeOf(req.query, true), id(req));
      return reply.code(204).send();
    },
  });
}
