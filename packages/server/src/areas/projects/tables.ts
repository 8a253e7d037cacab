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
    /** JSON: storage, scope, compute, settings and the rest of the entity. */
    entity: string;
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
    created_at: string;
    updated_at: string;
  };
};
