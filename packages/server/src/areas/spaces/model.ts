import crypto from 'node:crypto';
import type { SpaceTables } from './tables.ts';

export type SpaceRow = SpaceTables['spaces'];
export type MemberRow = SpaceTables['space_members'];
export type SpaceRole = MemberRow['role'];

export const SPACE_ROLES: readonly SpaceRole[] = ['admin', 'editor', 'viewer'];
export const MEMBER_TYPES = ['user', 'service'] as const;
export const MEMBER_STATES = ['active', 'pending'] as const;

/** The account every local space belongs to (the seed's examples show this value). */
export const SPACE_ACCOUNT = 'cpdaccount';
export const DEFAULT_SPACE_TYPE = 'cpd';
/** How long a new space stays `preparing`; the seed's example activates about this much later. */
export const PREPARING_MS = 750;

export interface SpaceStorage {
  type: string;
  guid?: string;
  resource_crn: string;
  plan_id?: string;
  delegated?: boolean;
  properties?: Record<string, unknown>;
}

export interface SpaceCompute {
  crn: string;
  guid: string;
  name: string;
  type: string;
}

export interface SpaceSettings {
  folders: { enabled: boolean };
  access_restrictions?: { reporting: { authorized: boolean } };
}

/** The JSON `entity` column: the parts of a space no query filters on directly. */
export interface StoredEntity {
  description?: string;
  storage?: SpaceStorage;
  compute: SpaceCompute[];
  stage: { production: boolean; name?: string };
  settings: SpaceSettings;
  tags: string[];
  generator?: string;
}

/** `crn:version:cname:ctype:service-name:location:scope:service-instance:resource-type:resource` */
const CRN = /^crn:v\d+:[^:]*:[^:]*:[^:]+:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*$/;

export const isCrn = (value: string): boolean => CRN.test(value);
/** The service instance segment of a CRN, which the API shows as `guid`. */
export const crnInstance = (crn: string): string => crn.split(':')[7] ?? '';

export function computeOf(input: { name: string; crn: string }): SpaceCompute {
  // A space's compute is always a Watson Machine Learning instance.
  return { crn: input.crn, guid: crnInstance(input.crn), name: input.name, type: 'machine_learning' };
}

/**
 * A time-ordered UUID (version 7): space ids sort in creation order, so the list, which pages by
 * id through the member index, shows spaces oldest first and its cost does not grow with depth.
 */
export function timeOrderedUuid(now = Date.now()): string {
  const bytes = crypto.randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A comma-separated query value as a list of distinct, non-empty, trimmed items. */
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

/** The state a reader sees: a space whose preparation time has passed is active, stored or not. */
export function effectiveState(row: Pick<SpaceRow, 'state' | 'ready_at' | 'updated_at'>, now = nowMs()) {
  if (row.state === 'preparing' && Date.parse(row.ready_at) <= now) {
    return { state: 'active', updated_at: row.updated_at ?? row.ready_at };
  }
  return { state: row.state, updated_at: row.updated_at };
}

const nowMs = () => Date.now();

export const memberView = (m: Pick<MemberRow, 'iam_id' | 'role' | 'state' | 'type'>) => ({
  id: m.iam_id,
  role: m.role,
  state: m.state,
  type: m.type,
});

export interface ViewOptions {
  members?: MemberRow[];
  /** `include=nothing`: no entity, and only the id in the metadata. */
  nothing?: boolean;
}

/** The space as the API shows it: `{metadata, entity}`, fields in the seed's examples. */
export function spaceView(row: SpaceRow, opts: ViewOptions = {}): Record<string, unknown> {
  const { state, updated_at } = effectiveState(row);
  const url = `/v2/spaces/${row.id}`;
  if (opts.nothing) {
    return {
      metadata: { id: row.id, url },
      ...(opts.members ? { entity: { members: opts.members.map(memberView) } } : {}),
    };
  }
  const e = JSON.parse(row.entity) as StoredEntity;
  const entity: Record<string, unknown> = { name: row.name };
  if (e.description) entity.description = e.description;
  if (e.storage) entity.storage = e.storage;
  entity.compute = e.compute;
  if (opts.members) entity.members = opts.members.map(memberView);
  entity.scope = { bss_account_id: row.bss_account_id };
  entity.settings = e.settings;
  entity.stage = e.stage;
  entity.status = { state };
  if (e.tags.length) entity.tags = e.tags;
  entity.type = row.type;
  if (e.generator) entity.generator = e.generator;
  const metadata: Record<string, unknown> = {
    id: row.id,
    url,
    created_at: row.created_at,
    creator_id: row.creator_iam_id,
  };
  if (updated_at) metadata.updated_at = updated_at;
  return { entity, metadata };
}

/** JSON with object keys sorted, to compare values regardless of key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
