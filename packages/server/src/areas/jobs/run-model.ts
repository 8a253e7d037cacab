import { newAssetId, type Asset } from '../assets/model.ts';
import { containerQueryString, type ContainerRef } from '../containers/access.ts';
import type { JobConfiguration, JobEntity, JobParameter, ParameterSet } from './job-model.ts';
import type { JobRun, RunDetails } from './repository.ts';
import type { JobRunRow } from './tables.ts';

/** What POST .../runs may say; anything left out comes from the job. */
export interface RunOverrides {
  name?: string;
  description?: string;
  configuration?: JobConfiguration;
  job_parameters?: JobParameter[];
  parameter_sets?: ParameterSet[];
}

/** Parameters by name: the run's replace the job's of the same name. */
function mergeByName<T extends { name: string }>(base: T[] = [], over: T[] = []): T[] {
  const names = new Set(over.map((p) => p.name));
  return [...base.filter((p) => !names.has(p.name)), ...over];
}

/** A new Queued run of a job: its settings merged with the run's own (the run's win). */
export function newRunRow(
  job: Asset,
  overrides: RunOverrides,
  creatorId: string,
  scheduled: boolean,
): JobRunRow {
  const entity = (job.entity.job ?? {}) as JobEntity;
  const base = entity.configuration ?? {};
  const over = overrides.configuration ?? {};
  const details: RunDetails = {
    job_name: job.name,
    job_type: entity.asset_ref_type ?? '',
    ...(entity.asset_ref ? { asset_ref_id: entity.asset_ref } : {}),
    configuration: {
      ...base,
      ...over,
      env_variables: [...(base.env_variables ?? []), ...(over.env_variables ?? [])],
    },
    job_parameters: mergeByName(entity.job_parameters, overrides.job_parameters),
    parameter_sets: mergeByName(entity.parameter_sets, overrides.parameter_sets),
  };
  const now = new Date().toISOString();
  return {
    run_id: newAssetId(),
    job_id: job.asset_id,
    container_kind: job.container.kind,
    container_id: job.container.id,
    state: 'Queued',
    name: overrides.name ?? (scheduled ? 'scheduled job run' : 'job run'),
    description: overrides.description ?? '',
    details: JSON.stringify(details),
    is_scheduled: scheduled ? 1 : 0,
    creator_id: creatorId,
    created_at: now,
    updated_at: now,
    started_at: null,
    ended_at: null,
    exit_code: null,
    exit_signal: null,
    message: null,
    owner: null,
    lease_until: null,
    pid: null,
    host: null,
    log_lines: 0,
  };
}

/** A run as the seed shows it: catalog-style metadata, `entity.job_run`, the log attachment. */
export function presentRun(run: JobRun, container: ContainerRef) {
  const created = Date.parse(run.created_at);
  const containerKey = container.kind === 'space' ? 'space_id' : 'project_id';
  const end = run.ended_at ? Date.parse(run.ended_at) : undefined;
  const start = run.started_at ? Date.parse(run.started_at) : undefined;
  const duration = start === undefined ? null : Math.round(((end ?? Date.now()) - start) / 1000);
  return {
    href: `/v2/jobs/${run.job_id}/runs/${run.run_id}?${containerQueryString(container)}`,
    asset_id: run.run_id,
    metadata: {
      name: run.name,
      description: run.description,
      asset_type: 'job_run',
      asset_id: run.run_id,
      [containerKey]: container.id,
      owner_id: run.creator_id,
      creator_id: run.creator_id,
      created,
      created_at: run.created_at,
      asset_category: 'USER',
      usage: { last_updated_at: run.updated_at, last_update_time: Date.parse(run.updated_at) },
    },
    entity: {
      job_run: {
        name: run.name,
        description: run.description,
        state: run.state,
        job_ref: run.job_id,
        job_name: run.details.job_name,
        job_type: run.details.job_type,
        ...(run.details.asset_ref_id ? { asset_ref_id: run.details.asset_ref_id } : {}),
        configuration: run.details.configuration,
        isScheduledRun: run.is_scheduled,
        job_parameters: run.details.job_parameters ?? [],
        parameter_sets: run.details.parameter_sets ?? [],
        duration,
        start_time: run.started_at,
        end_time: run.ended_at,
        exit_code: run.exit_code,
        exit_signal: run.exit_signal,
        message: run.message,
        resource_usage: null,
        runtime_job_id: run.run_id,
        last_state_change_timestamp: run.updated_at,
        log_lines: run.log_lines,
      },
      container_name: '',
      directory_asset: { path: '' },
    },
    attachments: [
      {
        id: run.run_id,
        name: run.run_id,
        description: `log for job run ${run.run_id}`,
        mime: 'application/json',
        asset_type: 'job_run',
        object_key: `job_run/log/${run.run_id}`,
        create_time: created,
        is_remote: false,
        is_managed: false,
        is_referenced: true,
        is_partitioned: false,
        is_object_key_read_only: true,
        is_user_provided_path_key: false,
      },
    ],
  };
}
