import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Kysely, Transaction } from 'kysely';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { toJson } from '../../store/db.ts';
import { requireContainerRole, type ContainerRef } from '../containers/access.ts';
import type { BlobTables } from '../../store/blobs.ts';
import { newAssetId } from '../assets/model.ts';
import { assetStoreOf, type AssetStore } from '../assets/store.ts';
import { decodeStart } from '../spaces/paging.ts';
import type { Selection } from './export-writer.ts';
import { readCsvFile } from './csv-import.ts';
import type { Archive } from '../projects/archive-format.ts';
import {
  derivationOf,
  entryContent,
  importCipher,
  openUpload,
  type ImportPlan,
  type StagedBlob,
} from './import-reader.ts';
import { presentTransfer } from './present.ts';
import { TransferRepository, type TransferKind } from './repository.ts';
import type { AssetTransferTables, TransferRow } from './tables.ts';
import type { TransferWorker } from './worker.ts';

export interface ExportBody {
  name?: string;
  description?: string;
  assets?: Selection;
  encryption_key?: string;
  format?: string;
  module_keys?: string[];
}

export interface ImportForm {
  encryption_key?: string;
  format?: string;
}

type ImportTables = AssetTransferTables & BlobTables;

const LABEL = { export: 'Asset export', import: 'Asset import' } as const;
const MAX_IDS = 1000;

const field = (name: string, message: string) =>
  badRequest(`Invalid request body field '${name}': ${message}`, { parameters: [name] });

/** The `format` of an export or import: json, the only one this server writes and reads. */
function checkFormat(format: string | undefined, name = 'format'): string {
  if (format === undefined || format === 'json') return 'json';
  throw field(name, `'${format}' is not supported; exports are written, and imports read, as json.`);
}

/** An import's `format`: json (an exported archive, the default) or csv (a CSV of asset metadata). */
function checkImportFormat(format: string | undefined): 'json' | 'csv' {
  if (format === undefined || format === 'json' || format === 'csv') return format ?? 'json';
  throw field('format', `'${format}' is not an import format: json (an archive) or csv (a CSV file).`);
}

function checkKey(key: string | undefined, name = 'encryption_key'): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length < 1 || key.length > 1024)
    throw field(name, 'must be 1 to 1024 characters.');
  return key;
}

/**
 * Asset exports and imports of a project, space or catalog: viewers see them and download
 * exports, editors start and cancel them. The work runs in the background (worker.ts).
 */
export class TransferService {
  private readonly repo: TransferRepository;
  private readonly store: AssetStore;
  private readonly db: Kysely<ImportTables>;
  /** Pause before each attachment an upload stores: lets tests stop a server in the middle. */
  private readonly uploadDelayMs = Math.max(0, Number(process.env.ASSET_IMPORT_UPLOAD_DELAY_MS) || 0);

  constructor(
    private readonly ctx: AppContext,
    private readonly worker: TransferWorker,
  ) {
    this.repo = new TransferRepository(ctx.store);
    this.db = ctx.store.db.withTables<ImportTables>() as unknown as Kysely<ImportTables>;
    this.store = assetStoreOf(ctx);
  }

