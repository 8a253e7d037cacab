import crypto from 'node:crypto';

/**
 * Facets: every value a connection list can filter on, as one indexed key each. A connection has
 * one row per facet (plus ALL), each carrying its flags and its sort keys, so that any one filter
 * is a walk of one index in sort order and its count is one counter (see migrations.ts).
 */
export const ALL = '';

/** Keys longer than this are hashed: index entries stay small on both databases; equality still holds. */
const MAX_KEY = 256;

const key = (raw: string) =>
  raw.length <= MAX_KEY ? raw : 'h:' + crypto.createHash('sha256').update(raw).digest('base64url');

export const nameFacet = (name: string) => key('n:' + name);
export const typeFacet = (typeId: string) => key('t:' + typeId);
export const dsdFacet = (dsdAssetId: string) => key('d:' + dsdAssetId);
export const contextFacet = (context: string) => key('x:' + context);
export const creatorFacet = (iamId: string) => key('c:' + iamId);
/** JSON keeps the pair unambiguous whatever characters the name and the value hold. */
export const propertyFacet = (name: string, value: string) => key('p:' + JSON.stringify([name, value]));

/** What the list filters on for one connection. */
export interface FacetSource {
  name: string;
  datasource_type: string;
  dsd_asset_id: string;
  context: string;
  creator_id: string;
  /** Non-secret properties only. */
  properties: Record<string, string>;
}

export interface FacetRow {
  facet: string;
  /** Set on property facets: the file migration searches values by prefix. */
  prop_name: string | null;
  prop_value: string | null;
}

/** The facet rows of a connection, in key order (one lock order for every writer). */
export function facetsOf(e: FacetSource): FacetRow[] {
  const plain = (facet: string): FacetRow => ({ facet, prop_name: null, prop_value: null });
  const rows = [
    plain(ALL),
    plain(nameFacet(e.name)),
    plain(typeFacet(e.datasource_type)),
    plain(contextFacet(e.context)),
    plain(creatorFacet(e.creator_id)),
    ...(e.dsd_asset_id ? [plain(dsdFacet(e.dsd_asset_id))] : []),
    ...Object.entries(e.properties).map(([n, v]) => ({
      facet: propertyFacet(n, v),
      prop_name: n,
      prop_value: v,
    })),
  ];
  const unique = new Map(rows.map((r) => [r.facet, r]));
  return [...unique.values()].sort((a, b) => (a.facet < b.facet ? -1 : a.facet > b.facet ? 1 : 0));
}

/** Flags as stored: '' for none, else `,a,b,` (sorted), one key per distinct set of flags. */
export const flagsKey = (flags: string[]) => {
  const set = [...new Set(flags)].sort();
  return set.length ? `,${set.join(',')},` : '';
};

/**
 * The documented flags rule on one stored key: connections with no flags, plus those with an added
 * flag, then minus those with a removed flag.
 */
export function flagsAllowed(key: string, add: string[], remove: string[]): boolean {
  const has = (f: string) => key.includes(`,${f},`);
  return (key === '' || add.some(has)) && !remove.some(has);
}
