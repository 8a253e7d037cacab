import type { AppContext } from '../../platform/context.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { JobConfiguration } from './job-model.ts';

/** The memory a run may use when its hardware specification cannot be found (XS: 4 GiB). */
const defaultMemoryMb = () => Number(process.env.JOB_RUN_MEMORY_LIMIT_MB) || 4096;

/**
 * Memory limit of a run, in bytes, from the hardware specification its configuration names
 * (`hardware_spec.id`/`name`, or `hw_spec`). The hardware specification catalog is not on this
 * branch yet: every run gets the default until it is.
 */
export async function memoryLimitOf(
  _ctx: AppContext,
  _container: ContainerRef,
  _configuration: JobConfiguration,
): Promise<number> {
  return defaultMemoryMb() * 1024 * 1024;
}
