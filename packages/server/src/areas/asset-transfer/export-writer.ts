import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import yazl from 'yazl';
import type { AppContext } from '../../platform/context.ts';
import type { BlobInfo } from '../../store/blobs.ts';
import { fromJson } from '../../store/db.ts';
import type { ContainerRef } from '../containers/access.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  ATTACHMENTS_DIR,
  MANIFEST_PATH,
} from '../projects/archive-format.ts';
import type { AssetStore } from '../assets/store.ts';
import type { AssetTables } from '../assets/tables.ts';
import { assetTransferHooksOf, type TransferCipher } from '../assets/transfer-hooks.ts';
import type { KeyDerivation } from './cipher.ts';

/** Which assets an export takes: all of them, or those of some types and those with some ids. */
export interface Selection {
  all_assets?: boolean;
  asset_types?: string[];
  asset_ids?: string[];
}

export interface ExportProgress {
  assets: number;
  attachments: number;
}

export interface ExportPlan {
  id: string;
  name: string;
  description: string;
  container: ContainerRef;
  selection: Selection;
  createdAt: string;
  cipher?: TransferCipher;
  derivation?: KeyDerivation;
}

const PAGE = 500;
/** Attachments whose content is being read ahead of the one the zip is writing. */
const PREFETCH = 3;

/**
 * Writes an export as a project archive (projects/ARCHIVE.md, plus an `export` header) straight
 * into the blob store: the manifest is generated a page of assets at a time, and each attachment
 * is streamed from its blob when the zip gets to it. Memory stays bounded whatever the size.
 * `step` runs before each page (lease, cancellation); what it throws ends the export.
 */
export async function writeExport(
  ctx: AppContext,
  store: AssetStore,
  plan: ExportPlan,
  step: (progress: ExportProgress) => Promise<void>,
): Promise<{ blob: BlobInfo; progress: ExportProgress }> {
  const db = store.assets.db as unknown as Kysely<AssetTables>;
  const zip = new yazl.ZipFile();
  // yazl's output is a PassThrough (typed as a bare ReadableStream)
  const output = zip.outputStream as unknown as Readable;
  const mtime = new Date(plan.createdAt);
  const progress: ExportProgress = { assets: 0, attachments: 0 };
  const opened = new Map<number, Readable>();
  const fail = (err: Error) => {
    // Contents read ahead are nobody's now: their files or queries stop.
    for (const stream of opened.values()) stream.destroy();
    opened.clear();
    output.destroy(err);
  };
  zip.on('error', fail);

  // The zip takes attachments one after the other; each one's content starts to be read (one
  // query or file read, about 1 MiB at most) while the ones before it are still being written,
  // so the export does not wait a round trip per attachment.
  const blobIds: string[] = [];
  const open = (k: number) => {
    let stream = opened.get(k);
    if (!stream && k < blobIds.length) {
      stream = store.blobs.stream(blobIds[k]);
      stream.on('error', fail);
      stream.read(0);
      opened.set(k, stream);
    }
    return stream;
  };
  const attachmentEntry = (path: string, blobId: string) => {
    const k = blobIds.push(blobId) - 1;
    zip.addReadStreamLazy(path, { compress: false, mtime }, (cb) => {
      const stream = open(k)!;
      opened.delete(k);
      for (let ahead = 1; ahead <= PREFETCH; ahead++) open(k + ahead);
      cb(null, stream);
    });
  };

  async function* manifest(): AsyncGenerator<string> {
    const header = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      export: {
        id: plan.id,
        name: plan.name,
        description: plan.description,
        container: plan.container,
        created_at: plan.createdAt,
        ...(plan.derivation ? { encryption: plan.derivation } : {}),
      },
    };
    yield JSON.stringify(header).slice(0, -1) + ',"assets":[';
    let after: [string, string] | undefined;
    let first = true;
    for (;;) {
      await step(progress);
      let q = db
        .selectFrom('assets')
        .select(['asset_id', 'asset_type', 'name', 'description', 'tags', 'entity', 'created_at'])
        .where('container_kind', '=', plan.container.kind)
        .where('container_id', '=', plan.container.id);
      const s = plan.selection;
      if (!s.all_assets) {
        q = q.where((eb) =>
          eb.or([
            ...(s.asset_types?.length ? [eb('asset_type', 'in', s.asset_types)] : []),
            ...(s.asset_ids?.length ? [eb('asset_id', 'in', s.asset_ids)] : []),
          ]),
        );
      }
      if (after) {
        const [at, id] = after;
        q = q.where((eb) =>
          eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('asset_id', '>', id)])]),
        );
      }
      const rows = await q.orderBy('created_at').orderBy('asset_id').limit(PAGE).execute();
      if (!rows.length) break;
      const atts = await db
        .selectFrom('asset_attachments')
        .select(['attachment_id', 'asset_id', 'name', 'description', 'mime', 'blob_id'])
        .where(
          'asset_id',
          'in',
          rows.map((r) => r.asset_id),
        )
        .where('transfer_complete', '=', 1)
        .where('blob_id', 'is not', null)
        .orderBy('created_at')
        .orderBy('attachment_id')
        .execute();
      const byAsset = new Map<string, typeof atts>();
      for (const a of atts) byAsset.set(a.asset_id, [...(byAsset.get(a.asset_id) ?? []), a]);
      const parts: string[] = [];
      for (const r of rows) {
        const stored = fromJson<Record<string, unknown>>(r.entity, {});
        const hooks = assetTransferHooksOf(r.asset_type);
        const attachments = (byAsset.get(r.asset_id) ?? []).map((a) => {
          const path = `${ATTACHMENTS_DIR}${r.asset_id}/${a.attachment_id}`;
          attachmentEntry(path, a.blob_id!);
          progress.attachments++;
          return {
            attachment_id: a.attachment_id,
            name: a.name,
            description: a.description,
            mime: a.mime,
            path,
          };
        });
        const record = {
          asset_id: r.asset_id,
          asset_type: r.asset_type,
          name: r.name,
          description: r.description,
          tags: fromJson<string[]>(r.tags, []),
          entity: hooks ? hooks.exportEntity(ctx, stored, plan.cipher) : stored,
          attachments,
        };
        parts.push((first ? '' : ',') + JSON.stringify(record));
        first = false;
        progress.assets++;
      }
      yield parts.join('');
      const last = rows[rows.length - 1];
      after = [last.created_at, last.asset_id];
      if (rows.length < PAGE) break;
    }
    yield ']}';
    zip.end();
  }

  const manifestStream = Readable.from(manifest());
  manifestStream.on('error', fail);
  zip.addReadStream(manifestStream, MANIFEST_PATH, { mtime });
  const blob = await store.blobs.put(output);
  return { blob, progress };
}
