import { fieldError, type CodeEngineArea } from './area.ts';
import type { RequestScope } from './http.ts';
import type { ResourceRecord } from './repository.ts';
import { REGION } from './settings.ts';
import {
  APP_DOMAIN,
  apiBaseUrl,
  checkImageReference,
  checkLimits,
  checkRange,
  checkVolumeMounts,
  computedEnv,
  normalizeEnvVars,
  normalizeProbe,
  projectSubdomain,
  type EnvVar,
  type ManagedDomainMappings,
  type Probe,
  type ServiceAccount,
  type VolumeMount,
  applyRunIdentity,
  stringList,
} from './workload-spec.ts';

/** The settings of an app that every revision copies: all defaults filled in. */
export interface AppSpec {
  image_reference: string;
  image_port: number;
  image_secret?: string;
  managed_domain_mappings: ManagedDomainMappings;
  probe_liveness?: Probe;
  probe_readiness?: Probe;
  run_arguments: string[];
  run_as_user?: number;
  run_commands: string[];
  run_compute_resource_token_enabled: boolean;
  run_env_variables: EnvVar[];
  run_service_account: ServiceAccount;
  run_volume_mounts: VolumeMount[];
  scale_concurrency: number;
  scale_concurrency_target: number;
  scale_cpu_limit: string;
  scale_down_delay: number;
  scale_ephemeral_storage_limit: string;
  scale_initial_instances: number;
  scale_max_instances: number;
  scale_memory_limit: string;
  scale_min_instances: number;
  scale_request_timeout: number;
}

/** Defaults of the service for fields an app prototype leaves out. */
export const APP_DEFAULTS = {
  image_port: 8080,
  managed_domain_mappings: 'local_public',
  run_compute_resource_token_enabled: false,
  run_service_account: 'default',
  scale_concurrency: 100,
  scale_cpu_limit: '1',
  scale_down_delay: 0,
  scale_ephemeral_storage_limit: '400M',
  scale_initial_instances: 1,
  scale_max_instances: 10,
  scale_memory_limit: '4G',
  scale_min_instances: 0,
  scale_request_timeout: 300,
} as const;

/** An app as stored: its current settings and which revisions it has made and serves. */
export interface AppEntity {
  spec: AppSpec;
  /** How many revisions the app has made; the next is numbered one more. */
  revision_count: number;
  latest_created_revision: string;
  /** The revision that served before `latest_created_revision`, while that one deploys. */
  previous_ready_revision?: string;
}

export interface RevisionEntity {
  app_name: string;
  spec: AppSpec;
}

/** `<app>-00001`: revisions are numbered per app. */
export function revisionName(app: string, n: number): string {
  return `${app}-${String(n).padStart(5, '0')}`;
}

/**
 * Validates an app's settings (a prototype, or the stored settings with a merge patch applied)
 * and fills every default. References (image secret, mounted config maps...) must exist.
 */
export async function buildAppSpec(
  area: CodeEngineArea,
  projectId: string,
  input: Record<string, unknown>,
): Promise<AppSpec> {
  const i = input as Partial<AppSpec>;
  const image_port = i.image_port ?? APP_DEFAULTS.image_port;
  checkRange(image_port, 'image_port', 1, 65535);
  const spec: AppSpec = {
    image_reference: checkImageReference(i.image_reference),
    image_port,
    managed_domain_mappings: i.managed_domain_mappings ?? APP_DEFAULTS.managed_domain_mappings,
    run_arguments: stringList(i.run_arguments, 'run_arguments'),
    run_commands: stringList(i.run_commands, 'run_commands'),
    run_compute_resource_token_enabled:
      i.run_compute_resource_token_enabled ?? APP_DEFAULTS.run_compute_resource_token_enabled,
    run_env_variables: normalizeEnvVars(i.run_env_variables),
    run_service_account: i.run_service_account ?? APP_DEFAULTS.run_service_account,
    run_volume_mounts: await checkVolumeMounts(area, projectId, i.run_volume_mounts),
    scale_concurrency: i.scale_concurrency ?? APP_DEFAULTS.scale_concurrency,
    scale_concurrency_target:
      i.scale_concurrency_target ?? i.scale_concurrency ?? APP_DEFAULTS.scale_concurrency,
    scale_cpu_limit: i.scale_cpu_limit ?? APP_DEFAULTS.scale_cpu_limit,
    scale_down_delay: i.scale_down_delay ?? APP_DEFAULTS.scale_down_delay,
    scale_ephemeral_storage_limit:
      i.scale_ephemeral_storage_limit ?? APP_DEFAULTS.scale_ephemeral_storage_limit,
    scale_initial_instances: i.scale_initial_instances ?? APP_DEFAULTS.scale_initial_instances,
    scale_max_instances: i.scale_max_instances ?? APP_DEFAULTS.scale_max_instances,
    scale_memory_limit: i.scale_memory_limit ?? APP_DEFAULTS.scale_memory_limit,
    scale_min_instances: i.scale_min_instances ?? APP_DEFAULTS.scale_min_instances,
    scale_request_timeout: i.scale_request_timeout ?? APP_DEFAULTS.scale_request_timeout,
  };
  await applyRunIdentity(area, projectId, i, spec);
  const liveness = normalizeProbe(i.probe_liveness, image_port, 'probe_liveness');
  if (liveness) spec.probe_liveness = liveness;
  const readiness = normalizeProbe(i.probe_readiness, image_port, 'probe_readiness');
  if (readiness) spec.probe_readiness = readiness;

  checkRange(spec.scale_concurrency, 'scale_concurrency', 1, 1000);
  checkRange(spec.scale_concurrency_target, 'scale_concurrency_target', 1, spec.scale_concurrency);
  checkRange(spec.scale_down_delay, 'scale_down_delay', 0, 3600);
  checkRange(spec.scale_max_instances, 'scale_max_instances', 0, 250);
  checkRange(spec.scale_min_instances, 'scale_min_instances', 0, 250);
  checkRange(spec.scale_initial_instances, 'scale_initial_instances', 0, 250);
  checkRange(spec.scale_request_timeout, 'scale_request_timeout', 1, 600);
  if (spec.scale_max_instances > 0 && spec.scale_min_instances > spec.scale_max_instances) {
    throw fieldError(
      400,
      `Invalid 'scale_min_instances': ${spec.scale_min_instances} exceeds 'scale_max_instances' (${spec.scale_max_instances}).`,
      'scale_min_instances',
    );
  }
  checkLimits(spec);
  return spec;
}

/** The variables the service sets in every instance of an app. */
export function appComputedEnv(scope: RequestScope, projectId: string, app: string, spec: AppSpec): EnvVar[] {
  return computedEnv({
    CE_API_BASE_URL: apiBaseUrl(scope),
    CE_APP: app,
    CE_DOMAIN: APP_DOMAIN,
    CE_PROJECT_ID: projectId,
    CE_REGION: REGION,
    CE_SUBDOMAIN: projectSubdomain(projectId),
    PORT: spec.image_port,
  });
}

/** How many instances a serving revision runs: its minimum, and at least one while it is ready. */
export function instanceCount(spec: AppSpec): number {
  return Math.max(1, spec.scale_min_instances);
}

/** The revision that serves traffic now, if any. */
export function servingRevision(app: ResourceRecord<AppEntity>): string | undefined {
  return app.status === 'ready' ? app.entity.latest_created_revision : app.entity.previous_ready_revision;
}
