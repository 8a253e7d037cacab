import crypto from 'node:crypto';
import type { ProjectRole } from './access.ts';
import type { ProjectTables } from './tables.ts';

export type ProjectRow = ProjectTables['projects'];
export type MemberRow = ProjectTables['project_members'];

/** The CPD account every project belongs to when no account is named. */
export const DEFAULT_ACCOUNT = '999';
export const PROJECT_TYPES = ['cpd', 'wx', 'wca', 'dpx', 'wxbi'] as const;

export interface StorageCredentials {
  api_key?: string;
  service_id?: string;
  access_key_id?: string;
  secret_access_key?: string;
  resource_key_crn?: string;
}
export type CredentialsByRole = Partial<Record<ProjectRole, StorageCredentials>>;

export interface ProjectStorage {
  type: string;
  guid: string;
  resource_crn?: string;
  plan_id?: string;
  delegated?: boolean;
  properties: Record<string, unknown> & { credentials?: CredentialsByRole };
}

/** The JSON `entity` column: the parts of a project no query filters on. */
export interface StoredEntity {
  storage: ProjectStorage;
  scope: { bss_account_id: string; enforce_members: boolean; saml_instance_name?: string };
  catalog: { guid: string; public: boolean };
  compute: Record<string, unknown>[];
  tools: string[];
  settings: Record<string, unknown>;
  integrations: Record<string, unknown>;
  /** When the storage credentials last changed (PATCH .../storage/properties). */
  credentials_updated_at?: string;
}

let lastMs = 0;
let sequence = 0;

/**
 * A time-ordered UUID (version 7): project ids sort in creation order, so the list, which pages
 * by id through the member index, shows projects oldest first. A 12-bit counter keeps ids made
 * in the same millisecond in order too.
 */
export function timeOrderedUuid(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = crypto.randomInt(0, 0x400);
  } else if (++sequence > 0xfff) {
    lastMs += 1;
    sequence = 0;
  }
  const bytes = crypto.randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Lower-case letter/digit runs of a text; `match=keyword` compares these. */
export function keywordsOf(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}

/** Stored form of a name's keywords: each one between spaces, so `LIKE '% word %'` finds it. */
export const keywordColumn = (name: string): string => {
  const words = keywordsOf(name);
  return words.length ? ` ${words.join(' ')} ` : '';
};

/** Most items one request may name (members, tags): keeps every statement within the databases' limits. */
export const MAX_ITEMS_PER_REQUEST = 1000;

export const splitList = (value: string | undefined): string[] =>
  value === undefined
    ? []
    : [
        ...new Set(
          value
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean),
        ),
      ];

/** The member as the API shows it. */
export const memberView = (m: Pick<MemberRow, 'user_name' | 'iam_id' | 'role' | 'state' | 'type'>) => ({
  user_name: m.user_name,
  role: m.role,
  state: m.state,
  type: m.type,
  id: m.iam_id,
});
