import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operation } from 'fast-json-patch';
import type { AppContext } from '../../platform/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { registerOperations } from '../../platform/operations.ts';
import { discardRest } from '../../platform/uploads.ts';
import { containerOfQuery } from '../containers/access.ts';
import { AttachmentService, type AttachmentCreateBody } from './attachment-service.ts';
import { assetStoreOf } from './store.ts';
import { AssetService, type SearchBody } from './service.ts';

type Params = { asset_id: string; attachment_id: string; type_name: string };

const params = (req: FastifyRequest) => req.params as Params;
const container = (req: FastifyRequest) => containerOfQuery(req.query as Record<string, unknown>);

function baseUrl(req: FastifyRequest, ctx: AppContext): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.host}`;
}

/** The declared Content-Length, when there is a sensible one. */
function declaredLength(req: FastifyRequest): number | undefined {
  const n = Number(req.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function registerAssets(app: FastifyInstance, ctx: AppContext): void {
  const { assets: repo, attachments: attachmentRepo, blobs } = assetStoreOf(ctx);
  const assets = new AssetService(ctx, repo, attachmentRepo);
  const attachments = new AttachmentService(assets, attachmentRepo);
  app.addHook('onReady', () => blobs.sweepTemp());

  registerOperations(app, ctx, {
    'POST /v2/assets': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(201).send(await assets.create(req.principal, container(req), req.body as any)),

    'GET /v2/assets/{asset_id}': async (req: FastifyRequest) =>
      assets.get(req.principal, container(req), params(req).asset_id, baseUrl(req, ctx)),

    'PATCH /v2/assets/{asset_id}': async (req: FastifyRequest) =>
      assets.update(req.principal, container(req), params(req).asset_id, req.body as Operation[]),

    'DELETE /v2/assets/{asset_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await assets.delete(req.principal, container(req), params(req).asset_id);
      return reply.code(204).send();
    },

    'GET /v2/asset_types': async (req: FastifyRequest) => assets.listTypes(req.principal, container(req)),

    'POST /v2/asset_types/{type_name}/search': async (req: FastifyRequest) =>
      assets.search(req.principal, container(req), params(req).type_name, req.body as SearchBody),

    'POST /v2/assets/{asset_id}/attachments': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(
          await attachments.create(
            req.principal,
            container(req),
            params(req).asset_id,
            (req.body ?? {}) as AttachmentCreateBody,
            baseUrl(req, ctx),
          ),
        ),

    'GET /v2/assets/{asset_id}/attachments/{attachment_id}': async (req: FastifyRequest) =>
      attachments.get(
        req.principal,
        container(req),
        params(req).asset_id,
        params(req).attachment_id,
        baseUrl(req, ctx),
      ),

    'DELETE /v2/assets/{asset_id}/attachments/{attachment_id}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      await attachments.delete(
        req.principal,
        container(req),
        params(req).asset_id,
        params(req).attachment_id,
      );
      return reply.code(204).send();
    },

    'POST /v2/assets/{asset_id}/attachments/{attachment_id}/complete': async (req: FastifyRequest) =>
      attachments.complete(
        req.principal,
        container(req),
        params(req).asset_id,
        params(req).attachment_id,
        baseUrl(req, ctx),
      ),

    'GET /v2/assets/{asset_id}/attachments/{attachment_id}/content': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const file = await attachments.download(
        req.principal,
        container(req),
        params(req).asset_id,
        params(req).attachment_id,
      );
      return reply.type(file.mime).header('content-length', String(file.size)).send(file.stream);
    },
  });

  // The upload reads its body as a stream: its own content type parser, kept to this route.
  app.register(async (child) => {
    child.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    registerOperations(child, ctx, {
      'PUT /v2/assets/{asset_id}/attachments/{attachment_id}/content': async (req: FastifyRequest) => {
        const type = String(req.headers['content-type'] ?? '')
          .split(';')[0]
          .trim()
          .toLowerCase();
        if (type !== 'application/octet-stream') {
          throw new ApiError(415, 'Upload the content as application/octet-stream.', {
            parameters: ['content-type'],
          });
        }
        const store = await attachments.prepareUpload(
          req.principal,
          container(req),
          params(req).asset_id,
          params(req).attachment_id,
        );
        const body = req.body instanceof Readable ? req.body : Readable.from([]);
        try {
          return await store(body, declaredLength(req));
        } catch (err) {
          discardRest(req, blobs.maxBytes);
          throw err;
        }
      },
    });
  });
}
