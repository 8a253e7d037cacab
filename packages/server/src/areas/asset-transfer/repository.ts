import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../../store/db.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { AssetTransferTables, TransferRow } from './tables.ts';

export type TransferKind = 'export' | 'import';
export type TransferState = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';
export const ACTIVE_STATES: TransferState[] = ['pending', 'in_progress'];

type Db = Kysely<AssetTransferTables>;
/** Work done in the same transaction as a change of a transfer's row (its blobs' rows going). */
export type AlsoInTransaction = (trx: Transaction<any>) => Promise<void>;
const EPOCH = new Date(0).toISOString();

/** SQL of `asset_transfers`: the records of exports and imports, and the leases of their work. */
export class TransferRepository {
  readonly db: Db;

  constructor(store: Store) {
    this.db = store.db.withTables<AssetTransferTables>() as unknown as Db;
  }

  /** `db`: the caller's transaction, when the row commits with other writes (an import's blobs). */
  async insert(row: TransferRow, db: Kysely<any> = this.db): Promise<void> {
    await (db as Db).insertInto('asset_transfers').values(row).execute();
  }

  /** The transfer of this kind in this container (not hard-deleted). */
  async get(kind: TransferKind, container: ContainerRef, id: string): Promise<TransferRow | undefined> {
    return this.db
      .selectFrom('asset_transfers')
      .selectAll()
      .where('id', '=', id)
      .where('kind', '=', kind)
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .where('deleted', '=', 0)
      .executeTakeFirst();
  }

  async byId(id: string): Promise<TransferRow | undefined> {
    return this.db.selectFrom('asset_transfers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A page in creation order after `[created_at, id]`, one row more than `limit` when there is more. */
  async list(kind: TransferKind, container: ContainerRef, limit: number, after?: [string, string]) {
    let q = this.db
      .selectFrom('asset_transfers')
      .selectAll()
      .where('kind', '=', kind)
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .where('deleted', '=', 0);
    if (after) {
      const [at, id] = after;
      q = q.where((eb) =>
        eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('id', '>', id)])]),
      );
    }
    return q
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
  }

  async count(kind: TransferKind, container: ContainerRef): Promise<number> {
    const row = await this.db
      .selectFrom('asset_transfers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', kind)
      .where('container_kind', '=', container.kind)
      .where('container_id', '=', container.id)
      .where('deleted', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Ids with work left whose lease has expired (or every one, `ignoreLeases`). */
  async claimable(ignoreLeases: boolean): Promise<string[]> {
    let q = this.db.selectFrom('asset_transfers').select('id').where('work_done', '=', 0);
    if (!ignoreLeases) q = q.where('lease_until', '<', new Date().toISOString());
    return (await q.execute()).map((r) => r.id);
  }

  /** Takes the lease (counting a run); undefined when another server holds it or nothing is left. */
  async claim(id: string, me: string, leaseMs: number, force: boolean): Promise<TransferRow | undefined> {
    const now = new Date();
    let q = this.db
      .updateTable('asset_transfers')
      .set((eb) => ({
        lease_owner: me,
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .where('work_done', '=', 0);
    if (!force)
      q = q.where((eb) => eb.or([eb('lease_owner', '=', me), eb('lease_until', '<', now.toISOString())]));
    const res = await q.executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    return this.byId(id);
  }

  /**
   * Extends the lease of a running transfer and records its progress. false when it is no longer
   * ours to run: cancelled, or the lease went to another server.
   */
  async heartbeat(id: string, me: string, leaseMs: number, progress?: unknown): Promise<boolean> {
    const now = new Date();
    const res = await this.db
      .updateTable('asset_transfers')
      .set({
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        state: 'in_progress',
        ...(progress ? { progress: JSON.stringify(progress), updated_at: now.toISOString() } : {}),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', me)
      .where('state', 'in', ACTIVE_STATES)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Ends a run: the final state (unless it was cancelled meanwhile) and no work left; `also` runs
   * in the same transaction when the row was ours to end.
   */
  async finish(
    id: string,
    me: string,
    end: { state: TransferState; failure?: string; archive_blob_id?: string | null; progress?: unknown },
    also?: AlsoInTransaction,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const ended = await this.end(trx, id, me, end);
      if (ended && also) await also(trx);
      return ended;
    });
  }

  private async end(
    trx: Transaction<AssetTransferTables>,
    id: string,
    me: string,
    end: { state: TransferState; failure?: string; archive_blob_id?: string | null; progress?: unknown },
  ): Promise<boolean> {
    const res = await trx
      .updateTable('asset_transfers')
      .set({
        state: end.state,
        failure: end.failure ?? null,
        ...(end.archive_blob_id !== undefined ? { archive_blob_id: end.archive_blob_id } : {}),
        ...(end.progress ? { progress: JSON.stringify(end.progress) } : {}),
        work_done: 1,
        lease_owner: '',
        lease_until: EPOCH,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', me)
      .where('state', 'in', ACTIVE_STATES)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * After the clean-up of a cancelled transfer: no work left; a hard-deleted one goes. `also` runs
   * in the same transaction.
   */
  async settleCancelled(id: string, me: string, also?: AlsoInTransaction): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('asset_transfers')
        .where('id', '=', id)
        .where('lease_owner', '=', me)
        .where('deleted', '=', 1)
        .executeTakeFirst();
      const settled = await trx
        .updateTable('asset_transfers')
        .set({ work_done: 1, lease_owner: '', lease_until: EPOCH, archive_blob_id: null })
        .where('id', '=', id)
        .where('lease_owner', '=', me)
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) + Number(settled.numUpdatedRows) > 0 && also) await also(trx);
    });
  }

  /** Gives the lease back (a stop on purpose does not count as a run). */
  async release(id: string, me: string): Promise<void> {
    await this.db
      .updateTable('asset_transfers')
      .set((eb) => ({ lease_owner: '', lease_until: EPOCH, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', id)
      .where('lease_owner', '=', me)
      .execute();
  }

  /**
   * Cancels an active transfer (and hides it, `hardDelete`); its worker cleans up. false when it
   * was no longer active.
   */
  async cancel(id: string, hardDelete: boolean): Promise<boolean> {
    const res = await this.db
      .updateTable('asset_transfers')
      .set({
        state: 'cancelled',
        updated_at: new Date().toISOString(),
        ...(hardDelete ? { deleted: 1 } : {}),
      })
      .where('id', '=', id)
      .where('state', 'in', ACTIVE_STATES)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Deletes a finished transfer's row; the blob it names is returned for removal. */
  async remove(id: string): Promise<{ removed: boolean; blobId: string | null }> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('asset_transfers')
        .select(['archive_blob_id', 'work_done'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row || !row.work_done) return { removed: false, blobId: null };
      await trx.deleteFrom('asset_transfers').where('id', '=', id).execute();
      return { removed: true, blobId: row.archive_blob_id };
    });
  }

  /** Hides a transfer whose clean-up is still to come; the row goes when it is over. */
  async hide(id: string): Promise<void> {
    await this.db.updateTable('asset_transfers').set({ deleted: 1 }).where('id', '=', id).execute();
  }
}
