import type { AppContext } from '../../platform/context.ts';
import type { Asset } from '../assets/model.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import { assetStoreOf } from '../assets/store.ts';
import type { ContainerRef } from '../containers/access.ts';
import { builtinId } from '../environments/builtin-id.ts';
import { builtinRecord, recordOfAsset, type RuntimeRecord } from '../environments/runtime-record.ts';
import { BUILTIN_SOFTWARE, type PackageVersion } from './builtin-data.ts';

export const SOFTWARE_TYPE = 'software_specification';

export interface SoftwareConfiguration {
  included_packages: PackageVersion[];
  platform?: PackageVersion;
  language?: PackageVersion;
}

/** What is stored of a software specification (the asset's entity.software_specification). */
export interface SoftwareDetails {
  /** `base` (built-in) or `derived` (custom: a base plus package extensions). */
  type: 'base' | 'derived';
  display_name: string;
  base_software_specification?: { guid: string };
  package_extensions: { guid: string }[];
  /** A base's own configuration; a derived one inherits its base's. */
  software_configuration?: SoftwareConfiguration;
}

export interface SoftwareSpecification extends RuntimeRecord, SoftwareDetails {}

const BUILTINS: SoftwareSpecification[] = BUILTIN_SOFTWARE.map((s) => ({
  ...builtinRecord(s.id ?? builtinId(SOFTWARE_TYPE, s.name), s.name, s.description),
  type: 'base',
  display_name: s.display_name,
  package_extensions: [],
  software_configuration: {
    included_packages: s.packages.map(([name, version]) => ({ name, version })),
    ...(s.platform ? { platform: s.platform } : {}),
    language: s.language,
  },
}));

export const builtinSoftwareSpecifications = (): readonly SoftwareSpecification[] => BUILTINS;

export function softwareOfAsset(a: Asset): SoftwareSpecification {
  const d = (a.entity[SOFTWARE_TYPE] ?? {}) as Partial<SoftwareDetails>;
  return {
    ...recordOfAsset(a),
    type: 'derived',
    display_name: d.display_name ?? a.name,
    ...(d.base_software_specification ? { base_software_specification: d.base_software_specification } : {}),
    package_extensions: Array.isArray(d.package_extensions)
      ? d.package_extensions.filter((r) => typeof r?.guid === 'string')
      : [],
  };
}

/**
 * The software specification with this id or name: a built-in (base) one, or a custom (derived)
 * one of `container`. No access check: callers check the caller's role first.
 */
export async function findSoftwareSpecification(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef | undefined,
  idOrName: string,
  trx?: AssetExecutor,
): Promise<SoftwareSpecification | undefined> {
  const builtin = BUILTINS.find((s) => s.id === idOrName || s.name === idOrName);
  if (builtin || !container) return builtin;
  const { assets } = assetStoreOf(ctx);
  const byId = await assets.getAsset(container, idOrName, trx);
  if (byId) return byId.asset_type === SOFTWARE_TYPE ? softwareOfAsset(byId) : undefined;
  const byName = await assets.listAssets(
    {
      container,
      type: SOFTWARE_TYPE,
      filters: { name: idOrName },
      limit: 1,
    },
    trx,
  );
  const found = byName.assets[0];
  return found && softwareOfAsset(found);
}

/** The configuration a specification runs with: its own, or (derived) its base's. */
export function effectiveConfiguration(s: SoftwareSpecification): SoftwareConfiguration | undefined {
  if (s.software_configuration) return s.software_configuration;
  const base = BUILTINS.find((b) => b.id === s.base_software_specification?.guid);
  return base?.software_configuration;
}
