import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  type Transaction,
} from 'kysely';
import type { BlobStore } from '../../store/blobs.ts';
import { fromJson, redoableCommit, toJson, type Dialect, type Store } from '../../store/db.ts';
import type { ContainerKind, ContainerRef } from '../containers/access.ts';
import {
  fold,
  newAssetId,
  foldAscii,
  type Asset,
  type AssetChanges,
  type AssetFilters,
  type AssetKey,
  type AssetPage,
  type NewAsset,
  type Rov,
  type Usage,
} from './model.ts';
import { likePattern, parseQuery, type QueryNode } from './query.ts';
import type { AssetRow, AssetTables } from './tables.ts';

type Db = Kysely<AssetTables>;
/** The store's database or a caller's transaction: every method takes either. */
export type AssetExecutor = Db | Transaction<AssetTables>;
type Eb = ExpressionBuilder<AssetTables, 'assets'>;

/** Result of a delete: on SQLite attachment files go only after the commit (`removeContent`). */
export interface DeleteResult {
  deleted: boolean;
  /** Call after the caller's transaction commits; a no-op when the repository ran its own. */
  removeContent(): Promise<void>;
}

export interface ListAssetsQuery {
  container: ContainerRef;
  /** One type; all types when absent. */
  type?: string;
  filters?: AssetFilters;
  /** 1..1000; 100 by default. */
  limit?: number;
  after?: AssetKey;
}

export interface SearchAssetsQuery {
  container: ContainerRef;
  /** One type; `asset` or absent: every type. */
  type?: string;
  /** A parsed query, or its text (parsed here; a 400 ApiError when malformed). */
  query: QueryNode | string;
  limit: number;
  after?: AssetKey;
}

export interface SearchResult extends AssetPage {
  total_rows: number;
}

const NOTHING = async () => {};

/** An area's index of one asset type, rewritten on every create and update, in the writer's transaction. */
export type AssetWriteHook = (trx: AssetExecutor, asset: Asset) => Promise<void>;

/** The asset changed after the caller read it (see `AssetChanges.ifVersion`): read it again and retry. */
export class StaleAssetError extends Error {
  constructor(assetId: string) {
    super(`asset ${assetId} changed while it was being updated`);
  }
}

function toAsset(row: AssetRow): Asset {
  return {
    asset_id: row.asset_id,
    container: { kind: row.container_kind as ContainerKind, id: row.container_id },
    asset_type: row.asset_type,
    name: row.name,
    description: row.description,
    tags: fromJson<string[]>(row.tags, []),
    owner_id: row.owner_id,
    creator_id: row.creator_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    asset_state: row.asset_state,
    asset_category: row.asset_category,
    ...(row.origin_country ? { origin_country: row.origin_country } : {}),
    version: Number(row.version),
    rov: fromJson<Rov>(row.rov, { mode: 0, collaborator_ids: {}, member_roles: {} }),
    usage: fromJson<Usage>(row.usage, {} as Usage),
    entity: fromJson<Record<string, unknown>>(row.entity, {}),
  };
}

/** Tags as stored for queries: lower-cased, distinct. */
const tagKeys = (tags: string[]) => [...new Set(tags.map(fold))];

/** `col LIKE pattern ESCAPE '\'` (the escape clause is needed by SQLite; harmless on PostgreSQL). */
const like = (col: Expression<unknown>, pattern: string) =>
  sql<SqlBool>`${col} like ${pattern} escape ${sql.lit('\\')}`;

const tags = (input: NewAsset) => input.tags ?? [];

