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
import { requireMatch } from './entity-tag.ts';
import { requireRuntime } from './function-runtimes.ts';
import { resourceHandlers } from './resource-handlers.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { mergePatch } from './merge-patch.ts';
import type { ResourceRecord } from './repository.ts';
import { REGION } from './settings.ts';
import {
  APP_DOMAIN,
  apiBaseUrl,
  checkImageReference,
  checkImageSecret,
  checkLimits,
  checkRange,
  computedEnv,
  endpointsOf,
  normalizeEnvVars,
  projectSubdomain,
  type EnvVar,
  type ManagedDomainMappings,
} from './workload-spec.ts';

interface FunctionSpec {
  code_binary: boolean;
  code_main: string;
  code_reference: string;
  code_secret?: string;
  managed_domain_mappings: ManagedDomainMappings;
  run_compute_resource_token_enabled: boolean;
  run_env_variables: EnvVar[];
  runtime: string;
  scale_concurrency: number;
  scale_cpu_limit: string;
  scale_down_delay: number;
  scale_max_execution_time: number;
  scale_memory_limit: string;
}

interface FunctionEntity {
  spec: FunctionSpec;
  /** True once the function has been updated: later deployments replace a ready version. */
  updated?: boolean;
}

type Params = { project_id: string; name: string };

const DEFAULTS = {
  code_binary: false,
  code_main: 'main',
  managed_domain_mappings: 'local_public',
  run_compute_resource_token_enabled: false,
  scale_concurrency: 1,
  scale_cpu_limit: '1',
  scale_down_delay: 1,
  scale_max_execution_time: 60,
  scale_memory_limit: '4G',
} as const;

/** `data:<media type>;base64,<data>`: code given inline. */
const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+);base64,([A-Za-z0-9+/]*={0,2})$/;
/** Entry points: a function name, optionally qualified (`handler.main`). */
const ENTRY_POINT = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** Code is inline (a base64 data URI: plain text, or a zip when binary) or a code bundle image. */
function checkCode(spec: Pick<FunctionSpec, 'code_reference' | 'code_binary'>): void {
  const ref = spec.code_reference;
  if (ref.startsWith('data:')) {
    const m = DATA_URI.exec(ref);
    if (!m || m[2].length % 4 !== 0) {
      throw fieldError(
        400,
        "Invalid 'code_reference': inline code must be 'data:<type>;base64,<code>'.",
        'code_reference',
      );
    }
    if (!spec.code_binary && m[1] !== 'text/plain') {
      throw fieldError(
        400,
        `'code_reference' holds '${m[1]}' data: set 'code_binary' to true for archives, or send 'text/plain' code.`,
        'code_binary',
      );
    }
    return;
  }
  checkImageReference(ref, 'code_reference');
}

