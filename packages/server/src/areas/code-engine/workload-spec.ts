import crypto from 'node:crypto';
import { fieldError, type CodeEngineArea } from './area.ts';
import { BASE_PATH, type RequestScope } from './http.ts';
import { requireSecret } from './references.ts';
import { REGION } from './settings.ts';

/**
 * What apps, jobs, job runs and functions share: environment variables, volume mounts, probes,
 * resource limits, computed variables and the URLs a project's components are reached at.
 */

export type EnvVarType =
  | 'literal'
  | 'config_map_full_reference'
  | 'secret_full_reference'
  | 'config_map_key_reference'
  | 'secret_key_reference';

export interface EnvVar {
  type: EnvVarType;
  name?: string;
  value?: string;
  reference?: string;
  key?: string;
  prefix?: string;
}

export interface VolumeMount {
  type: 'config_map' | 'persistent_data_store' | 'secret';
  mount_path: string;
  reference: string;
  read_only?: boolean;
  sub_path?: string;
}

export interface Probe {
  type: 'tcp' | 'http';
  port?: number;
  path?: string;
  initial_delay: number;
  interval: number;
  timeout: number;
  failure_threshold: number;
}

export type ServiceAccount = 'default' | 'manager' | 'reader' | 'writer' | 'none';
export const SERVICE_ACCOUNTS: ServiceAccount[] = ['default', 'manager', 'reader', 'writer', 'none'];

/** Names of environment variables: letters, digits, `_`, `-`, `.`, not starting with a digit. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Fills `type` (literal by default) and checks each variable has the fields its type needs. */
export function normalizeEnvVars(list: unknown, field = 'run_env_variables'): EnvVar[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw fieldError(400, `'${field}' must be an array.`, field);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const at = `${field}[${i}]`;
    const v = (raw ?? {}) as Partial<EnvVar>;
    const type = v.type ?? 'literal';
    const out: EnvVar = { type };
    const needs = (key: keyof EnvVar) => {
      const value = v[key];
      if (typeof value !== 'string' || value.length === 0) {
        throw fieldError(
          400,
          `'${at}.${key}' is required for environment variables of type '${type}'.`,
          `${at}.${key}`,
        );
      }
      return value;
    };
    if (type === 'literal' || type === 'config_map_key_reference' || type === 'secret_key_reference') {
      out.name = needs('name');
      if (!ENV_NAME.test(out.name) || out.name.length > 253) {
        throw fieldError(
          400,
          `Invalid '${at}.name': '${out.name}' is not an environment variable name.`,
          `${at}.name`,
        );
      }
      if (seen.has(out.name)) {
        throw fieldError(400, `'${at}.name': the variable '${out.name}' is set twice.`, `${at}.name`);
      }
      seen.add(out.name);
    }
    if (type === 'literal') out.value = typeof v.value === 'string' ? v.value : '';
    else {
      out.reference = needs('reference');
      if (type.endsWith('_key_reference')) out.key = needs('key');
      else if (v.prefix !== undefined) out.prefix = v.prefix;
    }
    return out;
  });
}

/** A component's own variables, set by the service beside the user's. */
export function computedEnv(values: Record<string, string | number>): EnvVar[] {
  return Object.entries(values)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ type: 'literal' as const, name, value: String(value) }));
}

export function apiBaseUrl(scope: RequestScope): string {
  return `${scope.origin}${BASE_PATH}`;
}

/**
 * Volume mounts (without `name` since 6.0.2: the contract refuses it). Paths are absolute and
 * unique; the config map, secret or persistent data store each mount refers to must exist.
 */