/** The stored row of a new asset. */
function assetRow(input: NewAsset, now: string): AssetRow {
  const owner = input.owner_id ?? input.creator_id;
  return {
    asset_id: input.asset_id ?? newAssetId(),
    container_kind: input.container.kind,
    container_id: input.container.id,
    asset_type: input.asset_type,
    name: input.name,
    name_lc: fold(input.name),
    description: input.description ?? '',
    description_lc: fold(input.description ?? ''),
    tags: toJson(tags(input)),
    owner_id: owner,
    creator_id: input.creator_id,
    created_at: now,
    updated_at: now,
    asset_state: input.asset_state ?? 'available',
    asset_category: input.asset_category ?? 'USER',
    origin_country: input.origin_country ?? null,
    version: 0,
    rov: toJson({
      mode: input.rov_mode ?? 0,
      collaborator_ids: {},
      member_roles: { [owner]: { user_iam_id: owner, roles: ['OWNER'] } },
    } satisfies Rov),
    usage: toJson({
      last_update_time: now,
      last_updater_id: input.creator_id,
      last_access_time: now,
      last_accessor_id: input.creator_id,
      access_count: 0,
    } satisfies Usage),
    entity: toJson(input.entity ?? {}),
  };
}

/** Rows per INSERT: under SQLite's 32,766 bound parameters with 20 columns a row. */
const ROWS_PER_INSERT = 1000;

