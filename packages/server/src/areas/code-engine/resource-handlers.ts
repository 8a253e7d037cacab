// The list, read and delete handlers that resources addressed by name in a project share: a page of
// one kind in name order, one resource with its ETag, and a delete answered 202. Creates and updates
// differ per kind and stay in each kind's module.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireProject, resourceNotFound, type CodeEngineArea } from './area.ts';
import { scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { KINDS, type Kind } from './kinds.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ResourceRecord } from './repository.ts';

type Params = { project_id: string; name?: string };
type Presented = { name: string; entity_tag?: string };

export interface ResourceHandlerOptions<E> {
  /** The API view of a stored resource. */
  present: (scope: RequestScope, r: ResourceRecord<E>) => Presented | Promise<Presented>;
  /** Deletes the resource (and what goes with it); false when there was none. Default: the row alone. */
  remove?: (projectId: string, name: string) => Promise<boolean>;
}

export function resourceHandlers<E>(area: CodeEngineArea, kind: Kind, options: ResourceHandlerOptions<E>) {
  const { ctx, resources } = area;
  const { path } = KINDS[kind];
  const { present } = options;
  const remove =
    options.remove ?? ((projectId: string, name: string) => resources.delete(projectId, kind, name));

  /** The request's scope, project id and resource name, once the project is known to be the caller's. */
  async function target(req: FastifyRequest) {
    const scope = scopeOf(req, ctx);
    const { project_id, name } = req.params as Params;
    await requireProject(area, scope, project_id);
    return { scope, projectId: project_id, name: name! };
  }

  return {
    list: async (req: FastifyRequest) => {
      const { scope, projectId } = await target(req);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const after = decodeStart(path, q.start);
      const page = await resources.list<E>(projectId, kind, { limit, after });
      const items = await Promise.all(page.items.map((r) => present(scope, r)));
      return listBody(scope, path, path, { items, more: page.more }, limit, (i) => i.name);
    },

    get: async (req: FastifyRequest, reply: FastifyReply) => {
      const { scope, projectId, name } = await target(req);
      const found = await resources.get<E>(projectId, kind, name);
      if (!found) throw resourceNotFound(kind, name);
      return sendWithTag(reply, 200, await present(scope, found));
    },

    delete: async (req: FastifyRequest, reply: FastifyReply) => {
      const { projectId, name } = await target(req);
      if (!(await remove(projectId, name))) throw resourceNotFound(kind, name);
      return reply.code(202).send();
    },
  };
}
