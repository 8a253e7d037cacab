import { badRequest } from '../../platform/errors.ts';
import type { Asset } from '../assets/model.ts';
import { containerQueryString } from '../containers/access.ts';
import { parseCron, type ScheduleInfo } from './schedule.ts';

export interface JobParameter {
  name: string;
  value?: unknown;
}

export interface ParameterSet {
  name: string;
  ref?: string;
  value_set?: string;
  values?: JobParameter[];
  values_from?: Record<string, unknown>;
}

export interface JobConfiguration {
  env_id?: string;
  env_type?: string;
  env_variables?: string[];
  [key: string]: unknown;
}

/** What a job asset keeps in `entity.job` (everything else shown is computed). */
export interface JobEntity {
  asset_ref?: string;
  asset_ref_type?: string;
  configuration: JobConfiguration;
  schedule?: string;
  schedule_info?: ScheduleInfo;
  schedule_id?: string;
  schedule_creator_id?: string;
  retention_policy?: { days?: number; amount?: number };
  notification_types?: { success?: boolean; warning?: boolean; failure?: boolean };
  enable_notifications?: boolean;
  serving_name?: string;
  job_parameters: JobParameter[];
  parameter_sets: ParameterSet[];
}

const SERVING_NAME = /^[A-Za-z0-9_]{1,36}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const field = (name: string) => ({ target: { type: 'field' as const, name } });

export function checkServingName(name: string, where = 'job.serving_name'): void {
  if (!SERVING_NAME.test(name)) {
    throw badRequest(
      `Invalid serving_name '${name}': use 1 to 36 letters, digits and underscores.`,
      field(where),
    );
  }
}

/** `KEY=value` items; the key must be a valid environment variable name. */
export function checkEnvVariables(list: unknown, where: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw badRequest(`${where} must be a list of KEY=value strings.`, field(where));
  for (const item of list) {
    const key = typeof item === 'string' ? item.split('=')[0] : undefined;
    if (typeof item !== 'string' || !item.includes('=') || !ENV_NAME.test(key!)) {
      throw badRequest(
        `Invalid item ${JSON.stringify(item)} in ${where}: expected KEY=value with KEY made of letters, digits and underscores.`,
        field(where),
      );
    }
  }
  return list as string[];
}

/** The rules a job must follow besides its schema; returns the entity as stored. */
export function checkJob(job: Record<string, any>): JobEntity {
  const hasRef = typeof job.asset_ref === 'string' && job.asset_ref !== '';
  const hasType = typeof job.asset_ref_type === 'string' && job.asset_ref_type !== '';
  if (hasRef === hasType) {
    throw badRequest(
      'Give either job.asset_ref or job.asset_ref_type, not both and not neither.',
      field('job.asset_ref'),
    );
  }
  const configuration = (job.configuration ?? {}) as JobConfiguration;
  if (typeof configuration !== 'object' || Array.isArray(configuration)) {
    throw badRequest('job.configuration must be an object.', field('job.configuration'));
  }
  checkEnvVariables(configuration.env_variables, 'job.configuration.env_variables');
  if (job.serving_name !== undefined && job.serving_name !== null) checkServingName(String(job.serving_name));
  if (job.schedule !== undefined && job.schedule !== null && job.schedule !== '') {
    if (typeof job.schedule !== 'string')
      throw badRequest('job.schedule must be a cron expression.', field('job.schedule'));
    parseCron(job.schedule);
  }
  const info = job.schedule_info as ScheduleInfo | undefined;
  if (info !== undefined) {
    if (typeof info !== 'object' || info === null)
      throw badRequest('job.schedule_info must be an object.', field('job.schedule_info'));
    for (const k of ['startOn', 'endOn'] as const) {
      if (info[k] !== undefined && !Number.isSafeInteger(info[k])) {
        throw badRequest(
          `job.schedule_info.${k} must be epoch milliseconds.`,
          field(`job.schedule_info.${k}`),
        );
      }
    }
    if (info.startOn !== undefined && info.endOn !== undefined && info.endOn < info.startOn) {
      throw badRequest('job.schedule_info.endOn is before startOn.', field('job.schedule_info.endOn'));
    }
  }
  const retention = job.retention_policy as JobEntity['retention_policy'];
  for (const k of ['days', 'amount'] as const) {
    const v = retention?.[k];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
      throw badRequest(
        `job.retention_policy.${k} must be a whole number of at least 1.`,
        field(`job.retention_policy.${k}`),
      );
    }
  }
  for (const [list, where] of [
    [job.job_parameters, 'job.job_parameters'],
    [job.parameter_sets, 'job.parameter_sets'],
  ] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((p: any) => typeof p?.name !== 'string'))) {
      throw badRequest(`${where} must be a list of objects with a name.`, field(where));
    }
  }
  const entity: JobEntity = {
    ...(hasRef ? { asset_ref: job.asset_ref } : { asset_ref_type: job.asset_ref_type }),
    configuration,
    job_parameters: job.job_parameters ?? [],
    parameter_sets: job.parameter_sets ?? [],
    enable_notifications: job.enable_notifications ?? true,
  };
  for (const k of [
    'schedule',
    'schedule_info',
    'retention_policy',
    'notification_types',
    'serving_name',
  ] as const) {
    if (job[k] !== undefined && job[k] !== null && job[k] !== '') (entity as any)[k] = job[k];
  }
  return entity;
}