export async function checkVolumeMounts(
  area: CodeEngineArea,
  projectId: string,
  list: unknown,
): Promise<VolumeMount[]> {
  if (list === undefined || list === null) return [];
  const field = 'run_volume_mounts';
  if (!Array.isArray(list)) throw fieldError(400, `'${field}' must be an array.`, field);
  const paths = new Set<string>();
  const out: VolumeMount[] = [];
  for (const [i, raw] of list.entries()) {
    const m = raw as VolumeMount;
    const at = `${field}[${i}]`;
    if (!m.mount_path.startsWith('/') || m.mount_path.includes('..') || m.mount_path.length > 4096) {
      throw fieldError(
        400,
        `Invalid '${at}.mount_path': '${m.mount_path}' must be an absolute path.`,
        `${at}.mount_path`,
      );
    }
    if (paths.has(m.mount_path)) {
      throw fieldError(400, `'${at}.mount_path': '${m.mount_path}' is mounted twice.`, `${at}.mount_path`);
    }
    paths.add(m.mount_path);
    if (m.type === 'secret') {
      if (!(await area.resources.get(projectId, 'secret', m.reference))) {
        throw fieldError(
          400,
          `'${at}.reference' refers to secret '${m.reference}', which does not exist in this project.`,
          `${at}.reference`,
        );
      }
    } else if (!(await area.resources.get(projectId, m.type, m.reference))) {
      const label = m.type.replace(/_/g, ' ');
      throw fieldError(
        400,
        `'${at}.reference' refers to ${label} '${m.reference}', which does not exist in this project.`,
        `${at}.reference`,
      );
    }
    if (m.sub_path !== undefined && m.type !== 'persistent_data_store') {
      throw fieldError(
        400,
        `'${at}.sub_path' applies to mounts of type 'persistent_data_store' only.`,
        `${at}.sub_path`,
      );
    }
    const mount: VolumeMount = { type: m.type, mount_path: m.mount_path, reference: m.reference };
    // Config maps and secrets are always mounted read-only; a data store is writable unless asked.
    mount.read_only = m.type === 'persistent_data_store' ? (m.read_only ?? false) : true;
    if (m.sub_path !== undefined) mount.sub_path = m.sub_path;
    out.push(mount);
  }
  return out;
}

/** A probe with every default filled in: TCP on the container port unless said otherwise. */
export function normalizeProbe(raw: unknown, port: number, field: string): Probe | undefined {
  if (raw === undefined || raw === null) return undefined;
  const p = raw as Partial<Probe>;
  const type = p.type ?? 'tcp';
  const probe: Probe = {
    type,
    // Port 0 (or none) means the app's own port.
    port: p.port ? p.port : port,
    initial_delay: p.initial_delay ?? 0,
    interval: p.interval ?? 10,
    timeout: p.timeout ?? 1,
    failure_threshold: p.failure_threshold ?? 1,
  };
  if (type === 'http') probe.path = p.path ?? '/';
  else if (p.path !== undefined)
    throw fieldError(400, `'${field}.path' applies to probes of type 'http' only.`, `${field}.path`);
  const bounded = (
    key: 'initial_delay' | 'interval' | 'timeout' | 'failure_threshold',
    min: number,
    max: number,
  ) => {
    const value = probe[key];
    if (value < min || value > max) {
      throw fieldError(400, `Invalid '${field}.${key}': must be from ${min} to ${max}.`, `${field}.${key}`);
    }
  };
  bounded('initial_delay', 0, 10);
  bounded('interval', 1, 10);
  bounded('timeout', 1, 3600);
  bounded('failure_threshold', 1, 10);
  if (probe.port !== undefined && (probe.port < 1 || probe.port > 65535)) {
    throw fieldError(400, `Invalid '${field}.port': must be from 1 to 65535.`, `${field}.port`);
  }
  return probe;
}

/** Container images: `[registry/][namespace/]repository[:tag][@digest]`, lowercase path. */
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function checkImageReference(value: unknown, field = 'image_reference'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw fieldError(400, `'${field}' is required: the container image to run.`, field);
  }
  if (value.length > 256 || !IMAGE_REFERENCE.test(value)) {
    throw fieldError(400, `Invalid '${field}': '${value}' is not a container image reference.`, field);
  }
  return value;
}

/** A registry secret a component pulls its image with, when one is named. */
export async function checkImageSecret(
  area: CodeEngineArea,
  projectId: string,
  name: unknown,
  field = 'image_secret',
): Promise<void> {
  if (typeof name === 'string') await requireSecret(area, projectId, name, 'registry', field);
}

const CPU = /^(\d+(\.\d+)?|\d*\.\d+)$/;
const SIZE = /^(\d+(\.\d+)?|\d*\.\d+)(M|G|Mi|Gi)$/;

/** Bytes of a size in M/G (decimal) or Mi/Gi (binary). */
function bytesOf(size: string): number {
  const m = SIZE.exec(size)!;
  const unit = { M: 1e6, G: 1e9, Mi: 2 ** 20, Gi: 2 ** 30 }[m[3] as 'M' | 'G' | 'Mi' | 'Gi'];
  return Number(m[1]) * unit;
}

