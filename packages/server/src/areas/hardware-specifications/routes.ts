import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { scopeOf } from '../environments/scope.ts';
import { HardwareSpecificationService, type HardwareCreateBody } from './service.ts';

const id = (req: FastifyRequest) =>
  (req.params as { hardware_specification_guid: string }).hardware_specification_guid;

export function registerHardwareSpecifications(app: FastifyInstance, ctx: AppContext): void {
  const specs = new HardwareSpecificationService(ctx);
  registerOperations(app, ctx, {
    'GET /v2/hardware_specifications': async (req: FastifyRequest) =>
      specs.list(req.principal, scopeOf(req.query, false), (req.query as { name?: string }).name),

    'POST /v2/hardware_specifications': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(await specs.create(req.principal, scopeOf(req.query, true), req.body as HardwareCreateBody)),

    'GET /v2/hardware_specifications/{hardware_specification_guid}': async (req: FastifyRequest) =>
      specs.get(req.principal, scopeOf(req.query, false), id(req)),

    'PATCH /v2/hardware_specifications/{hardware_specification_guid}': async (req: FastifyRequest) =>
      specs.update(req.principal, scopeOf(req.query, true), id(req), req.body as Record<string, unknown>),

    'DELETE /v2/hardware_specifications/{hardware_specification_guid}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      await specs.delete(req.principal, scopeOf(req.query, true), id(req));
      return reply.code(204).send();
    },
  });
}
