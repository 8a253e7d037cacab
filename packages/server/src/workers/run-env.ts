import type { RunDetails } from '../areas/jobs/repository.ts';
import type { JobParameter } from '../areas/jobs/job-model.ts';
import type { ContainerRef } from '../areas/containers/access.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** Parameters by name, later ones winning: parameter sets' values first, then job parameters. */
export function effectiveParameters(details: RunDetails): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (list: JobParameter[] | undefined) => {
    for (const p of list ?? []) out[p.name] = p.value;
  };
  for (const set of details.parameter_sets ?? []) put(set.values);
  put(details.job_parameters);
  return out;
}

/**
 * The whole environment of a job process. Nothing of the server's own environment reaches it
 * but PATH (no database URL, no keys). Precedence, lowest first: the configuration's
 * env_variables, then parameters (names that are valid variable names), then what identifies
 * the run. Every parameter is also in `$JOB_PARAMETERS_FILE` (JSON), whatever its name.
 */
export function runEnvironment(
  runId: string,
  jobId: string,
  container: ContainerRef,
  details: RunDetails,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
  };
  for (const item of details.configuration?.env_variables ?? []) {
    const at = item.indexOf('=');
    if (at > 0) env[item.slice(0, at)] = item.slice(at + 1);
  }
  for (const [name, value] of Object.entries(effectiveParameters(details))) {
    if (ENV_NAME.test(name)) env[name] = text(value);
  }
  Object.assign(env, {
    JOB_ID: jobId,
    JOB_RUN_ID: runId,
    [container.kind === 'space' ? 'SPACE_ID' : 'PROJECT_ID']: container.id,
    JOB_PARAMETERS_FILE: 'parameters.json',
  });
  return env;
}
