import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operation } from 'fast-json-patch';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { AssetListRepository } from './repository.ts';
import { AssetListService, type ListQuery } from './service.ts';

type Params = { asset_list_id: string };
const id = (req: FastifyRequest) => (req.params as Params).asset_list_id;

function baseUrl(req: FastifyRequest, ctx: AppContext): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.host}`;
}

/** `first` and `next` links: the request's own URL without `start`, and with the next page's. */
function links(req: FastifyRequest, ctx: AppContext, next: string | undefined) {
  const [path, search = ''] = req.url.split('?', 2);
  const query = new URLSearchParams(search);
  query.delete('start');
  const href = (q: URLSearchParams) => `${baseUrl(req, ctx)}${path}${q.size ? `?${q}` : ''}`;
  if (next === undefined) return { first: { href: href(query) } };
  const following = new URLSearchParams(query);
  following.set('start', next);
  return { first: { href: href(query) }, next: { href: href(following), start: next } };
}

export function registerAssetLists(app: FastifyInstance, ctx: AppContext): void {
  const lists = new AssetListService(ctx, new AssetListRepository(ctx.store));

  registerOperations(app, ctx, {
    'GET /v2/asset_lists': async (req: FastifyRequest) => {
      const { next, ...page } = await lists.list(req.principal, req.query as ListQuery);
      return { ...page, ...links(req, ctx, next) };
    },

    'POST /v2/asset_lists': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(201).send(await lists.create(req.principal, req.body as Record<string, unknown>)),

    'DELETE /v2/asset_lists': async (req: FastifyRequest, reply: FastifyReply) => {
      await lists.deleteMany(req.principal, (req.query as { query?: string }).query);
      return reply.code(204).send();
    },

    'GET /v2/asset_lists/{asset_list_id}': async (req: FastifyRequest) => lists.get(req.principal, id(req)),

    'DELETE /v2/asset_lists/{asset_list_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await lists.delete(req.principal, id(req));
      return reply.code(204).send();
    },

    'GET /v2/asset_lists/{asset_list_id}/items': async (req: FastifyRequest) => {
      const { next, ...page } = await lists.items(
        req.principal,
        id(req),
        req.query as { start?: string; limit?: number },
      );
      return { ...page, ...links(req, ctx, next) };
    },
  });

  // A patch is JSON (the seed documents a 415): no text or form parser for this route.
  app.register(async (child) => {
    child.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
    registerOperations(child, ctx, {
      'PATCH /v2/asset_lists/{asset_list_id}': async (req: FastifyRequest) =>
        lists.update(req.principal, id(req), req.body as Operation[]),
    });
  });
}
