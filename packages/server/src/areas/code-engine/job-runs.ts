import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { registerCodeEngineOperations, scopeOf, type RequestScope } from './http.ts';
import { buildJobSpec, formatIndices, jobComputedEnv, parseArraySpec, type JobSpec } from './job-spec.ts';
import type { JobEntity } from './jobs.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ResourceRecord } from './repository.ts';
import { phaseOf, planRun, runStatus, type RunTimes } from './run-phases.ts';
import { checkRange, randomSuffix } from './workload-spec.ts';

interface JobRunEntity {
  /** Absent for a run of inline job settings. */
  job_name?: string;
  spec: JobSpec;
  scale_array_size_variable_override?: number;
  times: RunTimes;
}

type Params = { project_id: string; name: string };

/** Per-index counts and index lists of a run, all indices sharing the run's phase. */
function statusDetails(r: ResourceRecord<JobRunEntity>, status: string) {
  const { spec, times } = r.entity;
  const indices = parseArraySpec(spec.scale_array_spec);
  const phase = phaseOf(r, times);
  const all = formatIndices(indices);
  const indexStatus = phase === 'pending' ? 'pending' : status === 'completed' ? 'succeeded' : status;
  const details: Record<string, unknown> = {
    requested: indices.length,
    pending: indexStatus === 'pending' ? indices.length : 0,
    running: indexStatus === 'running' ? indices.length : 0,
    succeeded: indexStatus === 'succeeded' ? indices.length : 0,
    failed: indexStatus === 'failed' ? indices.length : 0,
    unknown: 0,
  };
  if (indices.length > 0) details[`${indexStatus}_indices`] = all;
  if (phase !== 'pending') details.start_time = times.start_time;
  if (phase === 'done' && times.completion_time) details.completion_time = times.completion_time;
  details.indices_details = Object.fromEntries(
    indices.map((i) => [
      String(i),
      {
        status: indexStatus,
        retries: 0,
        ...(phase !== 'pending' ? { started_at: times.start_time } : {}),
        ...(indexStatus === 'succeeded' ? { finished_at: times.completion_time } : {}),
      },
    ]),
  );
  return details;
}

export function presentJobRun(scope: RequestScope, r: ResourceRecord<JobRunEntity>) {
  const { job_name, spec, scale_array_size_variable_override, times } = r.entity;
  const status = runStatus(r, times);
  const arraySize = scale_array_size_variable_override ?? parseArraySpec(spec.scale_array_spec).length;
  return {
    ...baseFields(scope, r),
    ...(job_name !== undefined ? { job_name } : {}),
    ...spec,
    ...(scale_array_size_variable_override !== undefined ? { scale_array_size_variable_override } : {}),
    computed_env_variables: jobComputedEnv(scope, r.projectId, job_name, { name: r.name, arraySize }),
    status,
    status_details: statusDetails(r, status),
  };
}

const SPEC_FIELDS = [
  'image_reference',
  'image_secret',
  'run_arguments',
  'run_as_user',
  'run_commands',
  'run_compute_resource_token_enabled',
  'run_env_variables',
  'run_mode',
  'run_service_account',
  'run_volume_mounts',
  'scale_array_spec',
  'scale_cpu_limit',
  'scale_ephemeral_storage_limit',
  'scale_max_execution_time',
  'scale_memory_limit',
  'scale_retry_limit',
] as const;

/**
 * Job runs: of a job (its settings, with the body's overrides) or of inline settings. Task runs
 * go pending, running, completed; daemon runs keep running until deleted.
 */
export function registerJobRuns(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/job_runs': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const q = req.query as PageQuery & { job_name?: string };
      const limit = pageLimit(q.limit);
      const list = `job_runs:${q.job_name ?? ''}`;
      const after = decodeStart(list, q.start);
      const page = await resources.list<JobRunEntity>(project_id, 'job_run', {
        limit,
        after,
        ...(q.job_name !== undefined ? { filterKey: q.job_name } : {}),
      });
      const items = page.items.map((r) => presentJobRun(scope, r));
      return listBody(scope, list, 'job_runs', { items, more: page.more }, limit, (i) => i.name);
    },

    'POST /projects/{project_id}/job_runs': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = (req.body ?? {}) as Record<string, unknown> & {
        job_name?: string;
        name?: string;
        scale_array_size_variable_override?: number;
      };
      if (body.name !== undefined) checkName(body.name, { max: 63, dots: false });
      checkRange(body.scale_array_size_variable_override, 'scale_array_size_variable_override', 1, 9_999_999);
      await requireProject(area, scope, project_id, { forCreate: true });
      const overrides = Object.fromEntries(
        SPEC_FIELDS.filter((f) => body[f] !== undefined).map((f) => [f, body[f]]),
      );
      let settings: Record<string, unknown> = overrides;
      if (body.job_name !== undefined) {
        const job = await resources.get<JobEntity>(project_id, 'job', body.job_name);
        if (!job) throw resourceNotFound('job', body.job_name, 'job_name');
        settings = { ...job.entity.spec, ...overrides };
      }
      const spec = await buildJobSpec(area, project_id, settings);
      const prefix = body.job_name !== undefined ? `${body.job_name.slice(0, 50)}-jobrun` : 'jobrun';
      for (let attempt = 0; ; attempt++) {
        const name = body.name ?? `${prefix}-${randomSuffix(5)}`;
        const { times, transition } =
          spec.run_mode === 'daemon'
            ? planRun(area.settings.readyMs, 'running', false)
            : planRun(area.settings.readyMs, 'completed');
        const entity: JobRunEntity = { spec, times };
        if (body.job_name !== undefined) entity.job_name = body.job_name;
        if (body.scale_array_size_variable_override !== undefined) {
          entity.scale_array_size_variable_override = body.scale_array_size_variable_override;
        }
        const created = await resources.create<JobRunEntity>({
          projectId: project_id,
          kind: 'job_run',
          name,
          filterKey: body.job_name ?? null,
          entity,
          transition,
        });
        if (created) return reply.code(202).send(presentJobRun(scope, created));
        if (body.name !== undefined || attempt >= 3) throw resourceExists('job_run', name);
      }
    },

    'GET /projects/{project_id}/job_runs/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.get<JobRunEntity>(project_id, 'job_run', name);
      if (!found) throw resourceNotFound('job_run', name);
      return reply.code(200).send(presentJobRun(scope, found));
    },

    'DELETE /projects/{project_id}/job_runs/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      if (!(await resources.delete(project_id, 'job_run', name))) throw resourceNotFound('job_run', name);
      return reply.code(202).send();
    },
  });
}
