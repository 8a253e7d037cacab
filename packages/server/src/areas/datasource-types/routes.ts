import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operation } from 'fast-json-patch';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { datasourceTypesOf } from './registry.ts';
import type { TypeCreateBody, TypeListQuery, TypeView } from './service.ts';

const typeParam = (req: FastifyRequest) => (req.params as { datasource_type: string }).datasource_type;

export function registerDatasourceTypes(app: FastifyInstance, ctx: AppContext): void {
  const types = datasourceTypesOf(ctx);

  registerOperations(app, ctx, {
    'GET /v2/datasource_types': async (req: FastifyRequest) =>
      types.list(req.principal, req.query as TypeListQuery),

    'POST /v2/datasource_types': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(201).send(await types.create(req.principal, (req.body ?? {}) as TypeCreateBody)),

    'GET /v2/datasource_types/{datasource_type}': async (req: FastifyRequest) =>
      types.get(req.principal, typeParam(req), req.query as TypeView),

    'DELETE /v2/datasource_types/{datasource_type}': async (req: FastifyRequest, reply: FastifyReply) => {
      await types.delete(req.principal, typeParam(req));
      return reply.code(204).send();
    },

    'PATCH /v2/datasource_types/{datasource_type}': async (req: FastifyRequest) =>
      types.update(req.principal, typeParam(req), req.body as Operation[]),
  });
}
