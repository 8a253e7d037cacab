import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely, Transaction } from 'kysely';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { ApiError, forbidden } from '../../platform/errors.ts';
import { fromJson, toJson } from '../../store/db.ts';
import type { ContainerRef } from '../containers/access.ts';
import { newAssetId } from '../assets/model.ts';
import { assetStoreOf, type AssetStore } from '../assets/store.ts';
import type { AssetTables } from '../assets/tables.ts';
import {
  archiveLimits,
  openArchive,
  openEntry,
  remapReferences,
  type Archive,
  type ArchiveLimits,
  type Manifest,
} from './archive-format.ts';
import type { ProjectImportTables } from './archive-tables.ts';
import { ProjectService, type CreateProjectInput } from './service.ts';
import type { ProjectTables } from './tables.ts';
import { LeasedRuns } from '../../workers/leased-runs.ts';

type Db = Kysely<ProjectTables & ProjectImportTables>;
type JobRow = ProjectImportTables['project_imports'];

/** What the status operation shows of an import (the transaction's `detail`). */
interface ImportDetail {
  archive: { size: number };
  assets: { total: number; imported: number };
  attachments: { total: number; imported: number };
  /** Set when the import failed. */
  reason?: string;
}

/** A run stops without touching the transaction: the server is closing, or another took it over. */
class Interrupted extends Error {}

/** Runs an archive may interrupt (a crash in the middle) before its import is given up. */
const MAX_ATTEMPTS = 3;

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
};

/**
 * Creates projects from archives: the upload is checked and the project created at once (202),
 * then the assets and attachments are imported in the background. The work to do is a
 * `project_imports` row holding a lease; a run that stops (restart, crash) is resumed by the next
 * server that finds the lease expired: it removes what the stopped run imported and starts over
 * with the same new asset ids, so a resumed import ends exactly as an uninterrupted one.
 */
export class ArchiveImporter {
  readonly limits: ArchiveLimits;
  private readonly store: AssetStore;
  private readonly projects: ProjectService;
  /** This server process, as a lease owner. */
  private readonly me = crypto.randomUUID();
  private readonly leaseMs = envInt('PROJECT_IMPORT_LEASE_SECONDS', 30) * 1000;
  /** Pause before each asset: lets tests (and demos) catch an import in the middle. */
  private readonly stepDelayMs = envInt('PROJECT_IMPORT_STEP_DELAY_MS', 0);
  private readonly work: LeasedRuns;
  readonly tempDir = path.join(os.tmpdir(), 'cc-project-archives');

  constructor(private readonly ctx: AppContext) {
    this.store = assetStoreOf(ctx);
    this.projects = new ProjectService(ctx);
    this.limits = archiveLimits(this.store.blobs.maxBytes);
    this.work = new LeasedRuns({
      log: ctx.log,
      what: 'project archive import',
      leaseMs: this.leaseMs,
      dialect: ctx.store.dialect,
      claimable: async (ignoreLeases) => {
        let q = this.db.selectFrom('project_imports').select('transaction_id');
        if (!ignoreLeases) q = q.where('lease_until', '<', new Date().toISOString());
        return (await q.execute()).map((r) => r.transaction_id);
      },
      resume: (transactionId, force) => this.run(transactionId, undefined, force),
    });
  }

  private get db(): Db {
    return this.ctx.store.db.withTables<ProjectTables & ProjectImportTables>() as unknown as Db;
  }

  /** A path for an uploaded archive; the caller removes it if it never reaches `accept`. */
  async tempFile(): Promise<string> {
    await fs.promises.mkdir(this.tempDir, { recursive: true });
    return path.join(this.tempDir, `${crypto.randomUUID()}.zip`);
  }

