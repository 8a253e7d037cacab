/** Tables of the projects area. Other project modules add theirs beside these. */
export type ProjectTables = {
  projects: {
    id: string;
    name: string;
    description: string;
    type: string;
    generator: string;
    public: number;
    creator: string;
    creator_iam_id: string;
    bss_account_id: string;
    /**
     * JSON: storage, scope, catalog, compute, tools, settings, integrations: the parts of the
     * entity no query filters on.
     */
    entity: string;
    /** Lower-case words of the name between spaces (` sentiment analysis `), for `match=keyword`. */
    name_keywords: string;
    created_at: string;
    updated_at: string;
  };
  project_members: {
    project_id: string;
    /** The member's IAM id (`IBMid-...`), the key the API's `id` field carries. */
    iam_id: string;
    user_name: string;
    role: 'admin' | 'editor' | 'viewer';
    type: string;
    state: string;
    /**
     * Copies of the project's account and type, so the list can filter and count on them
     * through the member index without reading every project row.
     */
    bss_account_id: string;
    project_type: string;
    created_at: string;
    updated_at: string;
  };
  /** Kept by triggers on `project_members` (migration 1004): rows only for users with projects. */
  project_member_counts: {
    iam_id: string;
    /** bigint: read it with Number(). */
    n: number | string;
  };
  /** One row per tag of a project, so the project list can filter by tag through an index. */
  project_tags: {
    project_id: string;
    tag: string;
    created_at: string;
  };
  /** What `POST /transactional/v2/projects` did, readable at `.../transactions/{id}`. */
  project_transactions: {
    id: string;
    project_id: string;
    /** `create` (a JSON body) or `import` (an exported archive). */
    kind: string;
    /** `succeeded`, `running` or `failed`. */
    status: string;
    creator_iam_id: string;
    /** JSON: steps done and, on failure, the reason. */
    detail: string;
    created_at: string;
    updated_at: string;
  };
};
