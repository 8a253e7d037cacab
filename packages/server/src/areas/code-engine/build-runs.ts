import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  fieldError,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { buildSpecOf, buildState, type BuildSpec } from './build-spec.ts';
import type { BuildEntity } from './builds.ts';
import { registerCodeEngineOperations, scopeOf, type RequestScope } from './http.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ResourceRecord } from './repository.ts';
import { phaseOf, planRun, runStatus, type RunTimes } from './run-phases.ts';
import { SERVICE_ACCOUNTS, digestOf, randomSuffix, type ServiceAccount } from './workload-spec.ts';

interface BuildRunEntity {
  /** Empty for a run of an inline build. */
  build_name: string;
  spec: BuildSpec;
  service_account: ServiceAccount;
  times: RunTimes;
}

type Params = { project_id: string; name: string };

const SPEC_FIELDS = [
  'output_image',
  'output_secret',
  'run_build_params',
  'source_context_dir',
  'source_revision',
  'source_secret',
  'source_type',
  'source_url',
  'strategy_size',
  'strategy_spec_file',
  'strategy_type',
  'timeout',
] as const;

export function presentBuildRun(scope: RequestScope, r: ResourceRecord<BuildRunEntity>) {
  const { build_name, spec, service_account, times } = r.entity;
  const phase = phaseOf(r, times);
  const status = runStatus(r, times);
  const details: Record<string, unknown> = { reason: status };
  if (phase !== 'pending') details.start_time = times.start_time;
  if (phase === 'done') {
    details.completion_time = times.completion_time;
    details.output_digest = `sha256:${digestOf(`image:${r.id}`)}`;
    if (spec.source_type === 'git') {
      details.git_branch_name = spec.source_revision ?? 'main';
      details.git_commit_sha = digestOf(`commit:${spec.source_url}:${spec.source_revision ?? ''}`).slice(
        0,
        40,
      );
      details.git_commit_author = 'Code Engine';
      details.source_timestamp = times.start_time;
    }
  }
  return {
    ...baseFields(scope, r),
    build_name,
    ...spec,
    service_account,
    status,
    status_details: details,
  };
}

/** Build runs: a run of a build (or of inline build settings): pending, running, succeeded. */
export function registerBuildRuns(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/build_runs': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const q = req.query as PageQuery & { build_name?: string };
      const limit = pageLimit(q.limit);
      const list = `build_runs:${q.build_name ?? ''}`;
      const after = decodeStart(list, q.start);
      const page = await resources.list<BuildRunEntity>(project_id, 'build_run', {
        limit,
        after,
        ...(q.build_name !== undefined ? { filterKey: q.build_name } : {}),
      });
      const items = page.items.map((r) => presentBuildRun(scope, r));
      return listBody(scope, list, 'build_runs', { items, more: page.more }, limit, (i) => i.name);
    },

    'POST /projects/{project_id}/build_runs': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = (req.body ?? {}) as Record<string, unknown> & {
        build_name?: string;
        name?: string;
        service_account?: ServiceAccount;
      };
      if (body.name !== undefined) checkName(body.name, { max: 63 });
      const service_account = body.service_account ?? 'default';
      if (!SERVICE_ACCOUNTS.includes(service_account)) {
        throw fieldError(400, `Invalid 'service_account': '${service_account}'.`, 'service_account');
      }
      await requireProject(area, scope, project_id, { forCreate: true });
      const overrides = Object.fromEntries(
        SPEC_FIELDS.filter((f) => body[f] !== undefined).map((f) => [f, body[f]]),
      );
      let spec: BuildSpec;
      if (body.build_name !== undefined) {
        const build = await resources.get<BuildEntity>(project_id, 'build', body.build_name);
        if (!build) throw resourceNotFound('build', body.build_name, 'build_name');
        if (build.status !== 'ready') {
          throw fieldError(
            400,
            `The build '${body.build_name}' is not ready (${build.entity.reason}); fix it before running it.`,
            'build_name',
          );
        }
        spec = buildSpecOf({ ...build.entity.spec, ...overrides });
      } else {
        // An inline build: the run carries all the settings a build would.
        spec = buildSpecOf(overrides);
      }
      const state = await buildState(area, project_id, spec);
      if (state.status !== 'ready') {
        throw fieldError(
          400,
          `The build settings refer to a missing secret (${state.reason}).`,
          'output_secret',
        );
      }
      const prefix = body.build_name ?? 'build';
      for (let attempt = 0; ; attempt++) {
        const name = body.name ?? `${prefix.slice(0, 50)}-run-${randomSuffix(5)}`;
        const { times, transition } = planRun(area.settings.readyMs, 'succeeded');
        const created = await resources.create<BuildRunEntity>({
          projectId: project_id,
          kind: 'build_run',
          name,
          filterKey: body.build_name ?? '',
          entity: { build_name: body.build_name ?? '', spec, service_account, times },
          transition,
        });
        if (created) return reply.code(202).send(presentBuildRun(scope, created));
        if (body.name !== undefined || attempt >= 3) throw resourceExists('build_run', name);
      }
    },

    'GET /projects/{project_id}/build_runs/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.get<BuildRunEntity>(project_id, 'build_run', name);
      if (!found) throw resourceNotFound('build_run', name);
      return reply.code(200).send(presentBuildRun(scope, found));
    },

    'DELETE /projects/{project_id}/build_runs/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      if (!(await resources.delete(project_id, 'build_run', name))) throw resourceNotFound('build_run', name);
      return reply.code(202).send();
    },
  });
}
