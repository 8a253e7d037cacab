import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Transaction } from 'kysely';
import type { Entry } from 'yauzl';
import type { AppContext } from '../../platform/context.ts';
import { ApiError, badRequest } from '../../platform/errors.ts';
import type { ContainerRef } from '../containers/access.ts';
import {
  MANIFEST_PATH,
  openArchive,
  openEntry,
  remapReferences,
  type Archive,
  type ArchiveLimits,
  type ManifestAsset,
} from '../projects/archive-format.ts';
import type { NewAsset } from '../assets/model.ts';
import type { AssetStore } from '../assets/store.ts';
import type { AssetTables } from '../assets/tables.ts';
import { assetTransferHooksOf, type TransferCipher } from '../assets/transfer-hooks.ts';
import { KeyCipher, type KeyDerivation } from './cipher.ts';

export interface ImportProgress {
  assets: number;
  attachments: number;
  total_assets: number;
  total_attachments: number;
}

/**
 * Opens and checks an uploaded archive with the project archive reader (safe names, entry count,
 * sizes, manifest): a 400 saying what is wrong otherwise.
 */
export async function openUpload(file: string, limits: ArchiveLimits): Promise<Archive> {
  try {
    return await openArchive(file, limits);
  } catch (err) {
    if (err instanceof ApiError)
      throw badRequest(err.message.replace(/^The project archive is refused/, 'The archive is refused'));
    throw err;
  }
}

/**
 * The key derivation an export wrote into its manifest's `export` header (which the project
 * archive reader does not keep), if the export had an encryption key.
 */
export async function derivationOf(archive: Archive): Promise<KeyDerivation | undefined> {
  const parts: Buffer[] = [];
  for await (const chunk of await openEntry(archive.zip, archive.entries.get(MANIFEST_PATH)!))
    parts.push(chunk);
  const header = (JSON.parse(Buffer.concat(parts).toString('utf8')) as { export?: unknown }).export;
  const encryption =
    header && typeof header === 'object' ? (header as Record<string, unknown>).encryption : undefined;
  return encryption && typeof encryption === 'object' ? (encryption as KeyDerivation) : undefined;
}

/**
 * The cipher for an import's `encryption_key`: undefined without a key or when the export had
 * none (its secrets were left out); a 400 when the key is not the export's.
 */
export function importCipher(key: string | undefined, derivation: KeyDerivation | undefined) {
  if (!key || !derivation) return undefined;
  let cipher: KeyCipher;
  try {
    cipher = KeyCipher.derive(key, derivation);
  } catch (err) {
    throw badRequest(`The archive's encryption cannot be read: ${(err as Error).message}.`);
  }
  if (!cipher.matches(derivation))
    throw badRequest('The encryption_key is not the key this export was encrypted with.', {
      parameters: ['encryption_key'],
    });
  return cipher;
}

/**
 * What a run of an import needs besides the import's row, kept as a blob (the row's
 * `archive_blob_id`) from the upload to the import's end: the assets to create, in order (an
 * archive's manifest, or the rows of a CSV), and the key derivation of the export's secrets.
 * Attachment contents are blobs of their own, stored during the upload (the row's
 * `request.blobs`): the archive itself is not kept.
 */
export interface ImportPlan {
  assets: ManifestAsset[];
  derivation?: KeyDerivation;
  /** Whether strings equal to a source asset id are references to remap (archives; not CSV text). */
  remap: boolean;
}

/** An attachment content stored by the upload: archive path, blob id, size. */
export type StagedBlob = [path: string, blobId: string, size: number];

/** Bytes read at once from a stored entry (yauzl's reads are 16 KiB each). */
const READ_BYTES = 256 * 1024;

/**
 * A stored (uncompressed) entry read straight from the archive file in large reads, checked as
 * `openEntry` checks it (size and CRC-32). Exports store attachments uncompressed, so an import
 * of one reads its 200 MiB with a few hundred reads instead of thousands.
 */
async function* readStored(archive: Archive, file: string, entry: Entry): AsyncGenerator<Buffer> {
  const { fileDataStart } = await archive.zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const handle = await fs.promises.open(file, 'r');
  try {
    let crc = 0;
    let pos = fileDataStart;
    let left = entry.compressedSize;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, left));
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) throw refused(`entry '${entry.fileName}' is cut short.`);
      const piece = buf.subarray(0, bytesRead);
      crc = zlib.crc32(piece, crc);
      pos += bytesRead;
      left -= bytesRead;
      yield piece;
    }
    if (crc >>> 0 !== entry.crc32 >>> 0)
      throw refused(`entry '${entry.fileName}' is corrupt (CRC-32 mismatch).`);
  } finally {
    await handle.close();
  }
}

const refused = (why: string) => badRequest(`The archive is refused: ${why}`);

/**
 * The content of an archive entry, checked on the way (size and CRC-32): a stored entry read from
 * the archive file directly, a deflated one through yauzl. `file` is the archive's path. Bytes
 * that cannot be read (bad deflate data, a size that is not the declared one) are a 400 too.
 */
export async function entryContent(archive: Archive, file: string, path: string) {
  const entry = archive.entries.get(path)!;
  const stored = entry.compressionMethod === 0 && entry.compressedSize === entry.uncompressedSize;
  async function* checked(): AsyncGenerator<Buffer> {
    try {
      yield* stored ? readStored(archive, file, entry) : await openEntry(archive.zip, entry);
    } catch (err) {
      if (err instanceof ApiError)
        throw badRequest(err.message.replace(/^The project archive is refused/, 'The archive is refused'));
      throw refused(`entry '${entry.fileName}' is corrupt (${(err as Error).message}).`);
    }
  }
  return checked();
}

/** Assets written per database transaction. */
const BATCH = 500;

