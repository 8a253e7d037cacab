/** One row per asset export or import: what was asked, its state, and the background work's lease. */
export type AssetTransferTables = {
  asset_transfers: {
    id: string;
    /** `export` or `import`. */
    kind: string;
    container_kind: string;
    container_id: string;
    name: string;
    description: string;
    /** `json`. */
    format: string;
    /**
     * JSON: an export's `assets` selection and key salt; an import's old → new asset ids and the
     * blobs its upload stored (`[archive path, blob id, size]`), which it owns until it ends.
     */
    request: string;
    /** The caller's `encryption_key`, sealed with the server's secret box; null when none was given. */
    key_sealed: string | null;
    /** pending, in_progress, completed, failed or cancelled. */
    state: string;
    /** Why it failed (text), when it did. */
    failure: string | null;
    /** Export: the zip once completed. Import: its plan (`ImportPlan`), kept until the import ends. */
    archive_blob_id: string | null;
    /** JSON: assets and attachments done so far, and in all. */
    progress: string;
    creator_id: string;
    /** 0 while a worker still has something to do (run, or clean up after a cancel). */
    work_done: number;
    /** 1 once hard-deleted: hidden at once, the row goes when its clean-up is over. */
    deleted: number;
    /** The server process working on it, or '' when none. */
    lease_owner: string;
    lease_until: string;
    /** Runs started; a transfer whose runs keep being cut short fails after a few. */
    attempts: number;
    created_at: string;
    updated_at: string;
  };
};

export type TransferRow = AssetTransferTables['asset_transfers'];
