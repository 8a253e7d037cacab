/** Tables of the asset containers area: archive state, archived assets, configurations. */
export type AssetContainerTables = {
  /** One row per container that was ever archived; none means `active`. */
  asset_container_archives: {
    container_kind: string;
    container_id: string;
    /** active, archiving, archived or restoring. */
    status: string;
    /** Who asked for the archive or restore in progress (or last done), and when. */
    requested_by: string;
    requested_at: string;
    archived_at: string | null;
    archived_by: string | null;
    restored_at: string | null;
    restored_by: string | null;
    /** Assets and attachments in the archive (set when archiving completes). */
    asset_count: number;
    attachment_count: number;
    /** Why the last archive or restore failed, if it did. */
    failure: string | null;
    /** The server process doing the pending work ('' when none), and until when it holds it. */
    lease_owner: string;
    lease_until: string;
  };
  /** The assets of archived containers, out of the live tables: one JSON document per asset. */
  asset_container_archived_assets: {
    asset_id: string;
    container_kind: string;
    container_id: string;
    /** JSON: `{asset, tags, attachments}`, the rows as they were in the live tables. */
    document: string;
  };
  asset_container_configurations: {
    container_kind: string;
    container_id: string;
    /** JSON object, as given. */
    configurations: string;
    updated_by: string;
    updated_at: string;
  };
};

export type ArchiveRow = AssetContainerTables['asset_container_archives'];
export type ArchiveStatus = 'active' | 'archiving' | 'archived' | 'restoring';