  /**
   * Checks the uploaded archive (400 when it is refused), keeps it in the blob store, creates the
   * project with a running `import` transaction, and starts the import. Nothing stays when it
   * throws. The temp file belongs to the importer from here on.
   */
  async accept(
    principal: Principal,
    file: string,
    form: Partial<CreateProjectInput>,
    verifyUniqueName: boolean,
  ): Promise<{ projectId: string; transactionId: string }> {
    if (principal.kind !== 'user') {
      throw forbidden('Permission Denied: a project token cannot create projects.');
    }
    let blobId: string | undefined;
    try {
      const archive = await openArchive(file, this.limits);
      const { manifest } = archive;
      archive.close();
      const input: CreateProjectInput = {
        ...form,
        name: form.name ?? manifest.project.name ?? '',
        generator: form.generator ?? manifest.project.generator ?? 'project-archive-import',
        description: form.description ?? manifest.project.description,
        type: form.type ?? manifest.project.type,
        tags: form.tags ?? manifest.project.tags,
      };
      const size = (await fs.promises.stat(file)).size;
      const blob = await this.store.blobs.put(fs.createReadStream(file), {
        maxBytes: this.limits.maxArchiveBytes,
      });
      blobId = blob.blob_id;
      const idMap = Object.fromEntries(manifest.assets.map((a) => [a.asset_id, newAssetId()]));
      const detail: ImportDetail = {
        archive: { size },
        assets: { total: manifest.assets.length, imported: 0 },
        attachments: { total: manifest.assets.reduce((n, a) => n + a.attachments.length, 0), imported: 0 },
      };
      const now = new Date().toISOString();
      const ids = await this.projects.create(principal, input, verifyUniqueName, {
        kind: 'import',
        status: 'running',
        detail: detail as unknown as Record<string, unknown>,
        within: async (trx, { projectId, transactionId }) => {
          await (trx as unknown as Db)
            .insertInto('project_imports')
            .values({
              transaction_id: transactionId,
              project_id: projectId,
              archive_blob_id: blob.blob_id,
              id_map: toJson(idMap),
              creator_id: principal.iamId,
              // Held by this server from the start: the run begins right after the commit.
              lease_owner: this.me,
              lease_until: new Date(Date.now() + this.leaseMs).toISOString(),
              attempts: 0,
              created_at: now,
            })
            .execute();
        },
      });
      this.start(ids.transactionId, file);
      return ids;
    } catch (err) {
      if (blobId) await this.store.blobs.delete([blobId]).catch(() => undefined);
      await fs.promises.rm(file, { force: true });
      throw err;
    }
  }

  /** Takes over every import whose lease has expired (all of them at start-up on SQLite). */
  sweep(atStartup = false): Promise<void> {
    return this.work.sweep(atStartup);
  }

  /** Sweeps at start-up, then every lease period (imports of servers that died without a word). */
  startSweeping(): Promise<void> {
    return this.work.startSweeping();
  }

  /** Stops the runs at their next step and gives their leases back, so the next start resumes them. */
  close(): Promise<void> {
    return this.work.close();
  }

  /** Resolves once the running imports of this server end (tests). */
  idle(): Promise<void> {
    return this.work.idle();
  }

  private get closed(): boolean {
    return this.work.closed;
  }

  private warn(err: unknown): void {
    this.work.warn(err);
  }

  private start(transactionId: string, file?: string, force = false): void {
    this.work.start(transactionId, () => this.run(transactionId, file, force));
  }

  /** Takes the lease; undefined when another server holds it or the work is gone. */
  private async claim(transactionId: string, force: boolean): Promise<JobRow | undefined> {
    const now = new Date();
    let q = this.db
      .updateTable('project_imports')
      .set((eb) => ({
        lease_owner: this.me,
        lease_until: new Date(now.getTime() + this.leaseMs).toISOString(),
        attempts: eb('attempts', '+', 1),
      }))
      .where('transaction_id', '=', transactionId);
    if (!force) {
      q = q.where((eb) =>
        eb.or([eb('lease_owner', '=', this.me), eb('lease_until', '<', now.toISOString())]),
      );
    }
    const res = await q.executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    return this.db
      .selectFrom('project_imports')
      .selectAll()
      .where('transaction_id', '=', transactionId)
      .executeTakeFirst();
  }

  /** Extends the lease and records progress; Interrupted when the lease is no longer ours. */
  private async heartbeat(job: JobRow, detail?: ImportDetail): Promise<void> {
    if (this.closed) throw new Interrupted('server closing');
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable('project_imports')
      .set({ lease_until: new Date(Date.now() + this.leaseMs).toISOString() })
      .where('transaction_id', '=', job.transaction_id)
      .where('lease_owner', '=', this.me)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new Interrupted('lease lost');
    if (detail) {
      await this.db
        .updateTable('project_transactions')
        .set({ detail: toJson(detail), updated_at: now })
        .where('id', '=', job.transaction_id)
        .execute();
    }
  }

  private async run(transactionId: string, file: string | undefined, force: boolean): Promise<void> {
    if (this.closed) return;
    const job = await this.claim(transactionId, force);
    if (!job) return;
    const tx = await this.db
      .selectFrom('project_transactions')
      .selectAll()
      .where('id', '=', transactionId)
      .executeTakeFirst();
    if (!tx) return;
    const detail = fromJson<ImportDetail>(tx.detail, {} as ImportDetail);
    const idMap = new Map(Object.entries(fromJson<Record<string, string>>(job.id_map, {})));
    const container: ContainerRef = { kind: 'project', id: job.project_id };
    let archive: Archive | undefined;
    let local = file;
    try {
      if (job.attempts > MAX_ATTEMPTS) {
        throw new ApiError(500, `The import was interrupted ${MAX_ATTEMPTS} times; it is given up.`);
      }
      // A resumed run: whatever a stopped run imported goes first (nothing, on a first run).
      await this.removeAssets(container, [...idMap.values()]);
      if (!local || !fs.existsSync(local)) local = await this.fetchArchive(job.archive_blob_id);
      archive = await openArchive(local, this.limits);
      await this.importAssets(job, archive, archive.manifest, idMap, container, detail);
      archive.close();
      archive = undefined;
      await this.finish(job, 'succeeded', detail);
    } catch (err) {
      archive?.close();
      if (err instanceof Interrupted) {
        if (this.closed) await this.release(job).catch(() => undefined);
        // The work row went with its project (deleted meanwhile): what this run created goes too.
        else if (!(await this.jobExists(job))) await this.removeAssets(container, [...idMap.values()]);
        return;
      }
      const reason = err instanceof ApiError ? err.message : `The import failed: ${(err as Error).message}`;
      // Nothing half-imported stays: the project keeps no asset of a failed import.
      await this.removeAssets(container, [...idMap.values()]);
      await this.finish(job, 'failed', {
        ...detail,
        assets: { ...detail.assets, imported: 0 },
        attachments: { ...detail.attachments, imported: 0 },
        reason,
      });
    } finally {
      if (local) await fs.promises.rm(local, { force: true });
    }
  }

