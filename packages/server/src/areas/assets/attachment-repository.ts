import type { Kysely, Transaction } from 'kysely';
import type { BlobStore } from '../../store/blobs.ts';
import { fromJson, toJson, type Store } from '../../store/db.ts';
import { newAssetId } from './model.ts';
import type { AssetExecutor } from './repository.ts';
import type { AssetTables, AttachmentRow } from './tables.ts';

type Db = Kysely<AssetTables>;

/** An attachment as the store hands it out. Its content is a blob (blobs.ts), once uploaded. */
export interface Attachment {
  attachment_id: string;
  asset_id: string;
  asset_type: string;
  name: string;
  description: string;
  mime: string;
  is_partitioned: boolean;
  data_partitions: number;
  user_data: Record<string, unknown>;
  blob_id: string | null;
  size: number;
  transfer_complete: boolean;
  creator_id: string;
  created_at: string;
  updated_at: string;
}

export interface NewAttachment {
  asset_id: string;
  asset_type: string;
  creator_id: string;
  name?: string;
  description?: string;
  mime?: string;
  is_partitioned?: boolean;
  data_partitions?: number;
  user_data?: Record<string, unknown>;
}

const toAttachment = (r: AttachmentRow): Attachment => ({
  attachment_id: r.attachment_id,
  asset_id: r.asset_id,
  asset_type: r.asset_type,
  name: r.name,
  description: r.description,
  mime: r.mime,
  is_partitioned: r.is_partitioned === 1,
  data_partitions: Number(r.data_partitions),
  user_data: fromJson<Record<string, unknown>>(r.user_data, {}),
  blob_id: r.blob_id,
  size: Number(r.size),
  transfer_complete: r.transfer_complete === 1,
  creator_id: r.creator_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/**
 * A new attachment's row, without content. Its id is time-ordered like asset ids: attachments list
 * by `[created_at, attachment_id]`, so two made in the same millisecond keep the order they were made.
 */
function attachmentRow(input: NewAttachment, now: string): AttachmentRow {
  return {
    attachment_id: newAssetId(),
    asset_id: input.asset_id,
    asset_type: input.asset_type,
    name: input.name ?? '',
    description: input.description ?? '',
    mime: input.mime ?? 'application/octet-stream',
    is_partitioned: input.is_partitioned ? 1 : 0,
    data_partitions: input.data_partitions ?? 1,
    user_data: toJson(input.user_data ?? {}),
    blob_id: null,
    size: 0,
    transfer_complete: 0,
    creator_id: input.creator_id,
    created_at: now,
    updated_at: now,
  };
}

/**
 * Attachments of assets: records here, content in the blob store. Callers check the asset (and the
 * caller's role in its container) first.
 */
export class AttachmentRepository {
  readonly db: Db;

  constructor(
    store: Store,
    readonly blobs: BlobStore,
  ) {
    this.db = store.db.withTables<AssetTables>() as unknown as Db;
  }

  async createAttachment(input: NewAttachment, trx: AssetExecutor = this.db): Promise<Attachment> {
    const row = attachmentRow(input, new Date().toISOString());
    await trx.insertInto('asset_attachments').values(row).execute();
    return toAttachment(row);
  }

  /**
   * Creates attachments whose content is already a blob (imports), with multi-row statements in
   * the caller's transaction, complete at once.
   */
  async createComplete(
    inputs: (NewAttachment & { blob_id: string; size: number })[],
    trx: AssetExecutor,
    createdAt: string,
  ): Promise<void> {
    const rows = inputs.map((i) => ({
      ...attachmentRow(i, createdAt),
      blob_id: i.blob_id,
      size: i.size,
      transfer_complete: 1,
    }));
    // 15 columns a row: well under SQLite's 32,766 bound parameters.
    for (let i = 0; i < rows.length; i += 1000)
      await trx
        .insertInto('asset_attachments')
        .values(rows.slice(i, i + 1000))
        .execute();
  }

  async getAttachment(assetId: string, attachmentId: string, trx: AssetExecutor = this.db) {
    const row = await trx
      .selectFrom('asset_attachments')
      .selectAll()
      .where('attachment_id', '=', attachmentId)
      .where('asset_id', '=', assetId)
      .executeTakeFirst();
    return row && toAttachment(row);
  }

  async listAttachments(assetId: string, trx: AssetExecutor = this.db): Promise<Attachment[]> {
    const rows = await trx
      .selectFrom('asset_attachments')
      .selectAll()
      .where('asset_id', '=', assetId)
      .orderBy('created_at')
      .orderBy('attachment_id')
      .execute();
    return rows.map(toAttachment);
  }

  /**
   * Points an attachment at newly stored content, in one transaction; the previous content (if
   * any) goes. `accept` sees the current record and may refuse by throwing (the new blob is then
   * removed). Undefined when the attachment no longer exists.
   */
  async attachContent(
    assetId: string,
    attachmentId: string,
    blob: { blob_id: string; size: number },
    accept: (current: Attachment) => void,
  ): Promise<Attachment | undefined> {
    let previous: string | null = null;
    try {
      const updated = await this.db.transaction().execute(async (trx: Transaction<AssetTables>) => {
        const current = await this.getAttachment(assetId, attachmentId, trx);
        if (!current) return undefined;
        accept(current);
        previous = current.blob_id;
        const now = new Date().toISOString();
        await trx
          .updateTable('asset_attachments')
          .set({ blob_id: blob.blob_id, size: blob.size, updated_at: now })
          .where('attachment_id', '=', attachmentId)
          .execute();
        if (previous) await this.blobs.removeRows(trx, [previous]);
        return { ...current, blob_id: blob.blob_id, size: blob.size, updated_at: now };
      });
      if (!updated) await this.blobs.delete([blob.blob_id]);
      else if (previous) await this.blobs.removeContent([previous]);
      return updated;
    } catch (err) {
      await this.blobs.delete([blob.blob_id]);
      throw err;
    }
  }

  async markComplete(attachmentId: string, trx: AssetExecutor = this.db): Promise<void> {
    await trx
      .updateTable('asset_attachments')
      .set({ transfer_complete: 1, updated_at: new Date().toISOString() })
      .where('attachment_id', '=', attachmentId)
      .execute();
  }

  /** Deletes an attachment and its content (rows in one transaction, then the file). */
  async deleteAttachment(assetId: string, attachmentId: string): Promise<boolean> {
    const blobId = await this.db.transaction().execute(async (trx) => {
      const current = await this.getAttachment(assetId, attachmentId, trx);
      if (!current) return undefined;
      await trx.deleteFrom('asset_attachments').where('attachment_id', '=', attachmentId).execute();
      if (current.blob_id) await this.blobs.removeRows(trx, [current.blob_id]);
      return current.blob_id ?? '';
    });
    if (blobId === undefined) return false;
    if (blobId) await this.blobs.removeContent([blobId]);
    return true;
  }
}
