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
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { buildJobSpec, jobComputedEnv, type JobSpec } from './job-spec.ts';
import { mergePatch } from './merge-patch.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
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

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/jobs': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const after = decodeStart('jobs', q.start);
      const page = await resources.list<JobEntity>(project_id, 'job', { limit, after });
      const items = page.items.map((r) => presentJob(scope, r));
      return listBody(scope, 'jobs', 'jobs', { items, more: page.more }, limit, (i) => i.name);
    },

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

    'GET /projects/{project_id}/jobs/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.get<JobEntity>(project_id, 'job', name);
      if (!found) throw resourceNotFound('job', name);
      return sendWithTag(reply, 200, presentJob(scope, found));
    },

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

    'DELETE /projects/{project_id}/jobs/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      // A job's runs go with it.
      if (!(await deleteWithChildren(area, project_id, 'job', name, 'job_run'))) {
        throw resourceNotFound('job', name);
      }
      return reply.code(202).send();
    },
  });
}
