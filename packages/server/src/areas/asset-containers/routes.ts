import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { containerOfQuery } from '../containers/access.ts';
import { ContainerArchiver } from './archiver.ts';
import { AssetContainerService } from './service.ts';
import { containerRepositoryOf } from './store.ts';

const container = (req: FastifyRequest) => containerOfQuery(req.query as Record<string, unknown>);

export function registerAssetContainers(app: FastifyInstance, ctx: AppContext): void {
  const repo = containerRepositoryOf(ctx.store);
  const archiver = new ContainerArchiver(ctx, repo);
  const service = new AssetContainerService(ctx, repo, archiver);
  app.addHook('onReady', () => archiver.startSweeping());
  // preClose: the work stops (and gives its leases back) while the database is still open.
  app.addHook('preClose', () => archiver.close());

  registerOperations(app, ctx, {
    'POST /v2/asset_containers/archive': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(202).send(await service.archive(req.principal, container(req))),

    'GET /v2/asset_containers/archive_info': async (req: FastifyRequest) =>
      service.archiveInfo(req.principal, container(req)),

    'POST /v2/asset_containers/restore': async (req: FastifyRequest, reply: FastifyReply) => {
      const { accepted, info } = await service.restore(req.principal, container(req));
      return reply.code(accepted ? 202 : 200).send(info);
    },

    'GET /v2/asset_containers/configurations': async (req: FastifyRequest) =>
      service.getConfigurations(req.principal, container(req)),

    'PUT /v2/asset_containers/configurations': async (req: FastifyRequest) =>
      service.putConfigurations(req.principal, container(req), req.body as Record<string, unknown>),
  });
}
