/**
 * Tables of the Code Engine v2 area: its projects, and one table for every resource inside them
 * (config maps, secrets, apps, jobs...), told apart by `kind`.
 *
 * Both carry the lifecycle columns: a row in a transitional `status` (`creating`, `deploying`)
 * shows `ready_status` once `ready_at` has passed, and a row with `delete_at` disappears at that
 * time. Readers compute both on the fly; `lifecycle.ts` makes the stored rows agree.
 */
export type CodeEngineTables = {
  ce_projects: {
    id: string;
    name: string;
    /** The IAM user who created the project: the only one who sees it. */
    owner_id: string;
    account_id: string;
    resource_group_id: string;
    /** JSON: the few fields that need no column (tags). */
    entity: string;
    status: string;
    ready_status: string | null;
    ready_at: string | null;
    delete_at: string | null;
    created_at: string;
    updated_at: string;
  };
  ce_resources: {
    id: string;
    project_id: string;
    /** The collection: `config_map`, `secret`, `app`, ... (see `kinds.ts`). */
    kind: string;
    /** The name the API addresses the resource by (bindings: a key built from their fields). */
    name: string;
    /** An indexed value some lists filter on (secret `format`, job run `job_name`...), else null. */
    filter_key: string | null;
    /** JSON of the stored fields; computed ones (href, status...) are added when presenting. */
    entity: string;
    /** AES-256-GCM sealed JSON of sensitive fields (secret data), never stored in clear. */
    sealed: string | null;
    entity_tag: string;
    status: string | null;
    ready_status: string | null;
    ready_at: string | null;
    delete_at: string | null;
    created_at: string;
    updated_at: string;
  };
};
