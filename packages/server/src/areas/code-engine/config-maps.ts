import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ResourceRecord } from './repository.ts';

interface ConfigMapEntity {
  data: Record<string, string>;
}

type Params = { project_id: string; name: string };

export function presentConfigMap(scope: RequestScope, r: ResourceRecord<ConfigMapEntity>) {
  return { ...baseFields(scope, r), data: r.entity.data ?? {} };
}

/** Config maps: named string maps, replaced whole under If-Match. */
export function registerConfigMaps(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/config_maps': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const after = decodeStart('config_maps', q.start);
      const page = await resources.list<ConfigMapEntity>(project_id, 'config_map', { limit, after });
      const items = page.items.map((r) => presentConfigMap(scope, r));
      return listBody(scope, 'config_maps', 'config_maps', { items, more: page.more }, limit, (i) => i.name);
    },

    'POST /projects/{project_id}/config_maps': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = req.body as { name: string; data?: Record<string, string> };
      checkName(body.name);
      await requireProject(area, scope, project_id, { forCreate: true });
      const created = await resources.create<ConfigMapEntity>({
        projectId: project_id,
        kind: 'config_map',
        name: body.name,
        entity: { data: body.data ?? {} },
      });
      if (!created) throw resourceExists('config_map', body.name);
      return sendWithTag(reply, 201, presentConfigMap(scope, created));
    },

    'GET /projects/{project_id}/config_maps/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.get<ConfigMapEntity>(project_id, 'config_map', name);
      if (!found) throw resourceNotFound('config_map', name);
      return sendWithTag(reply, 200, presentConfigMap(scope, found));
    },

    'PUT /projects/{project_id}/config_maps/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const body = req.body as { data?: Record<string, string> };
      const updated = await resources.update<ConfigMapEntity>(
        project_id,
        'config_map',
        name,
        req.headers['if-match'],
        () => ({ entity: { data: body.data ?? {} } }),
      );
      if (!updated) throw resourceNotFound('config_map', name);
      return sendWithTag(reply, 200, presentConfigMap(scope, updated));
    },

    'DELETE /projects/{project_id}/config_maps/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      if (!(await resources.delete(project_id, 'config_map', name)))
        throw resourceNotFound('config_map', name);
      return reply.code(202).send();
    },
  });
}
