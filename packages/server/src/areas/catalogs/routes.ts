import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { CatalogRepository } from './repository.ts';
import { CatalogService, type CatalogCreateBody } from './service.ts';

type Params = { catalog_id: string; member_id: string };
type Page = { limit?: number; bookmark?: string };

const p = (req: FastifyRequest) => req.params as Params;

export function registerCatalogs(app: FastifyInstance, ctx: AppContext): void {
  const catalogs = new CatalogService(ctx, new CatalogRepository(ctx.store));

  registerOperations(app, ctx, {
    'POST /v2/catalogs': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(201).send(await catalogs.create(req.principal, req.body as CatalogCreateBody)),

    'GET /v2/catalogs': async (req: FastifyRequest) => catalogs.list(req.principal, req.query as Page),

    'GET /v2/catalogs/{catalog_id}': async (req: FastifyRequest) =>
      catalogs.get(req.principal, p(req).catalog_id),

    'DELETE /v2/catalogs/{catalog_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await catalogs.delete(req.principal, p(req).catalog_id);
      return reply.code(204).send();
    },

    'GET /v2/catalogs/{catalog_id}/members': async (req: FastifyRequest) =>
      catalogs.listMembers(req.principal, p(req).catalog_id, req.query as Page),

    'POST /v2/catalogs/{catalog_id}/members': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(201).send(await catalogs.addMembers(req.principal, p(req).catalog_id, req.body as any)),

    'GET /v2/catalogs/{catalog_id}/members/{member_id}': async (req: FastifyRequest) =>
      catalogs.getMember(req.principal, p(req).catalog_id, p(req).member_id),

    'PATCH /v2/catalogs/{catalog_id}/members/{member_id}': async (req: FastifyRequest) =>
      catalogs.updateMember(req.principal, p(req).catalog_id, p(req).member_id, req.body as any),

    'DELETE /v2/catalogs/{catalog_id}/members/{member_id}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      await catalogs.removeMember(req.principal, p(req).catalog_id, p(req).member_id);
      return reply.code(204).send();
    },
  });
}
