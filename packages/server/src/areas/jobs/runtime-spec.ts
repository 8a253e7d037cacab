import type { AppContext } from '../../platform/context.ts';
import type { ContainerRef } from '../containers/access.ts';
import { findEnvironment } from '../environments/catalog.ts';
import { findHardwareSpecification } from '../hardware-specifications/catalog.ts';
import type { JobConfiguration } from './job-model.ts';

/** The memory a run may use when no hardware specification says otherwise (the smallest, XXS: 4 GiB). */
const defaultMemoryMb = () => Number(process.env.JOB_RUN_MEMORY_LIMIT_MB) || 4096;

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};

/** `4Gi`, `512Mi`, `8GB`, `1.5G` in bytes; undefined when it is not a size. */
export function parseMemorySize(size: unknown): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*$/i.exec(String(size ?? ''));
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()];
  return bytes > 0 ? Math.floor(bytes) : undefined;
}

/**
 * Memory limit of a run, in bytes: from the hardware specification its configuration names
 * (`hardware_spec.id`/`name` or `hw_spec`), else the one of its environment (`env_id`), else the
 * default. The specification's `nodes.mem.size` is what one node of it has.
 */
export async function memoryLimitOf(
  ctx: AppContext,
  container: ContainerRef,
  configuration: JobConfiguration,
): Promise<number> {
  const given = configuration.hardware_spec as { id?: unknown; name?: unknown } | undefined;
  let ref = [given?.id, given?.name, configuration.hw_spec].find((v) => typeof v === 'string') as
    string | undefined;
  if (!ref && typeof configuration.env_id === 'string') {
    ref = (await findEnvironment(ctx, container, configuration.env_id))?.hardware_specification?.guid;
  }
  const spec = ref ? await findHardwareSpecification(ctx, container, ref) : undefined;
  return parseMemorySize(spec?.nodes?.mem?.size) ?? defaultMemoryMb() * 1024 * 1024;
}