/** Asset rows and their tag rows, a statement per thousand rows. */
async function insertRows(db: AssetExecutor, rows: AssetRow[], tagLists: string[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    await db
      .insertInto('assets')
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .execute();
  const tagRows = rows.flatMap((r, i) => tagKeys(tagLists[i]).map((tag) => ({ asset_id: r.asset_id, tag })));
  for (let i = 0; i < tagRows.length; i += ROWS_PER_INSERT * 5)
    await db
      .insertInto('asset_tags')
      .values(tagRows.slice(i, i + ROWS_PER_INSERT * 5))
      .execute();
}

/**
 * The asset store: one `assets` table for every kind of asset in every container (projects,
 * spaces, catalogs), tags in `asset_tags`, attachments in `asset_attachments` with their content
 * in the blob store. No access checks here: callers check roles (containers/access.ts) first.
 */
export class AssetRepository {
  readonly db: Db;
  private readonly writeHooks = new Map<string, AssetWriteHook>();
  private readonly dialect: Dialect;

  constructor(
    store: Store,
    readonly blobs: BlobStore,
  ) {
    this.db = store.db.withTables<AssetTables>() as unknown as Db;
    this.dialect = store.dialect;
  }

  /** `redoable`: work redone from the start after a crash (imports), see `redoableCommit`. */
  transaction<T>(work: (trx: Transaction<AssetTables>) => Promise<T>, redoable = false): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (redoable) await redoableCommit(trx, this.dialect);
      return work(trx);
    });
  }

  /**
   * Registers the index an area keeps of its asset type (one per type; a later call replaces it).
   * Deletes need no hook: such indexes reference the asset row and go with it (on delete cascade).
   */
  onWrite(assetType: string, hook: AssetWriteHook): void {
    this.writeHooks.set(assetType, hook);
  }

  /** Creates an asset (its row and tag rows; in one transaction unless `trx` is the caller's). */
  async createAsset(input: NewAsset, trx?: AssetExecutor): Promise<Asset> {
    const row = assetRow(input, new Date().toISOString());
    const write = async (db: AssetExecutor) => {
      await insertRows(db, [row], [tags(input)]);
      await this.writeHooks.get(row.asset_type)?.(db, toAsset(row));
    };
    if (trx) await write(trx);
    else await this.transaction(write);
    return toAsset(row);
  }

  /**
   * Creates many assets with a few multi-row statements inside the caller's transaction (imports):
   * one created_at for all, so their order is the order of their ids.
   */
  async createAssets(inputs: NewAsset[], trx: AssetExecutor, createdAt: string): Promise<void> {
    const rows = inputs.map((i) => assetRow(i, createdAt));
    await insertRows(trx, rows, inputs.map(tags));
    // The areas' own indexes (connections' list entries) of the new assets, in the same transaction.
    for (const row of rows) await this.writeHooks.get(row.asset_type)?.(trx, toAsset(row));
  }

  /** The asset with this id in this container; undefined when there is none (or it is elsewhere). */
  async getAsset(
    container: ContainerRef,
    assetId: string,
    trx: AssetExecutor = this.db,
  ): Promise<Asset | undefined> {
    const row = await trx
      .selectFrom('assets')
      .selectAll()
      .where('asset_id', '=', assetId)
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .executeTakeFirst();
    return row && toAsset(row);
  }

  /** Assets of a container in creation order, a keyset page at a time. */
  async listAssets(q: ListAssetsQuery, trx: AssetExecutor = this.db): Promise<AssetPage> {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const f = q.filters ?? {};
    let sel = trx
      .selectFrom('assets')
      .selectAll()
      .where('container_kind', '=', q.container.kind)
      .where('container_id', '=', q.container.id);
    if (q.type) sel = sel.where('asset_type', '=', q.type);
    if (f.name !== undefined) sel = sel.where('name', '=', f.name);
    if (f.owner_id !== undefined) sel = sel.where('owner_id', '=', f.owner_id);
    if (f.asset_state !== undefined) sel = sel.where('asset_state', '=', f.asset_state);
    if (f.tag !== undefined) {
      const tag = fold(f.tag);
      sel = sel.where((eb) =>
        eb.exists(
          eb
            .selectFrom('asset_tags')
            .select('asset_tags.asset_id')
            .whereRef('asset_tags.asset_id', '=', 'assets.asset_id')
            .where('asset_tags.tag', '=', tag),
        ),
      );
    }
    if (q.after) sel = sel.where((eb) => afterKey(eb, q.after!));
    const rows = await sel
      .orderBy('created_at')
      .orderBy('asset_id')
      .limit(limit + 1)
      .execute();
    return page(rows, limit);
  }

  /** Assets of a container matching a parsed query, in creation order, with the total count. */
  async searchAssets(q: SearchAssetsQuery, trx: AssetExecutor = this.db): Promise<SearchResult> {
    const type = q.type && q.type !== 'asset' ? q.type : undefined;
    const node = typeof q.query === 'string' ? parseQuery(q.query) : q.query;
    const base = () => {
      let sel = trx
        .selectFrom('assets')
        .where('container_kind', '=', q.container.kind)
        .where('container_id', '=', q.container.id)
        .where((eb) => compile(eb, node));
      if (type) sel = sel.where('asset_type', '=', type);
      return sel;
    };
    let rowsQ = base().selectAll();
    if (q.after) rowsQ = rowsQ.where((eb) => afterKey(eb, q.after!));
    const [rows, total] = await Promise.all([
      rowsQ
        .orderBy('created_at')
        .orderBy('asset_id')
        .limit(q.limit + 1)
        .execute(),
      // Every asset (of a type): the kept counts, not a count of the container's rows.
      node.kind === 'all'
        ? this.countOfTypes(q.container, type, trx)
        : base()
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
            .then((c) => Number(c.n)),
    ]);
    return { ...page(rows, q.limit), total_rows: total };
  }

  /** How many assets the container holds (of one type, or of all), from the kept counts. */
  private async countOfTypes(container: ContainerRef, type: string | undefined, trx: AssetExecutor) {
    let q = trx
      .selectFrom('asset_type_counts')
      .select((eb) => eb.fn.sum<number | string | null>('n').as('n'))
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id);
    if (type) q = q.where('asset_type', '=', type);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }

  /** The asset types present in a container, with how many assets each has, by name. */
  async listAssetTypes(container: ContainerRef, trx: AssetExecutor = this.db) {
    const rows = await trx
      .selectFrom('asset_type_counts')
      .select(['asset_type', 'n'])
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .where('n', '>', 0)
      .orderBy('asset_type')
      .execute();
    return rows.map((r) => ({ name: r.asset_type, asset_count: Number(r.n) }));
  }

  /**
   * Applies changes to an asset (one transaction unless `trx` is the caller's): version + 1,
   * updated_at and usage's last update. Undefined when the asset is not in the container.
   */
  async updateAsset(
    container: ContainerRef,
    assetId: string,
    changes: AssetChanges,
    trx?: AssetExecutor,
  ): Promise<Asset | undefined> {
    const work = async (db: AssetExecutor) => {
      const current = await this.getAsset(container, assetId, db);
      if (!current) return undefined;
      if (changes.ifVersion !== undefined && current.version !== changes.ifVersion) {
        throw new StaleAssetError(assetId);
      }
      const now = new Date().toISOString();
      const next: Asset = {
        ...current,
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.tags !== undefined ? { tags: changes.tags } : {}),
        ...(changes.entity !== undefined ? { entity: changes.entity } : {}),
        ...(changes.owner_id !== undefined ? { owner_id: changes.owner_id } : {}),
        ...(changes.asset_state !== undefined ? { asset_state: changes.asset_state } : {}),
        rov: changes.rov_mode !== undefined ? { ...current.rov, mode: changes.rov_mode } : current.rov,
        usage: { ...current.usage, last_update_time: now, last_updater_id: changes.updater_id },
        version: current.version + 1,
        updated_at: now,
      };
      if (changes.origin_country !== undefined) {
        if (changes.origin_country === null) delete next.origin_country;
        else next.origin_country = changes.origin_country;
      }
      const written = await db
        .updateTable('assets')
        .set({
          name: next.name,
          name_lc: fold(next.name),
          description: next.description,
          description_lc: fold(next.description),
          tags: toJson(next.tags),
          owner_id: next.owner_id,
          asset_state: next.asset_state,
          origin_country: next.origin_country ?? null,
          rov: toJson(next.rov),
          usage: toJson(next.usage),
          entity: toJson(next.entity),
          version: next.version,
          updated_at: now,
        })
        .where('asset_id', '=', assetId)
        // Compare and set on the version read above: a concurrent writer (another request, another
        // instance) cannot be overwritten unseen.
        .where('version', '=', current.version)
        .executeTakeFirst();
      if (Number(written.numUpdatedRows) !== 1) throw new StaleAssetError(assetId);
      if (changes.tags !== undefined) {
        await db.deleteFrom('asset_tags').where('asset_id', '=', assetId).execute();
        const keys = tagKeys(next.tags);
        if (keys.length)
          await db
            .insertInto('asset_tags')
            .values(keys.map((tag) => ({ asset_id: assetId, tag })))
            .execute();
      }
      await this.writeHooks.get(next.asset_type)?.(db, next);
      return next;
    };
    return trx ? work(trx) : this.transaction(work);
  }

  /** Records a read of the asset in its usage (access count, last accessor). */
  async touchAsset(container: ContainerRef, assetId: string, accessorId: string): Promise<void> {
    await this.transaction(async (db) => {
      const current = await this.getAsset(container, assetId, db);
      if (!current) return;
      const usage: Usage = {
        ...current.usage,
        last_access_time: new Date().toISOString(),
        last_accessor_id: accessorId,
        access_count: (current.usage.access_count ?? 0) + 1,
      };
      await db
        .updateTable('assets')
        .set({ usage: toJson(usage) })
        .where('asset_id', '=', assetId)
        .execute();
    });
  }

  /** Deletes an asset with its tags, attachments and their content, in one transaction. */
  async deleteAsset(container: ContainerRef, assetId: string, trx?: AssetExecutor): Promise<DeleteResult> {
    return this.deleteWhere(trx, (db) =>
      db
        .selectFrom('assets')
        .select('asset_id')
        .where('asset_id', '=', assetId)
        .where('container_kind', '=', container.kind)
        .where('container_id', '=', container.id)
        .execute(),
    );
  }

  /** Deletes every asset of a container (when the container goes), in one transaction. */
  async deleteContainerAssets(container: ContainerRef, trx?: AssetExecutor): Promise<DeleteResult> {
    return this.deleteWhere(trx, (db) =>
      db
        .selectFrom('assets')
        .select('asset_id')
        .where('container_kind', '=', container.kind)
        .where('container_id', '=', container.id)
        .execute(),
    );
  }

  private async deleteWhere(
    trx: AssetExecutor | undefined,
    select: (db: AssetExecutor) => Promise<{ asset_id: string }[]>,
  ): Promise<DeleteResult> {
    const work = async (db: AssetExecutor) => {
      const ids = (await select(db)).map((r) => r.asset_id);
      if (!ids.length) return { deleted: false, blobIds: [] as string[] };
      const blobIds: string[] = [];
      // in slices, to stay under the bound-parameter limits of both databases
      for (let i = 0; i < ids.length; i += 500) {
        const slice = ids.slice(i, i + 500);
        const atts = await db
          .selectFrom('asset_attachments')
          .select('blob_id')
          .where('asset_id', 'in', slice)
          .execute();
        const blobs = atts.map((a) => a.blob_id).filter((b): b is string => b !== null);
        blobIds.push(...blobs);
        await db.deleteFrom('asset_attachments').where('asset_id', 'in', slice).execute();
        await this.blobs.removeRows(db, blobs);
        await db.deleteFrom('asset_tags').where('asset_id', 'in', slice).execute();
        await db.deleteFrom('assets').where('asset_id', 'in', slice).execute();
      }
      return { deleted: true, blobIds };
    };
    if (trx) {
      const { deleted, blobIds } = await work(trx);
      return { deleted, removeContent: () => this.blobs.removeContent(blobIds) };
    }
    const { deleted, blobIds } = await this.transaction(work);
    await this.blobs.removeContent(blobIds);
    return { deleted, removeContent: NOTHING };
  }
}

