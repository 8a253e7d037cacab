import { fieldError, type CodeEngineArea } from './area.ts';
import type { RequestScope } from './http.ts';
import { REGION } from './settings.ts';
import {
  apiBaseUrl,
  checkImageReference,
  checkLimits,
  checkRange,
  checkVolumeMounts,
  computedEnv,
  normalizeEnvVars,
  type EnvVar,
  type ServiceAccount,
  type VolumeMount,
  applyRunIdentity,
  stringList,
} from './workload-spec.ts';

/** A job's settings (and a job run's copy of them): every default filled in. */
export interface JobSpec {
  image_reference: string;
  image_secret?: string;
  run_arguments: string[];
  run_as_user?: number;
  run_commands: string[];
  run_compute_resource_token_enabled: boolean;
  run_env_variables: EnvVar[];
  run_mode: 'task' | 'daemon';
  run_service_account: ServiceAccount;
  run_volume_mounts: VolumeMount[];
  scale_array_spec: string;
  scale_cpu_limit: string;
  scale_ephemeral_storage_limit: string;
  scale_max_execution_time: number;
  scale_memory_limit: string;
  scale_retry_limit: number;
}

export const JOB_DEFAULTS = {
  run_compute_resource_token_enabled: false,
  run_mode: 'task',
  run_service_account: 'default',
  scale_array_spec: '0',
  scale_cpu_limit: '1',
  scale_ephemeral_storage_limit: '400M',
  scale_max_execution_time: 7200,
  scale_memory_limit: '4G',
  scale_retry_limit: 3,
} as const;

/** Array indices go from 0 to 9999999; one run has at most 1000 of them. */
export const MAX_INDEX = 9_999_999;
export const MAX_INDICES = 1000;

/** The indices an array spec such as `0-3,7` names, sorted and without repeats; 400 when invalid. */
export function parseArraySpec(value: string, field = 'scale_array_spec'): number[] {
  const bad = (why: string) => fieldError(400, `Invalid '${field}': '${value}' ${why}.`, field);
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(value)) {
    throw bad("must be indices and ranges separated by commas, such as '0-3,7'");
  }
  const indices = new Set<number>();
  for (const part of value.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    if (from > to) throw bad(`has the range '${part}' whose start exceeds its end`);
    if (to > MAX_INDEX) throw bad(`names an index above ${MAX_INDEX}`);
    if (to - from + 1 + indices.size > MAX_INDICES * 2) throw bad(`names more than ${MAX_INDICES} indices`);
    for (let i = from; i <= to; i++) indices.add(i);
  }
  if (indices.size > MAX_INDICES) throw bad(`names more than ${MAX_INDICES} indices`);
  return [...indices].sort((a, b) => a - b);
}

/** The compact form of sorted indices: consecutive runs become ranges (`0-3,7`). */
export function formatIndices(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(i === j ? String(indices[i]) : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Validates job settings (a prototype, a stored job with a patch, a run's settings) and fills defaults. */
export async function buildJobSpec(
  area: CodeEngineArea,
  projectId: string,
  input: Record<string, unknown>,
): Promise<JobSpec> {
  const i = input as Partial<JobSpec>;
  const spec: JobSpec = {
    image_reference: checkImageReference(i.image_reference),
    run_arguments: stringList(i.run_arguments, 'run_arguments'),
    run_commands: stringList(i.run_commands, 'run_commands'),
    run_compute_resource_token_enabled:
      i.run_compute_resource_token_enabled ?? JOB_DEFAULTS.run_compute_resource_token_enabled,
    run_env_variables: normalizeEnvVars(i.run_env_variables),
    run_mode: i.run_mode ?? JOB_DEFAULTS.run_mode,
    run_service_account: i.run_service_account ?? JOB_DEFAULTS.run_service_account,
    run_volume_mounts: await checkVolumeMounts(area, projectId, i.run_volume_mounts),
    scale_array_spec: i.scale_array_spec ?? JOB_DEFAULTS.scale_array_spec,
    scale_cpu_limit: i.scale_cpu_limit ?? JOB_DEFAULTS.scale_cpu_limit,
    scale_ephemeral_storage_limit:
      i.scale_ephemeral_storage_limit ?? JOB_DEFAULTS.scale_ephemeral_storage_limit,
    scale_max_execution_time: i.scale_max_execution_time ?? JOB_DEFAULTS.scale_max_execution_time,
    scale_memory_limit: i.scale_memory_limit ?? JOB_DEFAULTS.scale_memory_limit,
    scale_retry_limit: i.scale_retry_limit ?? JOB_DEFAULTS.scale_retry_limit,
  };
  await applyRunIdentity(area, projectId, i, spec);
  parseArraySpec(spec.scale_array_spec);
  checkRange(spec.scale_max_execution_time, 'scale_max_execution_time', 1, 86400);
  checkRange(spec.scale_retry_limit, 'scale_retry_limit', 0, 5);
  checkLimits(spec);
  return spec;
}

/** The variables the service sets in every instance of a job (and of its runs). */
export function jobComputedEnv(
  scope: RequestScope,
  projectId: string,
  job: string | undefined,
  run?: { name: string; arraySize: number },
): EnvVar[] {
  return computedEnv({
    CE_API_BASE_URL: apiBaseUrl(scope),
    ...(job !== undefined ? { CE_JOB: job } : {}),
    ...(run ? { CE_JOBRUN: run.name, JOB_ARRAY_SIZE: run.arraySize } : {}),
    CE_PROJECT_ID: projectId,
    CE_REGION: REGION,
  });
}
