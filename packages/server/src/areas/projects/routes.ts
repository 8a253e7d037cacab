import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations, type OperationHandler } from '../../platform/operations.ts';
import { registerProjectCreation } from './create-routes.ts';
import { MemberService } from './members.ts';
import { splitList } from './model.ts';
import { ProjectService } from './service.ts';
import { TagService } from './tags.ts';

/** A request after contract validation: its shapes are checked, so fields are read as they come. */
interface Req extends FastifyRequest {
  params: Record<string, string>;
  query: Record<string, any>;
  body: any;
}
type Handler = (req: Req, reply: FastifyReply) => Promise<unknown>;

const typed = (handlers: Record<string, Handler>): Record<string, OperationHandler> =>
  handlers as unknown as Record<string, OperationHandler>;

/** HTTP for the projects core: parse, call the service, answer with the documented status. */
export function registerProjects(app: FastifyInstance, ctx: AppContext): void {
  const projects = new ProjectService(ctx);
  const members = new MemberService(ctx);
  const tags = new TagService(ctx);
  // Its own scope: the JSON body (201) or an archive as multipart/form-data (202).
  registerProjectCreation(app, ctx, projects);

  registerOperations(
    app,
    ctx,
    typed({
      'DELETE /transactional/v2/projects/{project_id}': async (req, reply) => {
        await projects.delete(req.principal, req.params.project_id);
        return reply.code(204).send();
      },
      'GET /transactional/v2/projects/{project_id}/transactions/{transaction_id}': async (req) =>
        projects.transaction(req.principal, req.params.project_id, req.params.transaction_id),

      'GET /v2/projects': async (req) => projects.list(req.principal, req.query),
      'GET /v2/projects/total': async (req) => projects.total(req.principal, req.query),
      'GET /v2/projects/{project_id}': async (req, reply) => {
        const view = await projects.get(req.principal, req.params.project_id, req.query.include);
        return view ?? reply.code(204).send();
      },
      'PATCH /v2/projects/{project_id}': async (req) =>
        projects.update(req.principal, req.params.project_id, req.body),
      'PATCH /v2/projects/{project_id}/storage/properties': async (req) =>
        projects.updateStorageProperties(req.principal, req.params.project_id, req.body),

      'GET /v2/projects/{project_id}/members': async (req) =>
        members.list(req.principal, req.params.project_id, {
          roles: splitList(req.query.roles),
          userNames: splitList(req.query.user_names),
        }),
      'POST /v2/projects/{project_id}/members': async (req) =>
        members.add(req.principal, req.params.project_id, req.body.members),
      'PATCH /v2/projects/{project_id}/members': async (req) =>
        members.update(req.principal, req.params.project_id, req.body.members),
      'DELETE /v2/projects/{project_id}/members': async (req, reply) => {
        await members.remove(req.principal, req.params.project_id, splitList(req.query.user_names));
        return reply.code(204).send();
      },
      'GET /v2/projects/{project_id}/members/{user_name}': async (req) =>
        members.get(req.principal, req.params.project_id, req.params.user_name),
      'DELETE /v2/projects/{project_id}/members/{user_name}': async (req, reply) => {
        await members.remove(req.principal, req.params.project_id, [req.params.user_name]);
        return reply.code(204).send();
      },

      'GET /v2/projects/{project_id}/tags': async (req) => tags.list(req.principal, req.params.project_id),
      'POST /v2/projects/{project_id}/tags': async (req, reply) => {
        const result = await tags.apply(req.principal, req.params.project_id, [
          { op: 'add', tags: req.body },
        ]);
        return reply.code(201).send(result);
      },
      'PATCH /v2/projects/{project_id}/tags': async (req) =>
        tags.apply(req.principal, req.params.project_id, req.body),
      'DELETE /v2/projects/{project_id}/tags': async (req, reply) => {
        const names = req.query.tag_names === undefined ? undefined : splitList(req.query.tag_names);
        await tags.removeMany(req.principal, req.params.project_id, names);
        return reply.code(204).send();
      },
      'POST /v2/projects/{project_id}/tags/{tag_name}': async (req, reply) => {
        const result = await tags.apply(req.principal, req.params.project_id, [
          { op: 'add', tags: [req.params.tag_name] },
        ]);
        return reply.code(201).send(result);
      },
      'DELETE /v2/projects/{project_id}/tags/{tag_name}': async (req, reply) => {
        await tags.removeOne(req.principal, req.params.project_id, req.params.tag_name);
        return reply.code(204).send();
      },
    }),
  );
}
