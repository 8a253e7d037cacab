import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../platform/errors.ts';
import {
  baseFields,
  checkName,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import {
  appComputedEnv,
  buildAppSpec,
  revisionName,
  servingRevision,
  type AppEntity,
  type AppSpec,
  type RevisionEntity,
} from './app-spec.ts';
import { createTogether, deleteWithChildren, updateWithChildren } from './component-store.ts';
import { requireMatch } from './entity-tag.ts';
import { resourceHandlers } from './resource-handlers.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { mergePatch } from './merge-patch.ts';
import type { NewResource, ResourceRecord } from './repository.ts';
import { endpointsOf } from './workload-spec.ts';

type Params = { project_id: string; name: string };

export function presentApp(scope: RequestScope, r: ResourceRecord<AppEntity>) {
  const { spec, latest_created_revision } = r.entity;
  const ready = servingRevision(r);
  return {
    ...baseFields(scope, r),
    ...spec,
    computed_env_variables: appComputedEnv(scope, r.projectId, r.name, spec),
    ...endpointsOf(r.name, r.projectId, spec.managed_domain_mappings, 'svc.cluster.local'),
    status: r.status,
    status_details: {
      latest_created_revision,
      ...(ready ? { latest_ready_revision: ready } : {}),
      reason: r.status === 'ready' ? 'ready' : 'deploying',
    },
  };
}

/** A new revision row of an app: loading until it is ready, as the app deploys it. */
export function revisionRow(
  area: CodeEngineArea,
  projectId: string,
  app: string,
  n: number,
  spec: AppSpec,
): NewResource<RevisionEntity> {
  return {
    projectId,
    kind: 'app_revision',
    name: revisionName(app, n),
    filterKey: app,
    entity: { app_name: app, spec },
    transition: { status: 'loading', readyStatus: 'ready', readyInMs: area.settings.readyMs },
  };
}

/** Apps: each create and update makes a numbered revision; the app deploys, then is ready. */
export function registerApps(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;
  const deploying = () => ({ status: 'deploying', readyStatus: 'ready', readyInMs: area.settings.readyMs });

  const standard = resourceHandlers<AppEntity>(area, 'app', {
    present: presentApp,
    remove: (projectId, name) => deleteWithChildren(area, projectId, 'app', name, 'app_revision'),
  });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/apps': standard.list,

    'POST /projects/{project_id}/apps': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = req.body as Record<string, unknown> & { name: string };
      // App names become a DNS label of their URL.
      checkName(body.name, { max: 63, dots: false });
      await requireProject(area, scope, project_id, { forCreate: true });
      const { name: _name, ...settings } = body;
      const spec = await buildAppSpec(area, project_id, settings);
      const first = revisionName(body.name, 1);
      const created = await createTogether(area, [
        {
          projectId: project_id,
          kind: 'app',
          name: body.name,
          entity: { spec, revision_count: 1, latest_created_revision: first } satisfies AppEntity,
          transition: deploying(),
        },
        revisionRow(area, project_id, body.name, 1, spec),
      ]);
      if (!created) throw resourceExists('app', body.name);
      return sendWithTag(reply, 201, presentApp(scope, created[0] as ResourceRecord<AppEntity>));
    },

    'GET /projects/{project_id}/apps/{name}': standard.get,

    'PATCH /projects/{project_id}/apps/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const patch = req.body as Record<string, unknown>;
      // Settings are checked (references included) outside the write; the write then only
      // goes ahead on the version they were checked against, else it checks again.
      for (let attempt = 0; ; attempt++) {
        const before = await resources.get<AppEntity>(project_id, 'app', name);
        if (!before) throw resourceNotFound('app', name);
        requireMatch(req.headers['if-match'], before.entityTag);
        const merged = mergePatch(before.entity.spec, patch) as Record<string, unknown>;
        // A target that followed `scale_concurrency` keeps following it.
        if (
          'scale_concurrency' in patch &&
          !('scale_concurrency_target' in patch) &&
          before.entity.spec.scale_concurrency_target === before.entity.spec.scale_concurrency
        ) {
          delete merged.scale_concurrency_target;
        }
        const spec = await buildAppSpec(area, project_id, merged);
        let raced = false;
        const updated = await updateWithChildren<AppEntity>(
          area,
          project_id,
          'app',
          name,
          req.headers['if-match'],
          (current) => {
            if (current.entityTag !== before.entityTag) {
              raced = true;
              throw new ApiError(
                412,
                `The app '${name}' changed while it was being updated; read it again and retry.`,
                {
                  code: 'precondition_failed',
                  target: { type: 'header', name: 'If-Match' },
                },
              );
            }
            const n = current.entity.revision_count + 1;
            return {
              entity: {
                spec,
                revision_count: n,
                latest_created_revision: revisionName(name, n),
                previous_ready_revision: servingRevision(current),
              },
              transition: deploying(),
              add: [revisionRow(area, project_id, name, n, spec)],
            };
          },
        ).catch((err: unknown) => {
          if (raced && attempt < 10) return 'retry' as const;
          throw err;
        });
        if (updated === 'retry') continue;
        if (!updated) throw resourceNotFound('app', name);
        return sendWithTag(reply, 200, presentApp(scope, updated.record));
      }
    },

    'DELETE /projects/{project_id}/apps/{name}': standard.delete,
  });
}