function page(rows: AssetRow[], limit: number): AssetPage {
  const more = rows.length > limit;
  const assets = rows.slice(0, limit).map(toAsset);
  const last = assets[assets.length - 1];
  return more && last ? { assets, next: [last.created_at, last.asset_id] } : { assets };
}

/** Strictly after `[created_at, asset_id]` in creation order. */
function afterKey(eb: Eb, [createdAt, assetId]: AssetKey) {
  return eb.or([
    eb('assets.created_at', '>', createdAt),
    eb.and([eb('assets.created_at', '=', createdAt), eb('assets.asset_id', '>', assetId)]),
  ]);
}

/** A query tree as a WHERE condition: values are bound parameters, never SQL text. */
function compile(eb: Eb, node: QueryNode): Expression<SqlBool> {
  switch (node.kind) {
    case 'all':
      return sql<SqlBool>`1 = 1`;
    case 'and':
      return eb.and(node.nodes.map((n) => compile(eb, n)));
    case 'or':
      return eb.or(node.nodes.map((n) => compile(eb, n)));
    case 'not':
      return eb.not(compile(eb, node.node));
    case 'term': {
      if (node.field === 'name' || node.field === 'description') {
        // the whole value, or whole space-separated words of it
        const col = eb.ref(node.field === 'name' ? 'assets.name_lc' : 'assets.description_lc');
        const p = likePattern(fold(node.value));
        return eb.or([like(col, p), like(col, `${p} %`), like(col, `% ${p}`), like(col, `% ${p} %`)]);
      }
      if (node.field === 'tags') {
        // A whole tag: the tag index finds its assets (the planner can start from it, so a rare tag
        // costs its own assets, not a walk of the container's).
        if (!/[*?]/.test(node.value)) {
          return eb(
            'assets.asset_id',
            'in',
            eb
              .selectFrom('asset_tags')
              .select('asset_tags.asset_id')
              .where('asset_tags.tag', '=', fold(node.value)),
          );
        }
        const p = likePattern(fold(node.value));
        return eb.exists(
          eb
            .selectFrom('asset_tags')
            .select('asset_tags.asset_id')
            .whereRef('asset_tags.asset_id', '=', 'assets.asset_id')
            .where((sub) => like(sub.ref('asset_tags.tag'), p)),
        );
      }
      const col = eb.fn<string>('lower', [eb.ref(`assets.${node.field}`)]);
      return like(col, likePattern(foldAscii(node.value)));
    }
  }
}
