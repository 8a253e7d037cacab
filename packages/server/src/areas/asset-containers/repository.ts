import type { Kysely, Transaction } from 'kysely';
import { fromJson, toJson, type Store } from '../../store/db.ts';
import type { AssetTables, AssetRow, AttachmentRow } from '../assets/tables.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { ArchiveRow, AssetContainerTables } from './tables.ts';

type Tables = AssetContainerTables & AssetTables;
export type ContainerDb = Kysely<Tables>;
export type ContainerExecutor = ContainerDb | Transaction<Tables>;

/** An archived asset: its rows as they were in the live tables. */
interface ArchivedAsset {
  asset: AssetRow;
  tags: string[];
  attachments: AttachmentRow[];
}

/** Both databases bound parameters per statement; 500 rows at a time stays well under. */
const SLICE = 500;
const slices = <T>(items: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SLICE) out.push(items.slice(i, i + SLICE));
  return out;
};

/** All SQL of the asset containers area. Moves of assets take the caller's transaction. */
export class ContainerRepository {
  readonly db: ContainerDb;

  constructor(store: Store) {
    this.db = store.db.withTables<Tables>() as unknown as ContainerDb;
  }

  transaction<T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  findArchive(c: ContainerRef, db: ContainerExecutor = this.db): Promise<ArchiveRow | undefined> {
    return db
      .selectFrom('asset_container_archives')
      .selectAll()
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .executeTakeFirst();
  }

  /** The archive status of a container; `active` when it was never archived. */
  async statusOf(c: ContainerRef): Promise<string> {
    const row = await this.db
      .selectFrom('asset_container_archives')
      .select('status')
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .executeTakeFirst();
    return row?.status ?? 'active';
  }

  async upsertArchive(db: ContainerExecutor, row: ArchiveRow): Promise<void> {
    const { container_kind: _kind, container_id: _id, ...rest } = row;
    await db
      .insertInto('asset_container_archives')
      .values(row)
      .onConflict((oc) => oc.columns(['container_kind', 'container_id']).doUpdateSet(rest))
      .execute();
  }

