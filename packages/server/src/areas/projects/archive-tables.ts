/**
 * The work of an archive import still to do: one row per `import` transaction that is running.
 * Kept apart from `project_transactions.detail`, which the status operation shows as is.
 */
export type ProjectImportTables = {
  project_imports: {
    /** The `project_transactions.id` this work belongs to. */
    transaction_id: string;
    project_id: string;
    /** The uploaded archive, kept in the blob store until the import ends (so a restart can resume). */
    archive_blob_id: string;
    /** JSON object: asset id in the archive → asset id in the project, fixed when the upload is accepted. */
    id_map: string;
    /** IAM id of the caller: creator and owner of the imported assets. */
    creator_id: string;
    /** The server process working on it (a random id per start), or '' when none. */
    lease_owner: string;
    /** ISO time until which `lease_owner` holds it; past that, any server may take it over. */
    lease_until: string;
    /** How many runs started; an archive that keeps interrupting its runs fails after a few. */
    attempts: number;
    created_at: string;
  };
};
