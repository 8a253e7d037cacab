/** Tables the platform itself owns (users, keys, server secrets). */
export interface PlatformTables {
  users: {
    id: string;
    iam_id: string;
    username: string;
    display_name: string;
    is_admin: number;
    created_at: string;
    disabled_at: string | null;
  };
  api_keys: {
    id: string;
    user_id: string;
    name: string;
    key_hash: string;
    created_at: string;
    revoked_at: string | null;
  };
  server_secrets: {
    name: string;
    value: string;
    created_at: string;
  };
}