  /** Changes an archive row only while `owner` holds its lease; false when it does not. */
  async updateLeased(
    db: ContainerExecutor,
    c: ContainerRef,
    owner: string,
    changes: Partial<ArchiveRow>,
  ): Promise<boolean> {
    const res = await db
      .updateTable('asset_container_archives')
      .set(changes)
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Containers with an archive or restore to do whose lease has expired (or all, with `ignoreLeases`). */
  async pending(ignoreLeases: boolean): Promise<ContainerRef[]> {
    let q = this.db
      .selectFrom('asset_container_archives')
      .select(['container_kind', 'container_id'])
      .where('status', 'in', ['archiving', 'restoring']);
    if (!ignoreLeases) q = q.where('lease_until', '<', new Date().toISOString());
    const rows = await q.execute();
    return rows.map((r) => ({ kind: r.container_kind as ContainerRef['kind'], id: r.container_id }));
  }

  /** Takes the lease of a pending archive or restore; false when another server holds it. */
  async claim(c: ContainerRef, owner: string, leaseMs: number, force: boolean): Promise<boolean> {
    const now = new Date();
    let q = this.db
      .updateTable('asset_container_archives')
      .set({ lease_owner: owner, lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .where('status', 'in', ['archiving', 'restoring']);
    if (!force)
      q = q.where((eb) => eb.or([eb('lease_owner', '=', owner), eb('lease_until', '<', now.toISOString())]));
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Moves every asset of a container (rows, tags, attachment rows) out of the live tables into
   * `asset_container_archived_assets`. Attachment content stays in the blob store.
   */
  async moveToArchive(
    db: ContainerExecutor,
    c: ContainerRef,
  ): Promise<{ assets: number; attachments: number }> {
    const assets = await db
      .selectFrom('assets')
      .selectAll()
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .execute();
    let attachments = 0;
    for (const part of slices(assets)) {
      // by the ids read above: an asset created meanwhile is never deleted unarchived
      const ids = part.map((a) => a.asset_id);
      const tags = await db.selectFrom('asset_tags').selectAll().where('asset_id', 'in', ids).execute();
      const atts = await db
        .selectFrom('asset_attachments')
        .selectAll()
        .where('asset_id', 'in', ids)
        .orderBy('created_at')
        .orderBy('attachment_id')
        .execute();
      attachments += atts.length;
      await db
        .insertInto('asset_container_archived_assets')
        .values(
          part.map((asset) => ({
            asset_id: asset.asset_id,
            container_kind: c.kind,
            container_id: c.id,
            document: toJson({
              asset,
              tags: tags.filter((t) => t.asset_id === asset.asset_id).map((t) => t.tag),
              attachments: atts.filter((a) => a.asset_id === asset.asset_id),
            } satisfies ArchivedAsset),
          })),
        )
        .execute();
      await db.deleteFrom('asset_attachments').where('asset_id', 'in', ids).execute();
      await db.deleteFrom('asset_tags').where('asset_id', 'in', ids).execute();
      await db.deleteFrom('assets').where('asset_id', 'in', ids).execute();
    }
    return { assets: assets.length, attachments };
  }

  /** Puts the archived assets of a container back into the live tables, exactly as they were. */
  async moveFromArchive(db: ContainerExecutor, c: ContainerRef): Promise<number> {
    const docs = await this.archivedAssets(db, c);
    for (const part of slices(docs)) {
      await db
        .insertInto('assets')
        .values(part.map((d) => d.asset))
        .execute();
      const tags = part.flatMap((d) => d.tags.map((tag) => ({ asset_id: d.asset.asset_id, tag })));
      for (const t of slices(tags)) await db.insertInto('asset_tags').values(t).execute();
      const atts = part.flatMap((d) => d.attachments);
      for (const a of slices(atts)) await db.insertInto('asset_attachments').values(a).execute();
      await db
        .deleteFrom('asset_container_archived_assets')
        .where(
          'asset_id',
          'in',
          part.map((d) => d.asset.asset_id),
        )
        .execute();
    }
    return docs.length;
  }

  private async archivedAssets(db: ContainerExecutor, c: ContainerRef): Promise<ArchivedAsset[]> {
    const rows = await db
      .selectFrom('asset_container_archived_assets')
      .select('document')
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .execute();
    return rows.map((r) =>
      fromJson<ArchivedAsset>(r.document, { asset: {} as AssetRow, tags: [], attachments: [] }),
    );
  }

  /**
   * Deletes the archive of a container (its archived assets and state) in the caller's
   * transaction; returns the blob ids of the archived attachments, whose rows the caller removes.
   */
  async deleteArchive(db: ContainerExecutor, c: ContainerRef): Promise<string[]> {
    const blobIds = (await this.archivedAssets(db, c))
      .flatMap((d) => d.attachments.map((a) => a.blob_id))
      .filter((b): b is string => typeof b === 'string');
    await db
      .deleteFrom('asset_container_archived_assets')
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .execute();
    await db
      .deleteFrom('asset_container_archives')
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .execute();
    return blobIds;
  }

  async findConfigurations(c: ContainerRef): Promise<Record<string, unknown> | undefined> {
    const row = await this.db
      .selectFrom('asset_container_configurations')
      .select('configurations')
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .executeTakeFirst();
    return row && fromJson<Record<string, unknown>>(row.configurations, {});
  }

  /** Replaces (or creates) the configurations of a container. */
  async putConfigurations(c: ContainerRef, value: Record<string, unknown>, by: string): Promise<void> {
    const row = {
      container_kind: c.kind,
      container_id: c.id,
      configurations: toJson(value),
      updated_by: by,
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('asset_container_configurations')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['container_kind', 'container_id'])
          .doUpdateSet({ configurations: row.configurations, updated_by: by, updated_at: row.updated_at }),
      )
      .execute();
  }

  async deleteConfigurations(db: ContainerExecutor, c: ContainerRef): Promise<void> {
    await db
      .deleteFrom('asset_container_configurations')
      .where('container_kind', '=', c.kind)
      .where('container_id', '=', c.id)
      .execute();
  }
}
