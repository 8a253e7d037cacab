import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { deleteWithChildren } from './component-store.ts';
import { requireMatch } from './entity-tag.ts';
import { resourceHandlers } from './resource-handlers.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { buildJobSpec, jobComputedEnv, type JobSpec } from './job-spec.ts';
import { mergePatch } from './merge-patch.ts';
import type { ResourceRecord } from './repository.ts';

export interface JobEntity {
  spec: JobSpec;
}

type Params = { project_id: string; name: string };

export function presentJob(scope: RequestScope, r: ResourceRecord<JobEntity>) {
  return {
    ...baseFields(scope, r),
    ...r.entity.spec,
    computed_env_variables: jobComputedEnv(scope, r.projectId, r.name),
  };
}

/** Jobs: settings for batch runs; they have no status of their own, their runs do. */
export function registerJobs(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  const standard = resourceHandlers<JobEntity>(area, 'job', {
    present: presentJob,
    remove: (projectId, name) => deleteWithChildren(area, projectId, 'job', name, 'job_run'),
  });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/jobs': standard.list,

    'POST /projects/{project_id}/jobs': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const { name, ...settings } = req.body as Record<string, unknown> & { name: string };
      checkName(name, { max: 63, dots: false });
      await requireProject(area, scope, project_id, { forCreate: true });
      const spec = await buildJobSpec(area, project_id, settings);
      const created = await resources.create<JobEntity>({
        projectId: project_id,
        kind: 'job',
        name,
        entity: { spec },
      });
      if (!created) throw resourceExists('job', name);
      return sendWithTag(reply, 201, presentJob(scope, created));
    },

    'GET /projects/{project_id}/jobs/{name}': standard.get,

    'PATCH /projects/{project_id}/jobs/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const before = await resources.get<JobEntity>(project_id, 'job', name);
      if (!before) throw resourceNotFound('job', name);
      requireMatch(req.headers['if-match'], before.entityTag);
      const merged = mergePatch(before.entity.spec, req.body) as Record<string, unknown>;
      const spec = await buildJobSpec(area, project_id, merged);
      const updated = await resources.update<JobEntity>(
        project_id,
        'job',
        name,
        req.headers['if-match'],
        () => ({
          entity: { spec },
        }),
      );
      if (!updated) throw resourceNotFound('job', name);
      return sendWithTag(reply, 200, presentJob(scope, updated));
    },

    'DELETE /projects/{project_id}/jobs/{name}': standard.delete,
  });
}
