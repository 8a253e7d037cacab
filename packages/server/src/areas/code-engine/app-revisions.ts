import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldError, requireProject, resourceNotFound, type CodeEngineArea } from './area.ts';
import {
  appComputedEnv,
  instanceCount,
  servingRevision,
  type AppEntity,
  type RevisionEntity,
} from './app-spec.ts';
import { hrefOf, registerCodeEngineOperations, scopeOf, type RequestScope } from './http.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ResourceRecord } from './repository.ts';
import { REGION } from './settings.ts';
import { digestOf } from './workload-spec.ts';

type AppParams = { project_id: string; app_name: string };
type RevisionParams = AppParams & { name: string };

export function presentRevision(
  scope: RequestScope,
  r: ResourceRecord<RevisionEntity>,
  app: ResourceRecord<AppEntity>,
) {
  const { spec, app_name } = r.entity;
  const ready = r.status === 'ready';
  const serving = servingRevision(app) === r.name;
  return {
    app_name,
    ...spec,
    computed_env_variables: appComputedEnv(scope, r.projectId, app_name, spec),
    created_at: r.createdAt,
    href: hrefOf(scope, `/projects/${r.projectId}/apps/${app_name}/revisions/${r.name}`),
    id: r.id,
    name: r.name,
    project_id: r.projectId,
    region: REGION,
    resource_type: 'app_revision_v2',
    status: r.status,
    status_details: {
      actual_instances: serving ? instanceCount(spec) : 0,
      reason: ready ? 'ready' : 'deploying',
    },
  };
}

/** A Kubernetes-style pod name suffix: stable per revision and instance number. */
function podName(revision: ResourceRecord<RevisionEntity>, index: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const hash = digestOf(`${revision.id}:${index}`);
  const pick = (from: number, n: number) =>
    Array.from(
      { length: n },
      (_, k) => alphabet[parseInt(hash.slice(from + 2 * k, from + 2 * k + 2), 16) % alphabet.length],
    ).join('');
  return `${revision.name}-deployment-${pick(0, 10)}-${pick(20, 5)}`;
}

function uuidOf(seed: string): string {
  const h = digestOf(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The instances an app runs now: the serving revision's, running, and while a newer revision
 * deploys, its instances, pending. Derived from the stored revisions, never stored themselves.
 */
function instancesOf(
  scope: RequestScope,
  app: ResourceRecord<AppEntity>,
  revisions: ResourceRecord<RevisionEntity>[],
) {
  const serving = servingRevision(app);
  const out = [];
  for (const revision of revisions) {
    const running = revision.name === serving;
    const pending = revision.name === app.entity.latest_created_revision && !running;
    if (!running && !pending) continue;
    const spec = revision.entity.spec;
    for (let index = 0; index < instanceCount(spec); index++) {
      const name = podName(revision, index);
      const state = running
        ? { container_status: 'running', started_at: revision.createdAt }
        : { container_status: 'pending', reason: 'ContainerCreating' };
      out.push({
        app_name: app.name,
        created_at: revision.createdAt,
        href: hrefOf(scope, `/projects/${app.projectId}/apps/${app.name}/instances/${name}`),
        id: uuidOf(`${revision.id}:${index}`),
        name,
        project_id: app.projectId,
        region: REGION,
        resource_type: 'app_instance_v2',
        revision_name: revision.name,
        scale_cpu_limit: spec.scale_cpu_limit,
        scale_ephemeral_storage_limit: spec.scale_ephemeral_storage_limit,
        scale_memory_limit: spec.scale_memory_limit,
        status: running ? 'running' : 'pending',
        status_details: {
          restarts: 0,
          system_container: { current_state: state },
          user_container: { current_state: state },
        },
      });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** App revisions (list, get, delete) and app instances (list). */
export function registerAppRevisions(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  async function requireApp(scope: RequestScope, projectId: string, appName: string) {
    await requireProject(area, scope, projectId);
    const found = await resources.get<AppEntity>(projectId, 'app', appName);
    if (!found) throw resourceNotFound('app', appName, 'app_name');
    return found;
  }

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/apps/{app_name}/revisions': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id, app_name } = req.params as AppParams;
      const parent = await requireApp(scope, project_id, app_name);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const after = decodeStart(`revisions:${app_name}`, q.start);
      const page = await resources.list<RevisionEntity>(project_id, 'app_revision', {
        limit,
        after,
        filterKey: app_name,
      });
      const items = page.items.map((r) => presentRevision(scope, r, parent));
      return listBody(
        scope,
        `revisions:${app_name}`,
        'revisions',
        { items, more: page.more },
        limit,
        (i) => i.name,
      );
    },

    'GET /projects/{project_id}/apps/{app_name}/revisions/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const scope = scopeOf(req, ctx);
      const { project_id, app_name, name } = req.params as RevisionParams;
      const parent = await requireApp(scope, project_id, app_name);
      const found = await resources.get<RevisionEntity>(project_id, 'app_revision', name);
      if (!found || found.entity.app_name !== app_name) throw resourceNotFound('app_revision', name);
      return reply.code(200).send(presentRevision(scope, found, parent));
    },

    'DELETE /projects/{project_id}/apps/{app_name}/revisions/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const scope = scopeOf(req, ctx);
      const { project_id, app_name, name } = req.params as RevisionParams;
      const parent = await requireApp(scope, project_id, app_name);
      const found = await resources.get<RevisionEntity>(project_id, 'app_revision', name);
      if (!found || found.entity.app_name !== app_name) throw resourceNotFound('app_revision', name);
      // The app's latest revision and the one serving it stay: update the app to replace them.
      if (name === parent.entity.latest_created_revision || name === servingRevision(parent)) {
        throw fieldError(
          400,
          `The revision '${name}' is in use by app '${app_name}'; only older revisions can be deleted.`,
          'name',
          'revision_in_use',
        );
      }
      await resources.delete(project_id, 'app_revision', name);
      return reply.code(202).send();
    },

    'GET /projects/{project_id}/apps/{app_name}/instances': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id, app_name } = req.params as AppParams;
      const parent = await requireApp(scope, project_id, app_name);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const list = `instances:${app_name}`;
      const after = decodeStart(list, q.start);
      const names = [parent.entity.latest_created_revision, servingRevision(parent)].filter(
        (n, i, all): n is string => n !== undefined && all.indexOf(n) === i,
      );
      const revisions = (
        await Promise.all(names.map((n) => resources.get<RevisionEntity>(project_id, 'app_revision', n)))
      ).filter((r): r is ResourceRecord<RevisionEntity> => r !== undefined);
      const all = instancesOf(scope, parent, revisions).filter((i) => after === undefined || i.name > after);
      const items = all.slice(0, limit);
      return listBody(scope, list, 'instances', { items, more: all.length > limit }, limit, (i) => i.name);
    },
  });
}
