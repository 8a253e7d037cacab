import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { scopeOf } from '../environments/scope.ts';
import { PackageExtensionService, type PackageCreateBody } from './service.ts';

const id = (req: FastifyRequest) => (req.params as { package_extension_guid: string }).package_extension_guid;

export function registerPackageExtensions(app: FastifyInstance, ctx: AppContext): void {
  const packages = new PackageExtensionService(ctx);
  registerOperations(app, ctx, {
    'GET /v2/package_extensions': async (req: FastifyRequest) =>
      packages.list(req.principal, scopeOf(req.query, true), req.query as { name?: string; type?: string }),

    'POST /v2/package_extensions': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(await packages.create(req.principal, scopeOf(req.query, true), req.body as PackageCreateBody)),

    'POST /v2/package_extensions/{package_extension_guid}/upload_complete': async (req: FastifyRequest) =>
      packages.completeUpload(req.principal, scopeOf(req.query, true), id(req)),

    'PATCH /v2/package_extensions/{package_extension_guid}': async (req: FastifyRequest) =>
      packages.update(req.principal, scopeOf(req.query, true), id(req), req.body as Record<string, unknown>),

    'GET /v2/package_extensions/{package_extension_guid}': async (req: FastifyRequest) =>
      packages.get(req.principal, scopeOf(req.query, true), id(req)),

    'DELETE /v2/package_extensions/{package_extension_guid}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      await packages.delete(req.principal, scopeOf(req.query, true), id(req));
      return reply.code(204).send();
    },
  });
}