/** Catalog-style metadata of a job (and, with another type, of a run), as the seed shows it. */
export function catalogMetadata(asset: Asset) {
  const created = Date.parse(asset.created_at);
  const usage = asset.usage;
  const containerKey = asset.container.kind === 'space' ? 'space_id' : 'project_id';
  return {
    [containerKey]: asset.container.id,
    ...(asset.container.kind === 'project' ? { sandbox_id: asset.container.id } : {}),
    usage: {
      last_updated_at: usage.last_update_time,
      last_updater_id: usage.last_updater_id,
      last_update_time: Date.parse(usage.last_update_time),
      last_accessed_at: usage.last_access_time,
      last_access_time: Date.parse(usage.last_access_time),
      last_accessor_id: usage.last_accessor_id,
      access_count: usage.access_count,
    },
    rov: asset.rov,
    is_linked_with_sub_container: false,
    name: asset.name,
    description: asset.description,
    asset_type: asset.asset_type,
    origin_country: asset.origin_country ?? 'us',
    rating: 0,
    total_ratings: 0,
    created,
    created_at: asset.created_at,
    owner_id: asset.owner_id,
    size: 0,
    version: asset.version,
    asset_state: asset.asset_state,
    asset_attributes: [asset.asset_type],
    asset_id: asset.asset_id,
    asset_category: asset.asset_category,
    creator_id: asset.creator_id,
  };
}

export interface LastRun {
  state: string;
  creator_id: string;
  created_at: string;
  updated_at: string;
}

/** A job as the API shows it: stored fields, the next slots, its container's name and its last run. */
export function presentJob(asset: Asset, futureRuns: Date[], containerName: string, lastRun?: LastRun) {
  const job = (asset.entity.job ?? {}) as JobEntity;
  return {
    metadata: catalogMetadata(asset),
    entity: {
      job: {
        ...job,
        schedule_id: job.schedule ? (job.schedule_id ?? asset.asset_id) : '',
        schedule_creator_id: job.schedule ? (job.schedule_creator_id ?? asset.owner_id) : '',
        last_run_initiator: lastRun?.creator_id ?? '',
        last_run_time: lastRun?.created_at ?? '',
        last_run_status: lastRun?.state ?? '',
        last_run_status_timestamp: lastRun ? Date.parse(lastRun.updated_at) : 0,
        future_scheduled_runs: futureRuns.map((d) => d.toISOString()),
        [asset.container.kind === 'space' ? 'space_name' : 'project_name']: containerName,
      },
    },
    href: `/v2/assets/${asset.asset_id}?${containerQueryString(asset.container)}`,
    asset_id: asset.asset_id,
  };
}
