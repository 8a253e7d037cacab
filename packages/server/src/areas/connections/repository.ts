import { sql, type Kysely, type Transaction } from 'kysely';
import { fromJson, type Store } from '../../store/db.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import type { AssetRow } from '../assets/tables.ts';
import type { ConnectionTables } from './tables.ts';

type Db = Kysely<ConnectionTables>;
export type Executor = Db | Transaction<ConnectionTables>;

/** What the list filters and sorts on, kept beside the asset. */
export interface IndexEntry {
  asset_id: string;
  container: ContainerRef;
  name: string;
  datasource_type: string;
  dsd_asset_id: string;
  context: string;
  flags: string[];
  creator_id: string;
  created_at: string;
  /** Non-secret properties only. */
  properties: Record<string, string>;
}

export type SortField = 'name' | 'created_at';

export interface ListFilter {
  container: ContainerRef;
  name?: string;
  datasourceTypes?: string[];
  dsdAssetIds?: string[];
  context?: string;
  properties?: Record<string, string>;
  creatorId?: string;
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

/** Flags as stored: '' for none, else `,a,b,` so one LIKE finds one flag. */
export const flagsKey = (flags: string[]) => {
  const set = [...new Set(flags)].sort();
  return set.length ? `,${set.join(',')},` : '';
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** The list index of connections and the queries over it. */
export class ConnectionRepository {
  readonly db: Db;

  constructor(store: Store) {
    this.db = store.db.withTables<ConnectionTables>() as unknown as Db;
  }

  /** Writes (or rewrites) an entry and its property rows, inside the caller's transaction. */
  async putEntry(trx: Executor | AssetExecutor, e: IndexEntry): Promise<void> {
    const db = trx as Executor;
    await db.deleteFrom('connection_properties').where('asset_id', '=', e.asset_id).execute();
    await db.deleteFrom('connection_index').where('asset_id', '=', e.asset_id).execute();
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
        flags: flagsKey(e.flags),
        creator_id: e.creator_id,
        created_at: e.created_at,
      })
      .execute();
    const props = Object.entries(e.properties).map(([name, value]) => ({
      asset_id: e.asset_id,
      container_kind: e.container.kind,
      container_id: e.container.id,
      name,
      value,
    }));
    for (let i = 0; i < props.length; i += 100)
      await db
        .insertInto('connection_properties')
        .values(props.slice(i, i + 100))
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

  /** A page of connection assets matching the filter, in the asked order, and the total. */
  async list(f: ListFilter, p: ListPage): Promise<{ rows: AssetRow[]; total: number }> {
    const base = () => {
      let q = this.db
        .selectFrom('connection_index as ci')
        .where('ci.container_kind', '=', f.container.kind)
        .where('ci.container_id', '=', f.container.id);
      // flags: those with none, plus each added flag; then minus each removed flag
      q = q.where((eb) =>
        eb.or([
          eb('ci.flags', '=', ''),
          ...f.addFlags.map((flag) => sql<boolean>`ci.flags like ${`%,${likeEscape(flag)},%`} escape '\\'`),
        ]),
      );
      for (const flag of f.removeFlags)
        q = q.where(sql<boolean>`ci.flags not like ${`%,${likeEscape(flag)},%`} escape '\\'`);
      if (f.name !== undefined) q = q.where('ci.name', '=', f.name);
      if (f.datasourceTypes?.length) q = q.where('ci.datasource_type', 'in', f.datasourceTypes);
      if (f.dsdAssetIds?.length) q = q.where('ci.dsd_asset_id', 'in', f.dsdAssetIds);
      if (f.creatorId !== undefined) q = q.where('ci.creator_id', '=', f.creatorId);
      if (f.context === 'source') q = q.where('ci.context', 'in', ['source', 'source,target']);
      else if (f.context === 'target') q = q.where('ci.context', 'in', ['target', 'source,target']);
      else if (f.context !== undefined) q = q.where('ci.context', '=', f.context);
      for (const [name, value] of Object.entries(f.properties ?? {})) {
        q = q.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('connection_properties as cp')
              .select('cp.asset_id')
              .whereRef('cp.asset_id', '=', 'ci.asset_id')
              .where('cp.name', '=', name)
              .where('cp.value', '=', value),
          ),
        );
      }
      return q;
    };
    const col = p.sort === 'name' ? ('ci.name' as const) : ('ci.created_at' as const);
    const dir = p.desc ? 'desc' : 'asc';
    let page = base().select('ci.asset_id');
    if (p.after) {
      const [v, id] = p.after;
      const cmp = p.desc ? '<' : '>';
      page = page.where((eb) =>
        eb.or([eb(col, cmp, v), eb.and([eb(col, '=', v), eb('ci.asset_id', cmp, id)])]),
      );
    }
    const pageQ = page
      .orderBy(col, dir)
      .orderBy('ci.asset_id', dir)
      .limit(p.limit)
      .offset(p.after ? 0 : p.offset);
    const [ids, count] = await Promise.all([
      pageQ.execute(),
      base()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    if (!ids.length) return { rows: [], total: Number(count.n) };
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
      total: Number(count.n),
    };
  }

  /** Connections (any container) whose plain properties hold a value starting with `prefix`. */
  async withPropertyPrefix(prefix: string, kinds: string[]) {
    if (!kinds.length) return [];
    return this.db
      .selectFrom('connection_properties')
      .select(['asset_id', 'container_kind', 'container_id', 'name', 'value'])
      .where('container_kind', 'in', kinds)
      .where(sql<boolean>`value like ${likeEscape(prefix) + '%'} escape '\\'`)
      .limit(10_000)
      .execute();
  }
}

export const entityOf = (row: AssetRow) => fromJson<Record<string, unknown>>(row.entity, {});
