import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { SpaceActivator } from './lifecycle.ts';
import { MemberService, type MemberListQuery } from './member-service.ts';
import { pageLinks, type Page } from './paging.ts';
import { SpaceRepository } from './repository.ts';
import { SpaceService, type SpaceListQuery } from './service.ts';

type SpaceParams = { space_id: string };
type MemberParams = { space_id: string; member_id: string };

// The contract has already validated and coerced these parts when a handler runs.
const space = (req: FastifyRequest) => (req.params as SpaceParams).space_id;
const member = (req: FastifyRequest) => (req.params as MemberParams).member_id;

/** A list page with its `first`/`next` links, keyed on the request's own URL. */
function withLinks(req: FastifyRequest, ctx: AppContext, page: Page, list: string) {
  const { first, next } = pageLinks(req, ctx, page.nextKey, list);
  return { first, ...(next ? { next } : {}), ...page.body };
}

export function registerSpaces(app: FastifyInstance, ctx: AppContext): void {
  const repo = new SpaceRepository(ctx.store);
  const activator = new SpaceActivator(repo, ctx.log);
  const spaces = new SpaceService(repo, activator, ctx);
  const memberService = new MemberService(ctx, repo);

  // Spaces left preparing by a previous run become active on time (or now, when overdue).
  app.addHook('onReady', () => activator.sweep());
  app.addHook('onClose', async () => activator.close());

  registerOperations(app, ctx, {
    'POST /v2/spaces': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(202).send(await spaces.create(req.principal, req.body)),

    'GET /v2/spaces': async (req: FastifyRequest) =>
      withLinks(req, ctx, await spaces.list(req.principal, req.query as SpaceListQuery), 'spaces'),

    'GET /v2/spaces/{space_id}': async (req: FastifyRequest) =>
      spaces.get(req.principal, space(req), (req.query as { include?: string }).include),

    'PATCH /v2/spaces/{space_id}': async (req: FastifyRequest) =>
      spaces.update(req.principal, space(req), req.body),

    'DELETE /v2/spaces/{space_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await spaces.delete(req.principal, space(req));
      return reply.code(202).send();
    },

    'GET /v2/spaces/{space_id}/members': async (req: FastifyRequest) =>
      withLinks(
        req,
        ctx,
        await memberService.list(req.principal, space(req), req.query as MemberListQuery),
        `members:${space(req)}`,
      ),

    'POST /v2/spaces/{space_id}/members': async (req: FastifyRequest) =>
      memberService.add(req.principal, space(req), req.body),

    'GET /v2/spaces/{space_id}/members/{member_id}': async (req: FastifyRequest) =>
      memberService.get(req.principal, space(req), member(req)),

    'PATCH /v2/spaces/{space_id}/members/{member_id}': async (req: FastifyRequest) =>
      memberService.update(req.principal, space(req), member(req), req.body),

    'DELETE /v2/spaces/{space_id}/members/{member_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await memberService.remove(req.principal, space(req), member(req));
      return reply.code(204).send();
    },
  });
}