/** CPU, memory and ephemeral storage limits, as the service bounds them. */
export function checkLimits(spec: {
  scale_cpu_limit: string;
  scale_memory_limit: string;
  scale_ephemeral_storage_limit?: string;
}): void {
  const cpu = spec.scale_cpu_limit;
  if (!CPU.test(cpu) || Number(cpu) <= 0 || Number(cpu) > 12) {
    throw fieldError(
      400,
      `Invalid 'scale_cpu_limit': '${cpu}' must be a number of vCPUs from 0.125 to 12.`,
      'scale_cpu_limit',
    );
  }
  const memory = spec.scale_memory_limit;
  if (!SIZE.test(memory) || bytesOf(memory) <= 0 || bytesOf(memory) > 48e9) {
    throw fieldError(
      400,
      `Invalid 'scale_memory_limit': '${memory}' must be a size in M or G, at most 48G.`,
      'scale_memory_limit',
    );
  }
  const storage = spec.scale_ephemeral_storage_limit;
  if (storage === undefined) return;
  if (!SIZE.test(storage) || bytesOf(storage) <= 0) {
    throw fieldError(
      400,
      `Invalid 'scale_ephemeral_storage_limit': '${storage}' must be a size in M or G.`,
      'scale_ephemeral_storage_limit',
    );
  }
  if (bytesOf(storage) > bytesOf(memory)) {
    throw fieldError(
      400,
      `Invalid 'scale_ephemeral_storage_limit': '${storage}' must not exceed 'scale_memory_limit' ('${memory}').`,
      'scale_ephemeral_storage_limit',
    );
  }
}

/** A non-negative integer field within bounds. */
export function checkRange(value: number | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw fieldError(400, `Invalid '${field}': must be an integer from ${min} to ${max}.`, field);
  }
}

/**
 * The project's subdomain in component URLs: the same short hash its custom domain target uses
 * (`custom.<subdomain>.<region>.codeengine.appdomain.cloud`).
 */
export function projectSubdomain(projectId: string): string {
  return crypto.createHash('sha256').update(projectId).digest('hex').slice(0, 11);
}

export const APP_DOMAIN = `${REGION}.codeengine.appdomain.cloud`;

export type ManagedDomainMappings = 'local' | 'local_private' | 'local_public';

/** Public (or private) URL and cluster-internal URL of an app or function. */
export function endpointsOf(
  name: string,
  projectId: string,
  visibility: ManagedDomainMappings,
  internalDomain: 'svc.cluster.local' | 'function.cluster.local',
): { endpoint?: string; endpoint_internal: string } {
  const sub = projectSubdomain(projectId);
  const internal = `http://${name}.${sub}.${internalDomain}`;
  if (visibility === 'local') return { endpoint_internal: internal };
  const host =
    visibility === 'local_private' ? `${name}.${sub}.private.${APP_DOMAIN}` : `${name}.${sub}.${APP_DOMAIN}`;
  return { endpoint: `https://${host}`, endpoint_internal: internal };
}

/** A short lowercase random suffix for generated names. */
export function randomSuffix(length = 5): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(length);
  return Array.from(bytes, (b) => letters[b % letters.length]).join('');
}

/** A stable sha256 digest derived from a seed (image digests of builds, instance ids...). */
export function digestOf(seed: string): string {
  return crypto.createHash('sha256').update(seed).digest('hex');
}

/** A list of strings (arguments, commands); absent means none. */
export function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fieldError(400, `'${field}' must be an array of strings.`, field);
  return value as string[];
}

/**
 * Checks who an app's or a job's containers run as (service account, user id) and the secret their
 * image is pulled with, and sets the last two on `spec` when given.
 */
export async function applyRunIdentity(
  area: CodeEngineArea,
  projectId: string,
  i: { image_secret?: string; run_as_user?: number },
  spec: { run_service_account: ServiceAccount; image_secret?: string; run_as_user?: number },
): Promise<void> {
  if (!SERVICE_ACCOUNTS.includes(spec.run_service_account)) {
    throw fieldError(
      400,
      `Invalid 'run_service_account': '${spec.run_service_account}'.`,
      'run_service_account',
    );
  }
  if (i.image_secret !== undefined) {
    await checkImageSecret(area, projectId, i.image_secret);
    spec.image_secret = i.image_secret;
  }
  if (i.run_as_user !== undefined) {
    checkRange(i.run_as_user, 'run_as_user', 0, 2147483647);
    spec.run_as_user = i.run_as_user;
  }
}
