import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AppContext } from '../../platform/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { fromJson } from '../../store/db.ts';
import type { ContainerKind, ContainerRef } from '../containers/access.ts';
import { archiveLimits, type ArchiveLimits } from '../projects/archive-format.ts';
import { assetStoreOf, type AssetStore } from '../assets/store.ts';
import type { TransferCipher } from '../assets/transfer-hooks.ts';
import { KeyCipher } from './cipher.ts';
import { writeExport, type Selection } from './export-writer.ts';
import { csvSource, readCsvFile } from './csv-import.ts';
import {
  archiveSource,
  type OpenedUpload,
  derivationOf,
  importAssets,
  importCipher,
  openUpload,
  removeImported,
  type ImportSource,
} from './import-reader.ts';
import { TransferRepository } from './repository.ts';
import type { TransferRow } from './tables.ts';
import { LeasedRuns } from '../../workers/leased-runs.ts';

/** A run stops without finishing: the server is closing, the transfer was cancelled, or the lease is gone. */
class Interrupted extends Error {}

/** Runs a transfer may be cut short (a crash in the middle) before it is given up. */
const MAX_ATTEMPTS = 3;

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
};

export const containerOfRow = (row: TransferRow): ContainerRef => ({
  kind: row.container_kind as ContainerKind,
  id: row.container_id,
});

/** Why a transfer failed, for its status: our own refusals as they are, anything else wrapped. */
function reasonOf(kind: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError)
    return message.replace(/^The project archive is refused/, 'The archive is refused');
  return `The ${kind} failed: ${message}`;
}

/**
 * Runs exports and imports in the background. The work is the `asset_transfers` row itself: a
 * lease (`lease_owner`, `lease_until`) says which server runs it; a run renews it before each
 * page or batch. A stopped server's work is taken over once its lease expires (at once at start
 * on SQLite, which one process owns), and starts over: an export writes its zip anew, an import
 * first removes what the stopped run created, with the same new asset ids.
 */
export class TransferWorker {
  readonly limits: ArchiveLimits;
  readonly tempDir = path.join(os.tmpdir(), 'cc-asset-transfers');
  private readonly store: AssetStore;
  private readonly repo: TransferRepository;
  private readonly me = crypto.randomUUID();
  private readonly leaseMs = envInt('ASSET_TRANSFER_LEASE_SECONDS', 30) * 1000;
  /** Pause before each page or batch: lets tests catch a transfer in the middle. */
  private readonly stepDelayMs = envInt('ASSET_TRANSFER_STEP_DELAY_MS', 0);
  private readonly work: LeasedRuns;

  constructor(private readonly ctx: AppContext) {
    this.store = assetStoreOf(ctx);
    this.repo = new TransferRepository(ctx.store);
    this.limits = archiveLimits(this.store.blobs.maxBytes);
    this.work = new LeasedRuns({
      log: ctx.log,
      what: 'asset transfer',
      leaseMs: this.leaseMs,
      dialect: ctx.store.dialect,
      claimable: (ignoreLeases) => this.repo.claimable(ignoreLeases),
      resume: (id, force) => this.run(id, undefined, force),
    });
  }

  /** A path for an uploaded archive; the caller removes it if it never reaches `start`. */
  async tempFile(): Promise<string> {
    await fs.promises.mkdir(this.tempDir, { recursive: true });
    return path.join(this.tempDir, `${crypto.randomUUID()}.zip`);
  }

  /** The lease a new transfer starts with: held by this server, which runs it right away. */
  newLease(): { lease_owner: string; lease_until: string } {
    return { lease_owner: this.me, lease_until: new Date(Date.now() + this.leaseMs).toISOString() };
  }

  /**
   * Runs a transfer; `file` is an import's upload, still on local disk (removed when done), and
   * `opened` the archive the request already opened and checked (closed when done): not read again.
   */
  start(id: string, file?: string, opened?: OpenedUpload): void {
    this.work.start(id, () => this.run(id, file, false, opened));
  }

  /** Takes over every transfer with work left whose lease has expired (every one at start-up on SQLite). */
  sweep(atStartup = false): Promise<void> {
    return this.work.sweep(atStartup);
  }

  startSweeping(): Promise<void> {
    return this.work.startSweeping();
  }

  /** Stops the runs at their next step and gives their leases back, so the next start resumes them. */
  close(): Promise<void> {
    return this.work.close();
  }

  /** Resolves once this server's runs end (tests, benchmarks). */
  idle(): Promise<void> {
    return this.work.idle();
  }

  private get closed(): boolean {
    return this.work.closed;
  }

  private warn(err: unknown): void {
    this.work.warn(err);
  }

  /** Before each page or batch: the lease (Interrupted when it is not ours), then the pause (tests). */
  private step(id: string) {
    return async (progress: unknown) => {
      if (this.closed) throw new Interrupted('server closing');
      if (!(await this.repo.heartbeat(id, this.me, this.leaseMs, progress))) throw new Interrupted('stopped');
      if (this.stepDelayMs) await new Promise((r) => setTimeout(r, this.stepDelayMs));
    };
  }