/**
 * Creates the plan's assets in the container with the ids of `idMap`, in the plan's order, a
 * batch at a time: each batch's assets and attachment records (pointing at the blobs the upload
 * stored: no content is copied) are written with a few multi-row statements in one transaction.
 * Ids were made in archive order and time-ordered, and created_at never goes back from one batch
 * to the next, so lists and re-exports keep the archive's order.
 * `step` runs before each batch (lease, cancellation). On a throw, the caller removes what was
 * imported.
 */
export async function importAssets(
  ctx: AppContext,
  store: AssetStore,
  plan: ImportPlan,
  run: {
    container: ContainerRef;
    idMap: Map<string, string>;
    creatorId: string;
    cipher?: TransferCipher;
    blobs: Map<string, { blob_id: string; size: number }>;
  },
  step: (progress: ImportProgress) => Promise<void>,
): Promise<ImportProgress> {
  const assets = plan.assets;
  const progress: ImportProgress = {
    assets: 0,
    attachments: 0,
    total_assets: assets.length,
    total_attachments: assets.reduce((n, a) => n + a.attachments.length, 0),
  };
  let stamp = '';
  for (let i = 0; i < assets.length; i += BATCH) {
    // A batch is a few statements and no I/O of its own (the contents are blobs already): on SQLite,
    // whose calls are synchronous, the loop would hold the event loop from one batch to the next
    // (the upload's answer, and every other request, waiting for the whole import).
    await new Promise((resolve) => setImmediate(resolve));
    await step(progress);
    const batch = assets.slice(i, i + BATCH);
    const now = new Date().toISOString();
    stamp = now > stamp ? now : stamp;
    const createdAt = stamp;
    // Redoable: a stopped import starts over (worker.ts), and its end is an ordinary commit.
    await store.assets.transaction(
      (trx) => writeBatch(ctx, store, trx, batch, { ...run, createdAt, remap: plan.remap }),
      true,
    );
    progress.assets += batch.length;
    progress.attachments += batch.reduce((n, a) => n + a.attachments.length, 0);
  }
  return progress;
}

async function writeBatch(
  ctx: AppContext,
  store: AssetStore,
  trx: Transaction<AssetTables>,
  batch: ManifestAsset[],
  plan: {
    container: ContainerRef;
    idMap: Map<string, string>;
    creatorId: string;
    cipher?: TransferCipher;
    blobs: Map<string, { blob_id: string; size: number }>;
    createdAt: string;
    remap: boolean;
  },
): Promise<void> {
  const assets: NewAsset[] = [];
  const attachments: Parameters<AssetStore['attachments']['createComplete']>[0] = [];
  for (const source of batch) {
    const assetId = plan.idMap.get(source.asset_id);
    if (!assetId) throw new Error(`the archive changed: asset ${source.asset_id} is new`);
    const entity = plan.remap
      ? (remapReferences(source.entity, plan.idMap) as Record<string, unknown>)
      : source.entity;
    const hooks = assetTransferHooksOf(source.asset_type);
    let imported = entity;
    if (hooks) {
      try {
        imported = hooks.importEntity(ctx, entity, plan.cipher);
      } catch (err) {
        throw badRequest(
          `Asset ${source.asset_id} (${source.asset_type}) could not be imported: ${(err as Error).message}`,
        );
      }
    }
    assets.push({
      asset_id: assetId,
      container: plan.container,
      asset_type: source.asset_type,
      name: source.name,
      description: source.description,
      tags: source.tags,
      entity: imported,
      creator_id: plan.creatorId,
    });
    for (const att of source.attachments) {
      const blob = plan.blobs.get(att.path);
      if (!blob) throw new Error(`the content of ${att.path} was not stored by the upload`);
      attachments.push({
        asset_id: assetId,
        asset_type: source.asset_type,
        creator_id: plan.creatorId,
        name: att.name,
        description: att.description,
        mime: att.mime,
        blob_id: blob.blob_id,
        size: blob.size,
      });
    }
  }
  await store.assets.createAssets(assets, trx, plan.createdAt);
  await store.attachments.createComplete(attachments, trx, plan.createdAt);
}

/**
 * Removes imported assets with their tags, attachments and content, 500 ids at a time, in one
 * database transaction (content files after the commit, on SQLite). Blobs in `keep` (the
 * upload's, which the import still owns) stay: a resumed run points new attachments at them.
 */
export async function removeImported(
  store: AssetStore,
  container: ContainerRef,
  ids: string[],
  keep: ReadonlySet<string> = new Set(),
): Promise<void> {
  const blobIds: string[] = [];
  await store.assets.transaction(async (trx) => {
    for (let i = 0; i < ids.length; i += 500) {
      const found = await trx
        .selectFrom('assets')
        .select('asset_id')
        .where('asset_id', 'in', ids.slice(i, i + 500))
        .where('container_kind', '=', container.kind)
        .where('container_id', '=', container.id)
        .execute();
      const slice = found.map((r) => r.asset_id);
      if (!slice.length) continue;
      const atts = await trx
        .selectFrom('asset_attachments')
        .select('blob_id')
        .where('asset_id', 'in', slice)
        .execute();
      const blobs = atts.map((a) => a.blob_id).filter((b): b is string => b !== null && !keep.has(b));
      blobIds.push(...blobs);
      await trx.deleteFrom('asset_attachments').where('asset_id', 'in', slice).execute();
      for (let j = 0; j < blobs.length; j += 500) await store.blobs.removeRows(trx, blobs.slice(j, j + 500));
      await trx.deleteFrom('asset_tags').where('asset_id', 'in', slice).execute();
      await trx.deleteFrom('assets').where('asset_id', 'in', slice).execute();
    }
  });
  await store.blobs.removeContent(blobIds);
}
