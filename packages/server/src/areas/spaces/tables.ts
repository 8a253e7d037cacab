/** Tables of the spaces area. */
export type SpaceTables = {
  spaces: {
    /** A time-ordered UUID, so ordering by id is creation order. */
    id: string;
    name: string;
    type: string;
    bss_account_id: string;
    /** `preparing` until `ready_at`, then `active`. */
    state: string;
    ready_at: string;
    creator_iam_id: string;
    /** JSON: description, storage, compute, stage, settings, tags, generator. */
    entity: string;
    created_at: string;
    /** Null until the space first changes (activation counts as a change). */
    updated_at: string | null;
  };
  space_members: {
    space_id: string;
    /** The member's IAM id (`IBMid-...`, `iam-ServiceId-...`): the API's member `id`. */
    iam_id: string;
    role: 'admin' | 'editor' | 'viewer';
    state: string;
    type: string;
    created_at: string;
    updated_at: string;
  };
  /** One row per tag of a space, for the `tags` filter. */
  space_tags: {
    space_id: string;
    tag: string;
  };
  /** One row per compute CRN of a space, for the `compute.crn` filter. */
  space_computes: {
    space_id: string;
    crn: string;
  };
};
