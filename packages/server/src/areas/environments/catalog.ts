import type { AppContext } from '../../platform/context.ts';
import type { Asset } from '../assets/model.ts';
import { assetStoreOf } from '../assets/store.ts';
import type { ContainerRef } from '../containers/access.ts';
import { builtinHardwareSpecifications } from '../hardware-specifications/catalog.ts';
import { builtinSoftwareSpecifications } from '../software-specifications/catalog.ts';
import { BUILTIN_ENVIRONMENTS } from './builtin-data.ts';
import { builtinRecord, recordOfAsset, type RuntimeRecord } from './runtime-record.ts';

export const ENVIRONMENT_TYPE = 'environment';

export interface SupportedKernel {
  name: string;
  language?: string;
  version?: string | number;
  display_name?: string;
}

/** What is stored of an environment (the asset's entity.environment). */
export interface EnvironmentDetails {
  /** notebook, wml_flow, datastage, ... (`type` when creating). */
  sub_type: string;
  display_name: string;
  hardware_specification: { guid: string };
  software_specification?: { guid: string };
  tools_specification?: { supported_kernels?: SupportedKernel[]; [key: string]: unknown };
  environment_variables?: Record<string, unknown>;
  config_variables?: Record<string, unknown>;
  authorization_variables?: Record<string, unknown>;
  compute_specification?: Record<string, unknown>;
  location?: Record<string, unknown>;
  runtime_definition?: string;
  runtime_idle_time?: number;
}

/** An environment, built-in (a default of every project and space) or custom (an asset). */
export interface Environment extends RuntimeRecord, EnvironmentDetails {}

const idByName = (list: readonly RuntimeRecord[], name: string): string => {
  const found = list.find((x) => x.name === name);
  if (!found) throw new Error(`built-in environment data names an unknown specification ${name}`);
  return found.id;
};

const BUILTINS: Environment[] = BUILTIN_ENVIRONMENTS.map((e) => ({
  ...builtinRecord(e.id, e.id, e.description),
  sub_type: e.sub_type,
  display_name: e.display_name,
  hardware_specification: { guid: idByName(builtinHardwareSpecifications(), e.hardware) },
  software_specification: { guid: idByName(builtinSoftwareSpecifications(), e.software) },
  tools_specification: { supported_kernels: [e.kernel] },
}));

export const builtinEnvironments = (): readonly Environment[] => BUILTINS;

export function environmentOfAsset(a: Asset): Environment {
  const d = (a.entity[ENVIRONMENT_TYPE] ?? {}) as EnvironmentDetails;
  return { ...recordOfAsset(a), ...d };
}

/**
 * The environment with this id: a default one, or a custom one of `container`, with references
 * (`{guid}`) to its hardware and software specifications (resolve them with
 * findHardwareSpecification / findSoftwareSpecification). No access check: callers check roles.
 */
export async function findEnvironment(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef | undefined,
  id: string,
): Promise<Environment | undefined> {
  const builtin = BUILTINS.find((e) => e.id === id);
  if (builtin || !container) return builtin;
  const asset = await assetStoreOf(ctx).assets.getAsset(container, id);
  return asset?.asset_type === ENVIRONMENT_TYPE ? environmentOfAsset(asset) : undefined;
}
