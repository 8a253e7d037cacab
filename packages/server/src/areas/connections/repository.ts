import { sql, type Kysely, type Transaction } from 'kysely';
import { fromJson, type Store } from '../../store/db.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import type { AssetRow } from '../assets/tables.ts';
import {
  ALL,
  contextFacet,
  creatorFacet,
  dsdFacet,
  facetsOf,
  flagsAllowed,
  flagsKey,
  nameFacet,
  propertyFacet,
  typeFacet,
  type FacetSource,
} from './facets.ts';
import type { ConnectionTables } from './tables.ts';

type Db = Kysely<ConnectionTables>;
export type Executor = Db | Transaction<ConnectionTables>;

/** What the list filters and sorts on, kept beside the asset. */
export interface IndexEntry extends FacetSource {
  asset_id: string;
  container: ContainerRef;
  flags: string[];
  created_at: string;
}

export type SortField = 'name' | 'created_at';

export interface ListFilter {
  container: ContainerRef;
  name?: string;
  /** Each stored spelling that matches (type id, name, the value as given). */
  datasourceTypes?: string[];
  dsdAssetIds?: string[];
  context?: string;
  properties?: Record<string, string>;
  /** All must match (metadata.creator and metadata.creator_id may both be given). */
  creatorIds?: string[];
  /** Flags whose connections join those with no flags. */
  addFlags: string[];
  /** Flags whose connections are then taken out. */
  removeFlags: string[];
}

export interface ListPage {
  sort: SortField;
  desc: boolean;
  limit: number;
  offset: number;
  /** Keyset: strictly after this [sort value, asset id] in the sort order. */
  after?: [string, string];
}

/** Above this many (facet, flags key) walks, one query sorts the matches instead of merging walks. */
const MAX_WALKS = 16;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** The filter as groups of facets: a connection matches when it has one facet of every group. */
function groupsOf(f: ListFilter): string[][] {
  const groups: string[][] = [];
  if (f.name !== undefined) groups.push([nameFacet(f.name)]);
  if (f.datasourceTypes?.length) groups.push(f.datasourceTypes.map(typeFacet));
  if (f.dsdAssetIds?.length) groups.push(f.dsdAssetIds.map(dsdFacet));
  if (f.context === 'source') groups.push([contextFacet('source'), contextFacet('source,target')]);
  else if (f.context === 'target') groups.push([contextFacet('target'), contextFacet('source,target')]);
  else if (f.context !== undefined) groups.push([contextFacet(f.context)]);
  for (const id of f.creatorIds ?? []) groups.push([creatorFacet(id)]);
  for (const [n, v] of Object.entries(f.properties ?? {})) groups.push([propertyFacet(n, v)]);
  return groups.map((g) => [...new Set(g)]);
}

/** The list index of connections and the queries over it. */
export class ConnectionRepository {
  readonly db: Db;

  constructor(store: Store) {
    this.db = store.db.withTables<ConnectionTables>() as unknown as Db;
  }

  /** Writes (or rewrites) an entry and its facets, inside the caller's transaction. */
  async putEntry(trx: Executor | AssetExecutor, e: IndexEntry): Promise<void> {
    const db = trx as Executor;
    await db.deleteFrom('connection_facets').where('asset_id', '=', e.asset_id).execute();
    await db.deleteFrom('connection_index').where('asset_id', '=', e.asset_id).execute();
    const flags = flagsKey(e.flags);
    await db
      .insertInto('connection_index')
      .values({
        asset_id: e.asset_id,
        container_kind: e.container.kind,
        container_id: e.container.id,
        name: e.name,
        datasource_type: e.datasource_type,
        dsd_asset_id: e.dsd_asset_id,
        context: e.context,
        flags,
        creator_id: e.creator_id,
        created_at: e.created_at,
      })
      .execute();
    const rows = facetsOf(e).map((f) => ({
      asset_id: e.asset_id,
      container_kind: e.container.kind,
      container_id: e.container.id,
      flags,
      name: e.name,
      created_at: e.created_at,
      ...f,
    }));
    for (let i = 0; i < rows.length; i += 100)
      await db
        .insertInto('connection_facets')
        .values(rows.slice(i, i + 100))
        .execute();
  }

