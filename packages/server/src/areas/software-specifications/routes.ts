import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { scopeOf } from '../environments/scope.ts';
import { SoftwareSpecificationService, type SoftwareCreateBody } from './service.ts';

type Params = { software_specification_guid: string; package_extension_guid: string };
const params = (req: FastifyRequest) => req.params as Params;

export function registerSoftwareSpecifications(app: FastifyInstance, ctx: AppContext): void {
  const specs = new SoftwareSpecificationService(ctx);
  registerOperations(app, ctx, {
    'GET /v2/software_specifications': async (req: FastifyRequest) =>
      specs.list(
        req.principal,
        scopeOf(req.query, false),
        req.query as { name?: string; include_packages?: string },
      ),

    'POST /v2/software_specifications': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(await specs.create(req.principal, scopeOf(req.query, true), req.body as SoftwareCreateBody)),

    'GET /v2/software_specifications/{software_specification_guid}': async (req: FastifyRequest) =>
      specs.get(req.principal, scopeOf(req.query, false), params(req).software_specification_guid),

    'PATCH /v2/software_specifications/{software_specification_guid}': async (req: FastifyRequest) =>
      specs.update(
        req.principal,
        scopeOf(req.query, true),
        params(req).software_specification_guid,
        req.body as Record<string, unknown>,
      ),

    'DELETE /v2/software_specifications/{software_specification_guid}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      await specs.delete(req.principal, scopeOf(req.query, true), params(req).software_specification_guid);
      return reply.code(204).send();
    },

    'PUT /v2/software_specifications/{software_specification_guid}/package_extensions/{package_extension_guid}':
      async (req: FastifyRequest) =>
        specs.addPackage(
          req.principal,
          scopeOf(req.query, true),
          params(req).software_specification_guid,
          params(req).package_extension_guid,
        ),

    'DELETE /v2/software_specifications/{software_specification_guid}/package_extensions/{package_extension_guid}':
      async (req: FastifyRequest, reply: FastifyReply) => {
        await specs.removePackage(
          req.principal,
          scopeOf(req.query, true),
          params(req).software_specification_guid,
          params(req).package_extension_guid,
        );
        return reply.code(204).send();
      },
  });
}
