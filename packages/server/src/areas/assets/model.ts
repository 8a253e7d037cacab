import crypto from 'node:crypto';
import type { ContainerRef } from '../containers/access.ts';

/** Who may see and change an asset beyond the container's roles (kept, not enforced here). */
export interface Rov {
  mode: number;
  collaborator_ids: Record<string, unknown>;
  member_roles: Record<string, { user_iam_id: string; roles: string[] }>;
}

export interface Usage {
  last_update_time: string;
  last_updater_id: string;
  last_access_time: string;
  last_accessor_id: string;
  access_count: number;
}

/** An asset as the store hands it out: metadata fields flat, `entity` the type-specific part. */
export interface Asset {
  asset_id: string;
  container: ContainerRef;
  asset_type: string;
  name: string;
  description: string;
  tags: string[];
  owner_id: string;
  creator_id: string;
  created_at: string;
  updated_at: string;
  /** `available` (the only state this store sets; callers may keep others). */
  asset_state: string;
  /** USER or SYSTEM. */
  asset_category: string;
  origin_country?: string;
  /** 0 when created, +1 on every update. */
  version: number;
  rov: Rov;
  usage: Usage;
  entity: Record<string, unknown>;
}

/** What `createAsset` needs. The creator becomes the owner unless `owner_id` says otherwise. */
export interface NewAsset {
  container: ContainerRef;
  asset_type: string;
  name: string;
  creator_id: string;
  description?: string;
  tags?: string[];
  entity?: Record<string, unknown>;
  owner_id?: string;
  asset_state?: string;
  asset_category?: string;
  origin_country?: string;
  /** rov.mode; 0 (public inside the container) by default. */
  rov_mode?: number;
  /** An id of the caller's choosing (imports keep ids); a random UUID otherwise. */
  asset_id?: string;
}

/** What `updateAsset` may change; fields left out stay as they are. */
export interface AssetChanges {
  updater_id: string;
  name?: string;
  description?: string;
  tags?: string[];
  entity?: Record<string, unknown>;
  owner_id?: string;
  asset_state?: string;
  origin_country?: string | null;
  rov_mode?: number;
  /** Write only over this version (compare and set); `StaleAssetError` when it changed since. */
  ifVersion?: number;
}

/** Keyset position in creation order: `[created_at, asset_id]` of the last asset of a page. */
export type AssetKey = [string, string];

export interface AssetFilters {
  /** Exact name. */
  name?: string;
  /** Has this tag (case-insensitive). */
  tag?: string;
  owner_id?: string;
  asset_state?: string;
}

export interface AssetPage {
  assets: Asset[];
  /** Give it back as `after` for the next page; absent on the last page. */
  next?: AssetKey;
}

/** Lower-casing used for every case-insensitive comparison (stored copies and query values). */
export const fold = (s: string): string => s.toLowerCase();
/** ASCII-only lower-casing for identifier-like fields (ids, types, states). */
export const foldAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

let lastMs = 0;
let seq = 0;

/**
 * A UUIDv7-style id: time first, then a counter, so ids made in the same millisecond still sort in
 * the order they were made (lists page by `[created_at, asset_id]`).
 */
export function newAssetId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else if (++seq > 0xfff) {
    lastMs++;
    seq = 0;
  }
  const rand = crypto.getRandomValues(new Uint8Array(8));
  rand[0] = (rand[0] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const r = Buffer.from(rand).toString('hex');
  const ms = hex(lastMs, 12);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${hex(seq, 3)}-${r.slice(0, 4)}-${r.slice(4)}`;
}