  private async run(
    id: string,
    file: string | undefined,
    force: boolean,
    opened?: OpenedUpload,
  ): Promise<void> {
    let handed = opened;
    try {
      if (this.closed) return;
      const job = await this.repo.claim(id, this.me, this.leaseMs, force);
      if (!job) return;
      if (job.state === 'cancelled') return await this.cleanUp(job);
      try {
        if (job.attempts > MAX_ATTEMPTS) {
          throw new ApiError(500, `The ${job.kind} was interrupted ${MAX_ATTEMPTS} times; it is given up.`);
        }
        if (job.kind === 'export') await this.runExport(job);
        else {
          handed = undefined; // runImport closes it
          await this.runImport(job, file, opened);
        }
      } catch (err) {
        if (!(err instanceof Interrupted)) return await this.fail(job, err);
        if (this.closed) return await this.repo.release(id, this.me);
        const now = await this.repo.byId(id);
        if (now?.state === 'cancelled' && now.lease_owner === this.me) await this.cleanUp(now);
      }
    } finally {
      handed?.archive.close();
      if (file) await fs.promises.rm(file, { force: true });
    }
  }

  private async runExport(job: TransferRow): Promise<void> {
    const request = fromJson<{ assets: Selection }>(job.request, { assets: {} });
    const keyed = job.key_sealed
      ? KeyCipher.create(this.ctx.secrets.open<string>(job.key_sealed))
      : undefined;
    const { blob, progress } = await writeExport(
      this.ctx,
      this.store,
      {
        id: job.id,
        name: job.name,
        description: job.description,
        container: containerOfRow(job),
        selection: request.assets,
        createdAt: job.created_at,
        cipher: keyed?.cipher,
        derivation: keyed?.derivation,
      },
      this.step(job.id),
    );
    const done = await this.repo.finish(job.id, this.me, {
      state: 'completed',
      archive_blob_id: blob.blob_id,
      progress: { ...progress, bytes: blob.size },
    });
    // Cancelled at the last moment: the zip is nobody's.
    if (!done) await this.store.blobs.delete([blob.blob_id]);
  }

  private async runImport(job: TransferRow, file: string | undefined, opened?: OpenedUpload): Promise<void> {
    const idMap = new Map(
      Object.entries(fromJson<{ id_map: Record<string, string> }>(job.request, { id_map: {} }).id_map),
    );
    const container = containerOfRow(job);
    let copy: string | undefined;
    let archive = opened?.archive;
    try {
      // A resumed run: whatever a stopped run created goes first (nothing, on a first run).
      await removeImported(this.store, container, [...idMap.values()]);
      // The upload itself (gone once adopted), else the kept archive: in place on SQLite, a copy otherwise.
      const local = async () =>
        file && fs.existsSync(file)
          ? file
          : (this.store.blobs.localFile(job.archive_blob_id!) ??
            (copy = await this.fetchArchive(job.archive_blob_id!)));
      let source: ImportSource;
      let cipher: TransferCipher | undefined;
      if (job.format === 'csv') {
        source = csvSource(await readCsvFile(await local(), this.limits.maxEntries));
      } else {
        // A resumed run opens the archive again; a new one has it from the request.
        const path = await local();
        archive ??= await openUpload(path, this.limits);
        const derivation = opened ? opened.derivation : await derivationOf(archive);
        const key = job.key_sealed ? this.ctx.secrets.open<string>(job.key_sealed) : undefined;
        cipher = importCipher(key, derivation);
        source = archiveSource(archive, path);
      }
      const progress = await importAssets(
        this.ctx,
        this.store,
        source,
        { container, idMap, creatorId: job.creator_id, cipher, maxEntryBytes: this.limits.maxEntryBytes },
        this.step(job.id),
      );
      await this.step(job.id)(progress);
      if (
        !(await this.repo.finish(job.id, this.me, { state: 'completed', archive_blob_id: null, progress }))
      ) {
        throw new Interrupted('cancelled at the end');
      }
      await this.store.blobs.delete([job.archive_blob_id!]).catch((err) => this.warn(err));
    } catch (err) {
      // All or nothing: a failed import keeps no asset. (A cancelled one is cleaned up by cleanUp; one
      // whose lease went to another server is that server's to finish.)
      if (!(err instanceof Interrupted)) await removeImported(this.store, container, [...idMap.values()]);
      throw err;
    } finally {
      archive?.close();
      if (copy) await fs.promises.rm(copy, { force: true });
    }
  }

  private async fail(job: TransferRow, err: unknown): Promise<void> {
    const reason = reasonOf(job.kind, err);
    // An import's kept archive goes first: once the state says failed, nothing of it is left.
    if (job.kind === 'import' && job.archive_blob_id) {
      await this.store.blobs.delete([job.archive_blob_id]).catch((e) => this.warn(e));
    }
    await this.repo.finish(job.id, this.me, {
      state: 'failed',
      failure: reason,
      ...(job.kind === 'import' ? { archive_blob_id: null } : {}),
    });
  }

  /** A cancelled transfer: an import's created assets and kept archive go; then no work is left. */
  private async cleanUp(job: TransferRow): Promise<void> {
    if (job.kind === 'import') {
      const ids = Object.values(
        fromJson<{ id_map: Record<string, string> }>(job.request, { id_map: {} }).id_map,
      );
      await removeImported(this.store, containerOfRow(job), ids);
    }
    if (job.archive_blob_id) await this.store.blobs.delete([job.archive_blob_id]);
    await this.repo.settleCancelled(job.id, this.me);
  }

  /** The kept archive copied back to a local file (yauzl reads a zip by random access). */
  private async fetchArchive(blobId: string): Promise<string> {
    const { stream } = await this.store.blobs.open(blobId);
    const file = await this.tempFile();
    await pipeline(stream, fs.createWriteStream(file, { flags: 'wx' }));
    return file;
  }
}