  private async selection(container: ContainerRef, given: Selection | undefined): Promise<Selection> {
    const s = given ?? {};
    if (s.all_assets) return { all_assets: true };
    const types = [...new Set(s.asset_types ?? [])];
    const ids = [...new Set(s.asset_ids ?? [])];
    if (!types.length && !ids.length) {
      throw field('assets', 'say which assets to export: all_assets true, asset_types or asset_ids.');
    }
    if (types.length > 100 || types.some((t) => typeof t !== 'string' || !t || t.length > 128))
      throw field('assets.asset_types', 'must be up to 100 type names of 1 to 128 characters.');
    if (ids.length > MAX_IDS || ids.some((t) => typeof t !== 'string' || !t || t.length > 128))
      throw field('assets.asset_ids', `must be up to ${MAX_IDS} asset ids.`);
    if (ids.length) {
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await this.store.assets.db
          .selectFrom('assets')
          .select('asset_id')
          .where('container_kind', '=', container.kind)
          .where('container_id', '=', container.id)
          .where('asset_id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const r of rows) found.add(r.asset_id);
      }
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) {
        throw badRequest(
          `Invalid request body field 'assets.asset_ids': ${missing.slice(0, 5).join(', ')} ${
            missing.length === 1 ? 'is' : 'are'
          } not an asset of this ${container.kind}.`,
          { parameters: missing.slice(0, 5) },
        );
      }
    }
    return { ...(types.length ? { asset_types: types } : {}), ...(ids.length ? { asset_ids: ids } : {}) };
  }

  private newRow(kind: TransferKind, principal: Principal, container: ContainerRef): TransferRow {
    const now = new Date().toISOString();
    return {
      id: crypto.randomUUID(),
      kind,
      container_kind: container.kind,
      container_id: container.id,
      name: '',
      description: '',
      format: 'json',
      request: '{}',
      key_sealed: null,
      state: 'pending',
      failure: null,
      archive_blob_id: null,
      progress: '{}',
      creator_id: principal.iamId,
      work_done: 0,
      deleted: 0,
      ...this.worker.newLease(),
      attempts: 0,
      created_at: now,
      updated_at: now,
    };
  }

  async startExport(principal: Principal, container: ContainerRef, body: ExportBody) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    const format = checkFormat(body.format);
    const key = checkKey(body.encryption_key);
    const name = body.name?.trim() ?? '';
    if (name.length > 255) throw field('name', 'must be at most 255 characters.');
    const row: TransferRow = {
      ...this.newRow('export', principal, container),
      name,
      description: body.description ?? '',
      format,
      request: toJson({
        assets: await this.selection(container, body.assets),
        ...(body.module_keys ? { module_keys: body.module_keys } : {}),
      }),
      key_sealed: key === undefined ? null : this.ctx.secrets.seal(key),
    };
    await this.repo.insert(row);
    this.worker.start(row.id);
    return presentTransfer(row);
  }

  /**
   * Checks an uploaded archive (400 saying what is wrong), stores each of its attachments as a
   * blob of its own (their CRC-32 checked: a corrupt one is a 400 too) and starts the import. The
   * blobs, the plan of the import (its assets, in order: see `ImportPlan`) and the import's row
   * commit in one transaction (on SQLite the files move into place just after it: see
   * `BlobStore.putWith`), so the archive's bytes reach the blob store once, and a failed request
   * or a stop before the commit leaves nothing. The import owns those blobs until it ends: its
   * assets' attachments take them over, or they go with a failed or cancelled import. The
   * uploaded file is removed whatever happens.
   */
  async startImport(principal: Principal, container: ContainerRef, file: string, form: ImportForm) {
    let archive: Archive | undefined;
    try {
      const format = checkImportFormat(form.format);
      const key = checkKey(form.encryption_key);
      let plan: ImportPlan;
      if (format === 'csv') {
        if (key !== undefined)
          throw field('encryption_key', 'a CSV import holds no secrets: send no encryption_key with it.');
        plan = { assets: await readCsvFile(file, this.worker.limits.maxEntries), remap: false };
      } else {
        archive = await openUpload(file, this.worker.limits);
        const derivation = await derivationOf(archive);
        importCipher(key, derivation);
        plan = { assets: archive.manifest.assets, ...(derivation ? { derivation } : {}), remap: true };
      }
      const opened = archive;
      // Made in source order: time-ordered, so the imported assets list in that order.
      const idMap: Record<string, string> = Object.fromEntries(
        plan.assets.map((a) => [a.asset_id, newAssetId()]),
      );
      const paths = plan.assets.flatMap((a) => a.attachments.map((att) => att.path));
      const archiveBytes = (await fs.promises.stat(file)).size;
      const planBytes = Buffer.from(JSON.stringify(plan));
      const row = await this.store.blobs.putWith<Transaction<ImportTables>, TransferRow>(
        [
          async () => Readable.from([planBytes]),
          ...paths.map((path) => async () => {
            if (this.uploadDelayMs) await new Promise((r) => setTimeout(r, this.uploadDelayMs));
            return entryContent(opened!, file, path);
          }),
        ],
        {},
        (work) => this.db.transaction().execute(work),
        async (trx, [planBlob, ...blobs]) => {
          const staged: StagedBlob[] = paths.map((path, i) => [path, blobs[i].blob_id, blobs[i].size]);
          const row: TransferRow = {
            ...this.newRow('import', principal, container),
            format,
            request: toJson({ id_map: idMap, blobs: staged }),
            key_sealed: key === undefined ? null : this.ctx.secrets.seal(key),
            archive_blob_id: planBlob.blob_id,
            progress: toJson({ archive_bytes: archiveBytes, total_assets: plan.assets.length }),
          };
          await this.repo.insert(row, trx);
          return row;
        },
      );
      this.worker.start(row.id, plan);
      return presentTransfer(row);
    } finally {
      archive?.close();
      await fs.promises.rm(file, { force: true });
    }
  }

  private async find(kind: TransferKind, container: ContainerRef, id: string): Promise<TransferRow> {
    const row = await this.repo.get(kind, container, id);
    if (!row)
      throw notFound(`${LABEL[kind]} ${id} does not exist in this ${container.kind}.`, { parameters: [id] });
    return row;
  }

  async get(kind: TransferKind, principal: Principal, container: ContainerRef, id: string) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    return presentTransfer(await this.find(kind, container, id));
  }

  async list(
    kind: TransferKind,
    principal: Principal,
    container: ContainerRef,
    limit: number,
    start?: string,
  ) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    const token = decodeStart(`asset_${kind}s`, start);
    let after: [string, string] | undefined;
    if (token !== undefined) {
      const cut = token.indexOf('|');
      after = [token.slice(0, cut), token.slice(cut + 1)];
    }
    const rows = await this.repo.list(kind, container, limit, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      nextKey: rows.length > limit && last ? `${last.created_at}|${last.id}` : undefined,
      body: {
        limit,
        total_count: await this.repo.count(kind, container),
        resources: page.map(presentTransfer),
      },
    };
  }

  /**
   * Cancels a pending or running transfer (an import's assets go, all of them); with `hardDelete`
   * the transfer itself goes too (and an export's zip), whatever its state.
   */
  async cancel(
    kind: TransferKind,
    principal: Principal,
    container: ContainerRef,
    id: string,
    hardDelete: boolean,
  ) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    const row = await this.find(kind, container, id);
    if (await this.repo.cancel(id, hardDelete)) return;
    if (!hardDelete) {
      throw badRequest(
        `${LABEL[kind]} ${id} is ${row.state}: there is nothing to cancel (hard_delete=true deletes it).`,
        { parameters: [id] },
      );
    }
    const { removed, blobId } = await this.repo.remove(id);
    if (!removed) await this.repo.hide(id);
    if (blobId) await this.store.blobs.delete([blobId]);
  }

  /** The zip of a completed export, as a stream from the blob store. */
  async content(principal: Principal, container: ContainerRef, id: string) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    const row = await this.find('export', container, id);
    if (row.state !== 'completed' || !row.archive_blob_id) {
      throw badRequest(`Asset export ${id} is ${row.state}: its content exists once it is completed.`, {
        parameters: [id],
      });
    }
    const { info, stream } = await this.store.blobs.open(row.archive_blob_id);
    const filename = (row.name || `export-${row.id}`).replace(/[^A-Za-z0-9._-]+/g, '_');
    return { size: info.size, stream, filename: `${filename}.zip` };
  }
}
