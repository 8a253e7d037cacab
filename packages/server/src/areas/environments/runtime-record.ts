import type { Asset } from '../assets/model.ts';
import { CONTAINER_PARAM, containerQueryString, type ContainerRef } from '../containers/access.ts';
import { CATALOG_DATE } from './builtin-id.ts';

/**
 * What environments, hardware and software specifications and package extensions share: built-in
 * entries (data in this repository, read-only, everywhere) and custom ones (assets of one project
 * or space).
 */
export interface RuntimeRecord {
  id: string;
  name: string;
  description: string;
  /** True for the catalog entries the server ships; they cannot be changed or deleted. */
  built_in: boolean;
  /** The project or space of a custom entry; absent on built-in ones. */
  container?: ContainerRef;
  owner_id?: string;
  created_at: string;
  updated_at: string;
}

/** The record fields of a custom entry kept as an asset. */
export const recordOfAsset = (a: Asset): RuntimeRecord => ({
  id: a.asset_id,
  name: a.name,
  description: a.description,
  built_in: false,
  container: a.container,
  owner_id: a.owner_id,
  created_at: a.created_at,
  updated_at: a.updated_at,
});

/** The record fields of a built-in entry. */
export const builtinRecord = (id: string, name: string, description: string): RuntimeRecord => ({
  id,
  name,
  description,
  built_in: true,
  created_at: CATALOG_DATE,
  updated_at: CATALOG_DATE,
});

/** The seed's `metadata` block; `collection` is the path segment of its href (omitted when null). */
export function runtimeMetadata(
  assetType: string,
  collection: string | null,
  r: RuntimeRecord,
): Record<string, unknown> {
  return {
    name: r.name,
    description: r.description,
    asset_type: assetType,
    asset_id: r.id,
    ...(r.container ? { [CONTAINER_PARAM[r.container.kind]]: r.container.id } : {}),
    ...(r.owner_id ? { owner_id: r.owner_id } : {}),
    created_at: r.created_at,
    updated_at: r.updated_at,
    ...(collection
      ? {
          href: `/v2/${collection}/${r.id}` + (r.container ? `?${containerQueryString(r.container)}` : ''),
        }
      : {}),
  };
}

/** Whether a record is visible from `scope` (built-in ones are visible from everywhere). */
export const visibleFrom = (r: RuntimeRecord, scope: ContainerRef | undefined): boolean =>
  r.built_in || (!!scope && r.container?.kind === scope.kind && r.container.id === scope.id);
