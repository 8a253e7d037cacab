import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operation } from 'fast-json-patch';
import type { AppContext } from '../../platform/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { registerOperations } from '../../platform/operations.ts';
import { discardRest } from '../../platform/uploads.ts';
import { assetStoreOf } from '../assets/store.ts';
import { containerOfQuery } from '../containers/access.ts';
import { datasourceTypesOf } from '../datasource-types/registry.ts';
import { registerDatasourceTypes } from '../datasource-types/routes.ts';
import { ActionService } from './actions.ts';
import { DiscoveryService, type DiscoveryQuery } from './discovery.ts';
import { ConnectionFileService } from './files.ts';
import { ConnectionRepository } from './repository.ts';
import { ConnectionService, type ConnectionBody, type ListQuery, type PresentOptions } from './service.ts';
import { registerConnectionTransferHooks } from './transfer.ts';

type Params = { connection_id: string; action_name: string; data_asset_id: string; file_name: string };
type SaveQuery = { test?: boolean; persist?: boolean };

const params = (req: FastifyRequest) => req.params as Params;
const container = (req: FastifyRequest) => containerOfQuery(req.query as Record<string, unknown>);

/** The declared Content-Length, when there is a sensible one. */
function declaredLength(req: FastifyRequest): number | undefined {
  const n = Number(req.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Connections, discovery, actions and connection files; data source types beside them. */
export function registerConnections(app: FastifyInstance, ctx: AppContext): void {
  const store = assetStoreOf(ctx);
  const repo = new ConnectionRepository(ctx.store);
  const connections = new ConnectionService(ctx, store.assets, repo, datasourceTypesOf(ctx));
  const discovery = new DiscoveryService(ctx, connections, store.assets);
  const actions = new ActionService(connections);
  const files = new ConnectionFileService(ctx.store, store.blobs, store.assets, repo, connections);
  registerConnectionTransferHooks();
  registerDatasourceTypes(app, ctx);

  registerOperations(app, ctx, {
    'GET /v2/connections': async (req: FastifyRequest) =>
      connections.list(req.principal, container(req), req.query as ListQuery),

    'POST /v2/connections': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(
          await connections.create(
            req.principal,
            container(req),
            req.body as ConnectionBody,
            req.query as SaveQuery,
          ),
        ),

    'GET /v2/connections/{connection_id}': async (req: FastifyRequest) =>
      connections.get(req.principal, container(req), params(req).connection_id, req.query as PresentOptions),

    'DELETE /v2/connections/{connection_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await connections.delete(req.principal, container(req), params(req).connection_id);
      return reply.code(204).send();
    },

    'PATCH /v2/connections/{connection_id}': async (req: FastifyRequest) =>
      connections.update(
        req.principal,
        container(req),
        params(req).connection_id,
        req.body as Operation[],
        req.query as SaveQuery,
      ),

    'POST /v2/connections/assets': async (req: FastifyRequest) =>
      discovery.ofDefinition(req.body as ConnectionBody, req.query as DiscoveryQuery),

    'GET /v2/connections/{connection_id}/assets': async (req: FastifyRequest) =>
      discovery.ofConnection(
        req.principal,
        container(req),
        params(req).connection_id,
        req.query as DiscoveryQuery,
      ),

    'GET /v2/connections/assets/{data_asset_id}': async (req: FastifyRequest) =>
      discovery.ofDataAsset(
        req.principal,
        container(req),
        params(req).data_asset_id,
        req.query as DiscoveryQuery,
      ),

    'GET /v2/connections/{connection_id}/actions': async (req: FastifyRequest) =>
      actions.list(req.principal, container(req), params(req).connection_id),

    'PUT /v2/connections/{connection_id}/actions/{action_name}': async (req: FastifyRequest) =>
      actions.perform(
        req.principal,
        container(req),
        params(req).connection_id,
        params(req).action_name,
        req.body as Record<string, unknown> | undefined,
      ),

    'GET /v2/connections/files/{file_name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const { row, stream } = await files.download(
        params(req).file_name,
        (req.query as { hash?: string }).hash,
      );
      return reply
        .type(row.content_type)
        .header('content-length', String(row.size))
        .header('content-disposition', `attachment; filename="${row.file_name}"`)
        .send(stream);
    },

    'DELETE /v2/connections/files/{file_name}': async (req: FastifyRequest, reply: FastifyReply) => {
      await files.delete(req.principal, params(req).file_name, (req.query as { hash?: string }).hash);
      return reply.code(204).send();
    },

    'GET /v2/connections/files': async (req: FastifyRequest) =>
      files.list(req.query as { limit?: number; offset?: number }),

    'PUT /v2/connections/files': async (req: FastifyRequest) =>
      files.migrate(req.principal, req.query as any),
  });

  // The upload reads its body as a stream: its own content type parser, kept to this route.
  app.register(async (child) => {
    child.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    registerOperations(child, ctx, {
      'POST /v2/connections/files/{file_name}': async (req: FastifyRequest, reply: FastifyReply) => {
        const type = String(req.headers['content-type'] ?? '')
          .split(';')[0]
          .trim()
          .toLowerCase();
        if (type !== 'application/octet-stream' || !(req.body instanceof Readable))
          throw new ApiError(415, 'Upload the file as application/octet-stream.', {
            code: 'unsupported_media_type',
          });
        const body = req.body;
        try {
          const file = await files.upload(req.principal, params(req).file_name, body, declaredLength(req));
          return reply.header('location', file.url).send(file);
        } catch (err) {
          discardRest(req, store.blobs.maxBytes);
          throw err;
        }
      },
    });
  });
}
