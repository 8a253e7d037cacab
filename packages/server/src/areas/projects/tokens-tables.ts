import type { ProjectRole } from './access.ts';

/** Project (tenant) access tokens. Only the SHA-256 of a token value is kept. */
export type ProjectTokenTables = {
  project_tokens: {
    id: string;
    project_id: string;
    name: string;
    /** The one role the token acts with in its project. */
    role: ProjectRole;
    /** JSON: the scopes as given at creation. */
    scopes: string;
    token_hash: string;
    creator_user_id: string;
    creator_iam_id: string;
    creator_username: string;
    created_at: string;
    last_used_at: string;
  };
};
