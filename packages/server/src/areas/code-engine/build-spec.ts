import { fieldError, type CodeEngineArea } from './area.ts';
import { checkImageReference, checkRange, normalizeEnvVars, type EnvVar } from './workload-spec.ts';

/** How a build turns source into an image: every default filled in. */
export interface BuildSpec {
  output_image: string;
  output_secret: string;
  run_build_params: EnvVar[];
  source_context_dir?: string;
  source_revision?: string;
  source_secret?: string;
  source_type: 'local' | 'git';
  source_url?: string;
  strategy_size: 'small' | 'medium' | 'large' | 'xlarge' | 'xxlarge';
  strategy_spec_file?: string;
  strategy_type: 'dockerfile' | 'buildpacks';
  timeout: number;
}

export const BUILD_DEFAULTS = { source_type: 'git', strategy_size: 'medium', timeout: 600 } as const;

/** Git repositories: https URLs or `git@host:path` SSH addresses. */
const GIT_URL = /^(https?:\/\/[^\s/]+\/\S+|git@[^\s:]+:\S+|ssh:\/\/\S+)$/;

/**
 * Checks a build's settings (a prototype, a stored build with a patch applied, or a run's inline
 * build) and fills the defaults: git sources need a URL, Dockerfile builds name their file.
 */
export function buildSpecOf(input: Record<string, unknown>): BuildSpec {
  const i = input as Partial<BuildSpec>;
  if (typeof i.output_secret !== 'string' || i.output_secret === '') {
    throw fieldError(
      400,
      "'output_secret' is required: the registry secret to push the image with.",
      'output_secret',
    );
  }
  if (i.strategy_type === undefined) {
    throw fieldError(400, "'strategy_type' is required: 'dockerfile' or 'buildpacks'.", 'strategy_type');
  }
  const spec: BuildSpec = {
    output_image: checkImageReference(i.output_image, 'output_image'),
    output_secret: i.output_secret,
    run_build_params: normalizeEnvVars(i.run_build_params, 'run_build_params'),
    source_type: i.source_type ?? BUILD_DEFAULTS.source_type,
    strategy_size: i.strategy_size ?? BUILD_DEFAULTS.strategy_size,
    strategy_type: i.strategy_type,
    timeout: i.timeout ?? BUILD_DEFAULTS.timeout,
  };
  checkRange(spec.timeout, 'timeout', 1, 3600);
  if (spec.source_type === 'git') {
    if (typeof i.source_url !== 'string' || !GIT_URL.test(i.source_url)) {
      throw fieldError(
        400,
        "'source_url' must be the URL of a git repository for builds from git.",
        'source_url',
      );
    }
    spec.source_url = i.source_url;
    if (i.source_revision !== undefined) spec.source_revision = i.source_revision;
    if (i.source_secret !== undefined) spec.source_secret = i.source_secret;
  } else {
    for (const field of ['source_url', 'source_revision', 'source_secret'] as const) {
      if (i[field] !== undefined) {
        throw fieldError(
          400,
          `'${field}' applies to builds from git only; this build's source is local.`,
          field,
        );
      }
    }
  }
  if (i.source_context_dir !== undefined) {
    if (i.source_context_dir.startsWith('/') || i.source_context_dir.split('/').includes('..')) {
      throw fieldError(
        400,
        "'source_context_dir' must be a relative path inside the source.",
        'source_context_dir',
      );
    }
    spec.source_context_dir = i.source_context_dir;
  }
  if (spec.strategy_type === 'dockerfile') spec.strategy_spec_file = i.strategy_spec_file ?? 'Dockerfile';
  else if (i.strategy_spec_file !== undefined) {
    throw fieldError(400, "'strategy_spec_file' applies to 'dockerfile' builds only.", 'strategy_spec_file');
  }
  return spec;
}

/**
 * The state a build is registered in: `failed` with the service's reason when a secret it names
 * is missing (the registry secret must be of format `registry`), else `ready`/`registered`.
 */
export async function buildState(
  area: CodeEngineArea,
  projectId: string,
  spec: BuildSpec,
): Promise<{ status: 'ready' | 'failed'; reason: string }> {
  const output = await area.resources.get<{ format: string }>(projectId, 'secret', spec.output_secret);
  const outputOk = output !== undefined && output.entity.format === 'registry';
  const sourceOk =
    spec.source_secret === undefined ||
    (await area.resources.get(projectId, 'secret', spec.source_secret)) !== undefined;
  if (!outputOk && !sourceOk) return { status: 'failed', reason: 'multiple_secret_ref_not_found' };
  if (!outputOk) return { status: 'failed', reason: 'spec_output_secret_ref_not_found' };
  if (!sourceOk) return { status: 'failed', reason: 'spec_source_secret_not_found' };
  return { status: 'ready', reason: 'registered' };
}
