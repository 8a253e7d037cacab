import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { resourceHandlers } from './resource-handlers.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
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

  const standard = resourceHandlers<ConfigMapEntity>(area, 'config_map', { present: presentConfigMap });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/config_maps': standard.list,

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

    'GET /projects/{project_id}/config_maps/{name}': standard.get,

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

    'DELETE /projects/{project_id}/config_maps/{name}': standard.delete,
  });
}
