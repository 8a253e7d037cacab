import type { AppContext } from '../../platform/context.ts';
import type { Asset } from '../assets/model.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import { assetStoreOf } from '../assets/store.ts';
import type { ContainerRef } from '../containers/access.ts';
import { builtinId } from '../environments/builtin-id.ts';
import { builtinRecord, recordOfAsset, type RuntimeRecord } from '../environments/runtime-record.ts';
import { BUILTIN_HARDWARE, type CpuMem } from './builtin-data.ts';

export const HARDWARE_TYPE = 'hardware_specification';

export interface HardwareNodes extends Partial<CpuMem> {
  gpu?: { num_gpu?: number; name?: string; gpu_profile?: string; mig_profile?: string };
  node_selector?: { label_name?: string; label_value?: string }[];
  num_nodes?: number;
  num_drivers?: number;
  drivers?: Partial<CpuMem>;
  worker_pool?: { id?: number; provider?: string };
}

/** What a hardware specification describes: exactly one of `nodes`, `spark` and `datastage`. */
export interface HardwareDetails {
  nodes?: HardwareNodes;
  spark?: Record<string, unknown>;
  datastage?: Record<string, unknown>;
}

/** A hardware specification, built-in or custom (then an asset of type hardware_specification). */
export interface HardwareSpecification extends RuntimeRecord, HardwareDetails {}

const BUILTINS: HardwareSpecification[] = BUILTIN_HARDWARE.map((h) => ({
  ...builtinRecord(builtinId(HARDWARE_TYPE, h.name), h.name, h.description),
  ...(h.nodes ? { nodes: h.nodes } : {}),
  ...(h.spark ? { spark: h.spark } : {}),
}));

/** Every built-in hardware specification, in catalog order. */
export const builtinHardwareSpecifications = (): readonly HardwareSpecification[] => BUILTINS;

export function hardwareOfAsset(a: Asset): HardwareSpecification {
  const details = (a.entity[HARDWARE_TYPE] ?? {}) as HardwareDetails;
  return { ...recordOfAsset(a), ...details };
}

/**
 * The hardware specification with this id or name: a built-in one, or a custom one of `container`.
 * No access check: callers check the caller's role in `container` first. Used by jobs and runs to
 * size their runtimes.
 */
export async function findHardwareSpecification(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef | undefined,
  idOrName: string,
  trx?: AssetExecutor,
): Promise<HardwareSpecification | undefined> {
  const builtin = BUILTINS.find((h) => h.id === idOrName || h.name === idOrName);
  if (builtin || !container) return builtin;
  const { assets } = assetStoreOf(ctx);
  const byId = await assets.getAsset(container, idOrName, trx);
  if (byId) return byId.asset_type === HARDWARE_TYPE ? hardwareOfAsset(byId) : undefined;
  const byName = await assets.listAssets(
    {
      container,
      type: HARDWARE_TYPE,
      filters: { name: idOrName },
      limit: 1,
    },
    trx,
  );
  const found = byName.assets[0];
  return found && hardwareOfAsset(found);
}