  /**
   * Connection assets that reached the store another way (asset imports, project archives) and
   * have no index entry yet: found by creation time past the newest indexed one, so the check is
   * two index lookups when there is nothing to do.
   */
  async unindexed(container: ContainerRef): Promise<AssetRow[]> {
    const newest = await this.db
      .selectFrom('connection_index')
      .select('created_at')
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    let q = this.db
      .selectFrom('assets')
      .selectAll('assets')
      .where('assets.container_kind', '=', container.kind)
      .where('assets.container_id', '=', container.id)
      .where('assets.asset_type', '=', 'connection')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('connection_index as ci')
              .select('ci.asset_id')
              .whereRef('ci.asset_id', '=', 'assets.asset_id'),
          ),
        ),
      );
    if (newest) q = q.where('assets.created_at', '>=', newest.created_at);
    return q.limit(1000).execute();
  }

  /**
   * A page of connection assets matching the filter, in the asked order, and the total. The
   * flags keys present come from the counts; the total is a sum of counts when at most one filter
   * is given, else a count of the smallest filter's index rows. The page walks the smallest
   * filter's index in sort order, once per (facet, flags key), the database merging the walks.
   */
  async list(f: ListFilter, p: ListPage): Promise<{ rows: AssetRow[]; total: number }> {
    const c = f.container;
    const groups = groupsOf(f);
    const facets = [...new Set([ALL, ...groups.flat()])];
    const counts = await this.db
      .selectFrom('connection_counts')
      .select(['facet', 'flags', 'n'])
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .where('facet', 'in', facets)
      .execute();
    const keys = new Set(
      counts
        .filter((r) => r.facet === ALL && flagsAllowed(r.flags, f.addFlags, f.removeFlags))
        .map((r) => r.flags),
    );
    const sizeOf = (g: string[]) =>
      counts.filter((r) => keys.has(r.flags) && g.includes(r.facet)).reduce((sum, r) => sum + Number(r.n), 0);
    // the smallest group drives; the others are checked on each of its rows
    const ranked = (groups.length ? groups : [[ALL]])
      .map((g) => ({ g, n: sizeOf(g) }))
      .sort((a, b) => a.n - b.n);
    const drive = ranked[0];
    const others = ranked.slice(1).map((r) => r.g);
    if (drive.n === 0) return { rows: [], total: 0 };
    const flags = [...keys];

    const walk = (facetsIn: string[], flagsIn: string[]) => {
      let q = this.db
        .selectFrom('connection_facets as f')
        .where('f.container_kind', '=', c.kind)
        .where('f.container_id', '=', c.id)
        .where('f.facet', facetsIn.length === 1 ? '=' : 'in', facetsIn.length === 1 ? facetsIn[0] : facetsIn)
        .where('f.flags', flagsIn.length === 1 ? '=' : 'in', flagsIn.length === 1 ? flagsIn[0] : flagsIn);
      for (const g of others)
        q = q.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('connection_facets as o')
              .select('o.asset_id')
              .whereRef('o.asset_id', '=', 'f.asset_id')
              .where('o.facet', 'in', g),
          ),
        );
      return q;
    };

    let total = drive.n;
    if (others.length) {
      const counted = await walk(drive.g, flags)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      total = Number(counted.n);
      if (total === 0) return { rows: [], total };
    }

    const col = p.sort === 'name' ? ('name' as const) : ('created_at' as const);
    const dir = p.desc ? 'desc' : 'asc';
    const upTo = p.after ? p.limit : p.limit + p.offset;
    const page = (facetsIn: string[], flagsIn: string[]) => {
      let q = walk(facetsIn, flagsIn).select(['f.asset_id', 'f.name', 'f.created_at']);
      if (p.after) {
        const [v, id] = p.after;
        const cmp = p.desc ? '<' : '>';
        q = q.where((eb) =>
          eb.or([eb(`f.${col}`, cmp, v), eb.and([eb(`f.${col}`, '=', v), eb('f.asset_id', cmp, id)])]),
        );
      }
      return q.orderBy(`f.${col}`, dir).orderBy('f.asset_id', dir);
    };
    const pairs = drive.g.flatMap((facet) => flags.map((k) => [facet, k] as const));
    let ids: { asset_id: string }[];
    if (pairs.length === 1 || pairs.length > MAX_WALKS) {
      ids = await page(drive.g, flags)
        .limit(p.limit)
        .offset(p.after ? 0 : p.offset)
        .execute();
    } else {
      // one index walk per pair, each stopping at the page's end; the outer query merges them
      const [head, ...tail] = pairs.map(([facet, k], i) =>
        this.db.selectFrom(page([facet], [k]).limit(upTo).as(`w${i}`)).selectAll(),
      );
      let union = head;
      for (const q of tail) union = union.unionAll(q);
      ids = await this.db
        .selectFrom(union.as('u'))
        .select('u.asset_id')
        .orderBy(`u.${col}`, dir)
        .orderBy('u.asset_id', dir)
        .limit(p.limit)
        .offset(p.after ? 0 : p.offset)
        .execute();
    }
    if (!ids.length) return { rows: [], total };
    const assets = await this.db
      .selectFrom('assets')
      .selectAll()
      .where(
        'asset_id',
        'in',
        ids.map((r) => r.asset_id),
      )
      .execute();
    const byId = new Map(assets.map((a) => [a.asset_id, a]));
    return {
      rows: ids.map((r) => byId.get(r.asset_id)).filter((a): a is AssetRow => a !== undefined),
      total,
    };
  }

  /** Connections (any container) whose plain properties hold a value starting with `prefix`. */
  async withPropertyPrefix(prefix: string, kinds: string[]) {
    if (!kinds.length) return [];
    const rows = await this.db
      .selectFrom('connection_facets')
      .select(['asset_id', 'container_kind', 'container_id', 'prop_name', 'prop_value'])
      .where('container_kind', 'in', kinds)
      .where('prop_name', 'is not', null)
      .where(sql<boolean>`prop_value like ${likeEscape(prefix) + '%'} escape '\\'`)
      .limit(10_000)
      .execute();
    return rows.map((r) => ({ ...r, name: r.prop_name!, value: r.prop_value! }));
  }
}

export const entityOf = (row: AssetRow) => fromJson<Record<string, unknown>>(row.entity, {});