  private async importAssets(
    job: JobRow,
    archive: Archive,
    manifest: Manifest,
    idMap: Map<string, string>,
    container: ContainerRef,
    detail: ImportDetail,
  ): Promise<void> {
    const { assets, attachments, blobs } = this.store;
    detail.assets.imported = 0;
    detail.attachments.imported = 0;
    for (const source of manifest.assets) {
      if (this.stepDelayMs) await new Promise((r) => setTimeout(r, this.stepDelayMs));
      await this.heartbeat(job, detail);
      const assetId = idMap.get(source.asset_id);
      if (!assetId) throw new ApiError(500, `The archive changed: asset ${source.asset_id} is new.`);
      await assets.createAsset({
        asset_id: assetId,
        container,
        asset_type: source.asset_type,
        name: source.name,
        description: source.description,
        tags: source.tags,
        entity: remapReferences(source.entity, idMap),
        creator_id: job.creator_id,
      });
      for (const a of source.attachments) {
        const row = await attachments.createAttachment({
          asset_id: assetId,
          asset_type: source.asset_type,
          creator_id: job.creator_id,
          name: a.name,
          description: a.description,
          mime: a.mime,
        });
        const entry = archive.entries.get(a.path)!;
        const blob = await blobs.put(await openEntry(archive.zip, entry), {
          maxBytes: this.limits.maxEntryBytes,
        });
        await attachments.attachContent(assetId, row.attachment_id, blob, () => undefined);
        await attachments.markComplete(row.attachment_id);
        detail.attachments.imported++;
      }
      detail.assets.imported++;
    }
    await this.heartbeat(job);
  }

  /** Removes assets (with attachments and content) in one database transaction. */
  private async removeAssets(container: ContainerRef, ids: string[]): Promise<void> {
    const { assets } = this.store;
    const done = await assets.transaction(async (trx: Transaction<AssetTables>) => {
      const results = [];
      for (const id of ids) results.push(await assets.deleteAsset(container, id, trx));
      return results;
    });
    for (const r of done) await r.removeContent();
  }

  /** Ends the transaction and drops the work row in one database transaction, then the archive. */
  private async finish(job: JobRow, status: 'succeeded' | 'failed', detail: ImportDetail): Promise<void> {
    const ended = await this.db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('project_imports')
        .where('transaction_id', '=', job.transaction_id)
        .where('lease_owner', '=', this.me)
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) !== 1) return false;
      await trx
        .updateTable('project_transactions')
        .set({ status, detail: toJson(detail), updated_at: new Date().toISOString() })
        .where('id', '=', job.transaction_id)
        .execute();
      return true;
    });
    if (!ended) return;
    await this.store.blobs.delete([job.archive_blob_id]).catch((err) => this.warn(err));
  }

  private async jobExists(job: JobRow): Promise<boolean> {
    const row = await this.db
      .selectFrom('project_imports')
      .select('transaction_id')
      .where('transaction_id', '=', job.transaction_id)
      .executeTakeFirst();
    return Boolean(row);
  }

  /** Gives the lease back, so that the next server to start (or sweep) resumes at once. */
  private async release(job: JobRow): Promise<void> {
    await this.db
      .updateTable('project_imports')
      // A stop on purpose is not the archive's fault: the run does not count as an attempt.
      .set((eb) => ({
        lease_owner: '',
        lease_until: new Date(0).toISOString(),
        attempts: eb('attempts', '-', 1),
      }))
      .where('transaction_id', '=', job.transaction_id)
      .where('lease_owner', '=', this.me)
      .execute();
  }

  /** The kept archive copied back to a local file (yauzl reads a zip by random access). */
  private async fetchArchive(blobId: string): Promise<string> {
    const { stream } = await this.store.blobs.open(blobId);
    const file = await this.tempFile();
    await pipeline(stream, fs.createWriteStream(file, { flags: 'wx' }));
    return file;
  }
}
