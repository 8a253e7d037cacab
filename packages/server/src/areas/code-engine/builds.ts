import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { buildSpecOf, buildState, type BuildSpec } from './build-spec.ts';
import { requireMatch } from './entity-tag.ts';
import { resourceHandlers } from './resource-handlers.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { mergePatch } from './merge-patch.ts';
import type { ResourceRecord } from './repository.ts';

export interface BuildEntity {
  spec: BuildSpec;
  reason: string;
}

type Params = { project_id: string; name: string };

export function presentBuild(scope: RequestScope, r: ResourceRecord<BuildEntity>) {
  return {
    ...baseFields(scope, r),
    ...r.entity.spec,
    status: r.status,
    status_details: { reason: r.entity.reason },
  };
}

/** Builds: how to turn source into an image; registered at once, failed when a secret is missing. */
export function registerBuilds(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  const standard = resourceHandlers<BuildEntity>(area, 'build', { present: presentBuild });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/builds': standard.list,

    'POST /projects/{project_id}/builds': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const { name, ...settings } = req.body as Record<string, unknown> & { name: string };
      checkName(name, { max: 63 });
      const spec = buildSpecOf(settings);
      await requireProject(area, scope, project_id, { forCreate: true });
      const state = await buildState(area, project_id, spec);
      const created = await resources.create<BuildEntity>({
        projectId: project_id,
        kind: 'build',
        name,
        entity: { spec, reason: state.reason },
        transition: { status: state.status },
      });
      if (!created) throw resourceExists('build', name);
      return sendWithTag(reply, 201, presentBuild(scope, created));
    },

    'GET /projects/{project_id}/builds/{name}': standard.get,

    'PATCH /projects/{project_id}/builds/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const before = await resources.get<BuildEntity>(project_id, 'build', name);
      if (!before) throw resourceNotFound('build', name);
      requireMatch(req.headers['if-match'], before.entityTag);
      const patch = req.body as Record<string, unknown>;
      const merged = mergePatch(before.entity.spec, patch) as Record<string, unknown>;
      // A switch to buildpacks drops the Dockerfile name the old strategy defaulted.
      if (patch.strategy_type === 'buildpacks' && patch.strategy_spec_file === undefined) {
        delete merged.strategy_spec_file;
      }
      if (patch.source_type === 'local') {
        for (const field of ['source_url', 'source_revision', 'source_secret']) {
          if (patch[field] === undefined) delete merged[field];
        }
      }
      const spec = buildSpecOf(merged);
      const state = await buildState(area, project_id, spec);
      const updated = await resources.update<BuildEntity>(
        project_id,
        'build',
        name,
        req.headers['if-match'],
        () => ({ entity: { spec, reason: state.reason }, transition: { status: state.status } }),
      );
      if (!updated) throw resourceNotFound('build', name);
      return sendWithTag(reply, 200, presentBuild(scope, updated));
    },

    'DELETE /projects/{project_id}/builds/{name}': standard.delete,
  });
}
