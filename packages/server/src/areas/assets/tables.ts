import type { BlobTables } from '../../store/blobs.ts';

/** Tables of the asset store (plus the blob tables its attachments point at). */
export type AssetTables = BlobTables & {
  assets: {
    asset_id: string;
    /** project, space or catalog. */
    container_kind: string;
    container_id: string;
    asset_type: string;
    name: string;
    /** Lower-cased copies for case-insensitive search (computed in JS: same on both databases). */
    name_lc: string;
    description: string;
    description_lc: string;
    /** JSON array, as given. `asset_tags` has them lower-cased, one row each, for queries. */
    tags: string;
    owner_id: string;
    creator_id: string;
    created_at: string;
    updated_at: string;
    asset_state: string;
    asset_category: string;
    origin_country: string | null;
    version: number;
    /** JSON. */
    rov: string;
    /** JSON. */
    usage: string;
    /** JSON object: the type-specific part of the asset. */
    entity: string;
  };
  asset_tags: { asset_id: string; tag: string };
  asset_attachments: {
    attachment_id: string;
    asset_id: string;
    asset_type: string;
    name: string;
    description: string;
    mime: string;
    is_partitioned: number;
    data_partitions: number;
    /** JSON object. */
    user_data: string;
    /** Null until content is uploaded. */
    blob_id: string | null;
    size: number;
    /** 0 until the upload is marked complete. */
    transfer_complete: number;
    creator_id: string;
    created_at: string;
    updated_at: string;
  };
  /** Kept by triggers on `assets` (migration 3004): rows only for types a container holds. */
  asset_type_counts: {
    container_kind: string;
    container_id: string;
    asset_type: string;
    /** bigint: a string on PostgreSQL unless parsed; read it with Number(). */
    n: number | string;
  };
};

export type AssetRow = AssetTables['assets'];
export type AttachmentRow = AssetTables['asset_attachments'];
