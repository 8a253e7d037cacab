import type { AssetTables } from '../assets/tables.ts';

/**
 * Tables of the connections area, beside the asset store (a connection is an asset of type
 * `connection`). `connection_index`, `connection_facets` and `connection_counts` hold what the list filters,
 * sorts and counts on, so a list is an index lookup, never a scan of JSON.
 */
export type ConnectionTables = AssetTables & {
  connection_index: {
    asset_id: string;
    container_kind: string;
    container_id: string;
    name: string;
    /** The type's id. */
    datasource_type: string;
    /** '' when none. */
    dsd_asset_id: string;
    /** source, target or source,target (from the type). */
    context: string;
    /** '' when the connection has no flags, else `,flag1,flag2,` (sorted). */
    flags: string;
    creator_id: string;
    created_at: string;
  };
  /**
   * One row per facet of a connection (facets.ts): the key, the connection's flags and sort keys.
   * Property facets keep the property's name and value for the prefix search of file migration.
   */
  connection_facets: {
    asset_id: string;
    container_kind: string;
    container_id: string;
    facet: string;
    flags: string;
    name: string;
    created_at: string;
    prop_name: string | null;
    prop_value: string | null;
  };
  /** How many connections of a container have a facet and a flags key; kept by database triggers. */
  connection_counts: {
    container_kind: string;
    container_id: string;
    facet: string;
    flags: string;
    n: number;
  };
  /** User-defined data source types (the built-in ones are in catalog.json). */
  datasource_types: {
    type_id: string;
    name: string;
    owner_id: string;
    created_at: string;
    updated_at: string;
    /** JSON: the type's entity as given, with masked property values sealed. */
    entity: string;
  };
  /** Files uploaded to /v2/connections/files (drivers, certificates...); content in the blob store. */
  connection_files: {
    hash: string;
    file_name: string;
    blob_id: string;
    size: number;
    sha256: string;
    content_type: string;
    creator_id: string;
    created_at: string;
  };
};
