import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../../platform/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { fromJson } from '../../store/db.ts';
import type { ContainerKind, ContainerRef } from '../containers/access.ts';
import { archiveLimits, type ArchiveLimits } from '../projects/archive-format.ts';
import { assetStoreOf, type AssetStore } from '../assets/store.ts';
import type { BlobStore } from '../../store/blobs.ts';
import { KeyCipher } from './cipher.ts';
import { writeExport, type Selection } from './export-writer.ts';
import {
  importAssets,
  importCipher,
  removeImported,
  type ImportPlan,
  type StagedBlob,
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

/** An import's row: the new asset ids, and the blobs its upload stored (which it owns until it ends). */
function importOfRow(row: TransferRow) {
  const request = fromJson<{ id_map: Record<string, string>; blobs?: StagedBlob[] }>(row.request, {
    id_map: {},
  });
  const staged = request.blobs ?? [];
  return {
    idMap: new Map(Object.entries(request.id_map)),
    /** Written by a version of the server that kept the archive instead (no `blobs`): it has no plan. */
    planless: request.blobs === undefined,
    staged,
    stagedIds: new Set(staged.map(([, blobId]) => blobId)),
  };
}

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
 * first removes what the stopped run created, with the same new asset ids. An import reads no
 * archive: its upload stored the attachments as blobs and its plan as a blob (service.ts); a run
 * writes asset and attachment rows pointing at those blobs.
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
      resume: (id, force) => this.run(id, force),
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

  /** Runs a transfer; `plan` is a new import's plan, which the request has (not read back). */
  start(id: string, plan?: ImportPlan): void {
    this.work.start(id, () => this.run(id, false, plan));
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

  private async run(id: string, force: boolean, plan?: ImportPlan): Promise<void> {
    if (this.closed) return;
    const job = await this.repo.claim(id, this.me, this.leaseMs, force);
    if (!job) return;
    if (job.state === 'cancelled') return await this.cleanUp(job);
    try {
      if (job.attempts > MAX_ATTEMPTS) {
        throw new ApiError(500, `The ${job.kind} was interrupted ${MAX_ATTEMPTS} times; it is given up.`);
      }
      if (job.kind === 'export') await this.runExport(job);
      else await this.runImport(job, plan);
    } catch (err) {
      if (!(err instanceof Interrupted)) return await this.fail(job, err);
      if (this.closed) return await this.repo.release(id, this.me);
      const now = await this.repo.byId(id);
      if (now?.state === 'cancelled' && now.lease_owner === this.me) await this.cleanUp(now);
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

  private async runImport(job: TransferRow, given?: ImportPlan): Promise<void> {
    const { idMap, staged, stagedIds, planless } = importOfRow(job);
    const container = containerOfRow(job);
    const planId = job.archive_blob_id!;
    if (planless) {
      throw new ApiError(
        500,
        'The import was started by an earlier version of the server, which this one cannot resume; import the archive again.',
      );
    }
    // A resumed run: whatever a stopped run created goes first (nothing, on a first run), except
    // the upload's blobs, which the new attachment rows point at again.
    await removeImported(this.store, container, [...idMap.values()], stagedIds);
    const plan = given ?? (await this.readPlan(planId));
    // Deleted meanwhile (an imported asset deleted while the import ran, then a restart): fail
    // rather than create attachments without content.
    const missing = stagedIds.size - (await this.store.blobs.existing([...stagedIds])).size;
    if (missing) {
      throw new ApiError(
        500,
        `The import cannot be resumed: the content of ${missing} attachment(s) was deleted while it ran.`,
      );
    }
    const key = job.key_sealed ? this.ctx.secrets.open<string>(job.key_sealed) : undefined;
    const progress = await importAssets(
      this.ctx,
      this.store,
      plan,
      {
        container,
        idMap,
        creatorId: job.creator_id,
        cipher: importCipher(key, plan.derivation),
        blobs: new Map(staged.map(([path, blob_id, size]) => [path, { blob_id, size }])),
      },
      this.step(job.id),
    );
    await this.step(job.id)(progress);
    // The attachments own the upload's blobs now; the plan goes with the end of the import.
    const done = await this.repo.finish(
      job.id,
      this.me,
      { state: 'completed', archive_blob_id: null, progress },
      (trx) => this.store.blobs.removeRows(trx, [planId]),
    );
    if (!done) throw new Interrupted('cancelled at the end');
    await this.store.blobs.removeContent([planId]).catch((err) => this.warn(err));
  }

  /** An import's plan, as its upload stored it. */
  private async readPlan(blobId: string): Promise<ImportPlan> {
    const parts: Buffer[] = [];
    for await (const chunk of this.store.blobs.stream(blobId)) parts.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as ImportPlan;
  }

  /**
   * All or nothing: what a failed or cancelled import created goes, and the blobs its upload
   * stored with it (the plan goes with the row's last change, in the caller).
   */
  private async discardImport(job: TransferRow): Promise<void> {
    const { idMap, stagedIds } = importOfRow(job);
    await removeImported(this.store, containerOfRow(job), [...idMap.values()], stagedIds);
    const ids = [...stagedIds];
    for (let i = 0; i < ids.length; i += 500) await this.store.blobs.delete(ids.slice(i, i + 500));
  }

  /** The blob an import's row names (its plan), removed in the transaction that ends the row. */
  private planRemoval(job: TransferRow) {
    const planId = job.kind === 'import' ? job.archive_blob_id : null;
    return {
      also: planId
        ? (trx: Parameters<BlobStore['removeRows']>[0]) => this.store.blobs.removeRows(trx, [planId])
        : undefined,
      after: () => (planId ? this.store.blobs.removeContent([planId]).catch((e) => this.warn(e)) : undefined),
    };
  }

  private async fail(job: TransferRow, err: unknown): Promise<void> {
    const reason = reasonOf(job.kind, err);
    // An import's assets and blobs go first: once the state says failed, nothing of it is left.
    if (job.kind === 'import') await this.discardImport(job);
    const plan = this.planRemoval(job);
    await this.repo.finish(
      job.id,
      this.me,
      { state: 'failed', failure: reason, ...(job.kind === 'import' ? { archive_blob_id: null } : {}) },
      plan.also,
    );
    await plan.after();
  }

  /** A cancelled transfer: an import's created assets and blobs go; then no work is left. */
  private async cleanUp(job: TransferRow): Promise<void> {
    if (job.kind === 'import') await this.discardImport(job);
    else if (job.archive_blob_id) await this.store.blobs.delete([job.archive_blob_id]);
    const plan = this.planRemoval(job);
    await this.repo.settleCancelled(job.id, this.me, plan.also);
    await plan.after();
  }
}