async function buildFunctionSpec(
  area: CodeEngineArea,
  projectId: string,
  input: Record<string, unknown>,
  previousRuntime?: string,
): Promise<FunctionSpec> {
  const i = input as Partial<FunctionSpec>;
  if (typeof i.code_reference !== 'string' || i.code_reference === '') {
    throw fieldError(400, "'code_reference' is required: the function's code.", 'code_reference');
  }
  if (typeof i.runtime !== 'string') throw fieldError(400, "'runtime' is required.", 'runtime');
  requireRuntime(i.runtime, i.runtime === previousRuntime);
  const spec: FunctionSpec = {
    code_binary: i.code_binary ?? DEFAULTS.code_binary,
    code_main: i.code_main ?? DEFAULTS.code_main,
    code_reference: i.code_reference,
    managed_domain_mappings: i.managed_domain_mappings ?? DEFAULTS.managed_domain_mappings,
    run_compute_resource_token_enabled:
      i.run_compute_resource_token_enabled ?? DEFAULTS.run_compute_resource_token_enabled,
    run_env_variables: normalizeEnvVars(i.run_env_variables),
    runtime: i.runtime,
    scale_concurrency: i.scale_concurrency ?? DEFAULTS.scale_concurrency,
    scale_cpu_limit: i.scale_cpu_limit ?? DEFAULTS.scale_cpu_limit,
    scale_down_delay: i.scale_down_delay ?? DEFAULTS.scale_down_delay,
    scale_max_execution_time: i.scale_max_execution_time ?? DEFAULTS.scale_max_execution_time,
    scale_memory_limit: i.scale_memory_limit ?? DEFAULTS.scale_memory_limit,
  };
  checkCode(spec);
  if (!ENTRY_POINT.test(spec.code_main) || spec.code_main.length > 256) {
    throw fieldError(400, `Invalid 'code_main': '${spec.code_main}' is not a function name.`, 'code_main');
  }
  if (i.code_secret !== undefined) {
    if (spec.code_reference.startsWith('data:')) {
      throw fieldError(400, "'code_secret' applies to code bundles in a registry only.", 'code_secret');
    }
    await checkImageSecret(area, projectId, i.code_secret, 'code_secret');
    spec.code_secret = i.code_secret;
  }
  checkRange(spec.scale_concurrency, 'scale_concurrency', 1, 100);
  checkRange(spec.scale_down_delay, 'scale_down_delay', 0, 600);
  checkRange(spec.scale_max_execution_time, 'scale_max_execution_time', 1, 120);
  checkLimits(spec);
  return spec;
}

function presentFunction(scope: RequestScope, r: ResourceRecord<FunctionEntity>) {
  const { spec } = r.entity;
  const reason = r.status === 'ready' ? 'ready' : r.entity.updated ? 'ready_update_in_progress' : 'deploying';
  return {
    ...baseFields(scope, r),
    ...spec,
    computed_env_variables: computedEnv({
      CE_API_BASE_URL: apiBaseUrl(scope),
      CE_DOMAIN: APP_DOMAIN,
      CE_FUNCTION: r.name,
      CE_PROJECT_ID: r.projectId,
      CE_REGION: REGION,
      CE_SUBDOMAIN: projectSubdomain(r.projectId),
    }),
    ...endpointsOf(r.name, r.projectId, spec.managed_domain_mappings, 'function.cluster.local'),
    status: r.status,
    status_details: { reason },
  };
}

/** Functions: code on a runtime of the catalog; deploying, then ready, again on every update. */
export function registerFunctions(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;
  const deploying = () => ({ status: 'deploying', readyStatus: 'ready', readyInMs: area.settings.readyMs });

  const standard = resourceHandlers<FunctionEntity>(area, 'function', { present: presentFunction });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/functions': standard.list,

    'POST /projects/{project_id}/functions': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const { name, ...settings } = req.body as Record<string, unknown> & { name: string };
      checkName(name, { max: 63, dots: false });
      await requireProject(area, scope, project_id, { forCreate: true });
      const spec = await buildFunctionSpec(area, project_id, settings);
      const created = await resources.create<FunctionEntity>({
        projectId: project_id,
        kind: 'function',
        name,
        entity: { spec },
        transition: deploying(),
      });
      if (!created) throw resourceExists('function', name);
      return sendWithTag(reply, 201, presentFunction(scope, created));
    },

    'GET /projects/{project_id}/functions/{name}': standard.get,

    'PATCH /projects/{project_id}/functions/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const before = await resources.get<FunctionEntity>(project_id, 'function', name);
      if (!before) throw resourceNotFound('function', name);
      requireMatch(req.headers['if-match'], before.entityTag);
      const merged = mergePatch(before.entity.spec, req.body) as Record<string, unknown>;
      const spec = await buildFunctionSpec(area, project_id, merged, before.entity.spec.runtime);
      const updated = await resources.update<FunctionEntity>(
        project_id,
        'function',
        name,
        req.headers['if-match'],
        () => ({ entity: { spec, updated: true }, transition: deploying() }),
      );
      if (!updated) throw resourceNotFound('function', name);
      return sendWithTag(reply, 200, presentFunction(scope, updated));
    },

    'DELETE /projects/{project_id}/functions/{name}': standard.delete,
  });
}
