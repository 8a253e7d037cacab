import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PostgresAdapter, sql, type Kysely, type Migration, type Transaction } from 'kysely';
import { ApiError, notFound } from '../platform/errors.ts';
import { redoableCommit, type Store } from './db.ts';

/**
 * Blob storage: content that is streamed in and out and never held whole in memory (attachments,
 * later connection files and package extensions). Metadata lives in the `blobs` table on both
 * databases; the bytes live in files under `DATA_DIR/blobs/` (SQLite) or in `blob_chunks` rows of
 * ~256 KiB (PostgreSQL), so several server instances on one PostgreSQL see the same blobs.
 */
export type BlobTables = {
  blobs: { blob_id: string; size: number; sha256: string; created_at: string };
  /** PostgreSQL only. */
  blob_chunks: { blob_id: string; seq: number; data: Buffer };
};

export interface BlobInfo {
  blob_id: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
  created_at: string;
}

/** Size and hex SHA-256 of a file, when whoever wrote it counted them on the way. */
export interface KnownContent {
  size: number;
  sha256: string;
}

export interface PutOptions {
  /** A lower limit than the store's for this one upload. */
  maxBytes?: number;
  /** The declared length (Content-Length), refused at once when over the limit. */
  declaredLength?: number;
  /** Written by work that is redone after a crash (imports): see `redoableCommit`. */
  redoable?: boolean;
  /** What the content is, when its writer counted it (a file of ours): it is not hashed again. */
  known?: KnownContent;
}

/** Executor for the blob rows: the store's database or a caller's transaction. */
type Executor = Kysely<BlobTables> | Transaction<BlobTables>;

export const CHUNK_BYTES = 256 * 1024;
/** PostgreSQL chunks read by one query. */
const CHUNKS_PER_QUERY = 4;
/** PostgreSQL chunk bytes written by one statement (several small blobs' chunks share one). */
const STATEMENT_BYTES = CHUNKS_PER_QUERY * CHUNK_BYTES;
/** SQLite files `putWith` writes at once. */
const FILES_AT_ONCE = 4;
/** Default size limit of one blob: 512 MiB, or BLOB_MAX_BYTES from the environment. */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

export const blobMigrations: Record<string, Migration> = {
  '3001_blobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('blobs')
        .addColumn('blob_id', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // bytea is PostgreSQL's; on SQLite the bytes are files, so the chunk table is not created there.
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await db.schema
          .createTable('blob_chunks')
          .addColumn('blob_id', 'text', (c) => c.notNull().references('blobs.blob_id').onDelete('cascade'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('data', 'bytea', (c) => c.notNull())
          .addPrimaryKeyConstraint('blob_chunks_pk', ['blob_id', 'seq'])
          .execute();
      }
    },
  },
};

export const payloadTooLarge = (limit: number) =>
  new ApiError(413, `The content is larger than the limit of ${limit} bytes.`, {
    code: 'payload_too_large',
    parameters: [String(limit)],
  });

/**
 * Counts and hashes the bytes going through, and fails (413) once they pass `limit`. With a
 * `known` hash (the writer of a file of ours counted it) the bytes are only counted.
 */
class Meter {
  size = 0;
  private readonly hash?: crypto.Hash;
  constructor(
    private readonly limit: number,
    private readonly known?: string,
  ) {
    if (!known) this.hash = crypto.createHash('sha256');
  }
  add(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.limit) throw payloadTooLarge(this.limit);
    this.hash?.update(chunk);
  }
  digest(): string {
    return this.known ?? this.hash!.digest('hex');
  }
}

type ChunkRow = BlobTables['blob_chunks'];

/**
 * Sends chunk rows to PostgreSQL about a MiB a statement, and reads on while the last statement
 * runs (one at a time on the transaction's connection), so the source and the database both work.
 */
class ChunkWriter {
  private held: ChunkRow[] = [];
  private bytes = 0;
  private running: Promise<unknown> = Promise.resolve();
  constructor(private readonly trx: Executor) {}

  async add(row: ChunkRow): Promise<void> {
    this.held.push(row);
    this.bytes += row.data.length;
    if (this.bytes >= STATEMENT_BYTES) await this.flush();
  }

  /** Waits for the statement running, then starts one with the rows held. */
  async flush(): Promise<void> {
    await this.running;
    if (!this.held.length) return;
    const rows = this.held;
    this.held = [];
    this.bytes = 0;
    this.running = this.trx.insertInto('blob_chunks').values(rows).execute();
    // Its failure is seen by the next flush or by done(); until then it must not count as unhandled.
    this.running.catch(() => undefined);
  }

  async done(): Promise<void> {
    await this.flush();
    await this.running;
  }
}

/**
 * The source's bytes, metered. A Readable source is not destroyed when this stops early (limit
 * passed, storage failed): the caller decides, e.g. drains a request to still answer it.
 */
async function* metered(source: Readable | AsyncIterable<Uint8Array>, meter: Meter): AsyncGenerator<Buffer> {
  const it = source instanceof Readable ? source.iterator({ destroyOnReturn: false }) : source;
  for await (const piece of it) {
    const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
    meter.add(buf);
    yield buf;
  }
}

/** Groups a byte stream into buffers of exactly `size` bytes (the last one shorter). */
async function* rechunk(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of source) {
    let buf = piece;
    while (buf.length > 0) {
      const take = Math.min(size - held, buf.length);
      parts.push(buf.subarray(0, take));
      held += take;
      buf = buf.subarray(take);
      if (held === size) {
        yield Buffer.concat(parts, held);
        parts = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

export class BlobStore {
  private readonly db: Kysely<BlobTables>;
  private readonly root: string;
  private readonly made = new Set<string>();

  constructor(
    private readonly store: Store,
    dataDir: string,
    readonly maxBytes: number = DEFAULT_MAX_BYTES,
  ) {
    this.db = store.db.withTables<BlobTables>() as unknown as Kysely<BlobTables>;
    this.root = path.join(dataDir, 'blobs');
  }

  /**
   * Stores a stream and returns its metadata. Over the limit (declared or counted) it fails with a
   * 413 and leaves nothing behind. SQLite: a temp file renamed into place once complete;
   * PostgreSQL: chunk rows written in one transaction.
   */
  async put(source: Readable | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<BlobInfo> {
    const limit = Math.min(options.maxBytes ?? this.maxBytes, this.maxBytes);
    if (options.declaredLength !== undefined && options.declaredLength > limit) throw payloadTooLarge(limit);
    if (this.store.dialect === 'postgres') {
      return this.db.transaction().execute(async (trx) => {
        if (options.redoable) await redoableCommit(trx, 'postgres');
        return (await this.writeChunks(trx, [async () => source], limit, options.known))[0];
      });
    }
    const info = await this.writeFile(source, limit);
    try {
      await this.db.insertInto('blobs').values(info).execute();
      return info;
    } catch (err) {
      await this.removeContent([info.blob_id]);
      throw err;
    }
  }

  /**
   * Stores several contents and runs `write` with their metadata in one transaction with their
   * rows: the caller's rows and the blobs commit together or not at all (imports: the upload's
   * attachments and the import's record). `transaction` opens the caller's transaction.
   * PostgreSQL: the contents are read one after the other into that transaction, several small
   * blobs a statement. SQLite: the files are written before it, a few at a time (its one
   * connection is not held meanwhile), into `tmp/` (`<id>.part`); they move into place once the
   * transaction has committed, and are removed when anything fails. A process stopped between
   * the commit and the moves leaves files whose rows exist: `sweepTemp` moves them at the next
   * start, and removes those without a row (no orphan survives a restart).
   */
  async putWith<Trx extends Executor, T>(
    sources: (() => Promise<AsyncIterable<Uint8Array>>)[],
    options: { maxBytes?: number },
    transaction: (work: (trx: Trx) => Promise<T>) => Promise<T>,
    write: (trx: Trx, blobs: BlobInfo[]) => Promise<T>,
  ): Promise<T> {
    const limit = Math.min(options.maxBytes ?? this.maxBytes, this.maxBytes);
    if (this.store.dialect === 'postgres') {
      return transaction(async (trx) => write(trx, await this.writeChunks(trx, sources, limit)));
    }
    // Files are written a few at a time: the disk works on one while the next is read and hashed.
    const infos: BlobInfo[] = [];
    let next = 0;
    // Once one content fails (a corrupt entry), the other lanes take no new one.
    let stop = false;
    const lane = async () => {
      while (!stop && next < sources.length) {
        const i = next++;
        try {
          infos[i] = await this.writeFile(await sources[i](), limit, true);
        } catch (err) {
          stop = true;
          throw err;
        }
      }
    };
    let result: T;
    try {
      const lanes = await Promise.allSettled(Array.from({ length: FILES_AT_ONCE }, lane));
      const failed = lanes.find((l) => l.status === 'rejected');
      if (failed) throw failed.reason;
      result = await transaction(async (trx) => {
        for (let i = 0; i < infos.length; i += 1000)
          await trx
            .insertInto('blobs')
            .values(infos.slice(i, i + 1000))
            .execute();
        return write(trx, infos);
      });
    } catch (err) {
      await Promise.all(
        infos.filter(Boolean).map((i) => fs.promises.rm(this.stagedFile(i.blob_id), { force: true })),
      );
      throw err;
    }
    await this.promote(infos.map((i) => i.blob_id));
    return result;
  }

  /**
   * PostgreSQL: blob rows and their chunks in the caller's transaction. The rows go first (the
   * chunks reference them) and get their size and hash once every content has been read.
   */
  private async writeChunks(
    trx: Executor,
    sources: (() => Promise<Readable | AsyncIterable<Uint8Array>>)[],
    limit: number,
    known?: KnownContent,
  ): Promise<BlobInfo[]> {
    const createdAt = new Date().toISOString();
    const infos: BlobInfo[] = sources.map(() => ({
      blob_id: crypto.randomUUID(),
      size: 0,
      sha256: '',
      created_at: createdAt,
    }));
    // A thousand rows a statement: under PostgreSQL's 65,535 parameters whatever the count.
    for (let i = 0; i < infos.length; i += 1000)
      await trx
        .insertInto('blobs')
        .values(infos.slice(i, i + 1000))
        .execute();
    const chunks = new ChunkWriter(trx);
    for (const [i, source] of sources.entries()) {
      const meter = new Meter(limit, known?.sha256);
      let seq = 0;
      for await (const data of rechunk(metered(await source(), meter), CHUNK_BYTES))
        await chunks.add({ blob_id: infos[i].blob_id, seq: seq++, data });
      infos[i].size = meter.size;
      infos[i].sha256 = meter.digest();
    }
    await chunks.done();
    for (let i = 0; i < infos.length; i += 1000) {
      const values = sql.join(
        infos.slice(i, i + 1000).map((b) => sql`(${b.blob_id}, ${b.size}::bigint, ${b.sha256})`),
      );
      await sql`update blobs set size = v.size, sha256 = v.sha256
        from (values ${values}) as v (blob_id, size, sha256)
        where blobs.blob_id = v.blob_id`.execute(trx);
    }
    return infos;
  }

  /**
   * SQLite: the content in its file, through a temp file renamed once complete; no row yet.
   * `staged`: the complete file stays in `tmp/` for `promote` to move once its row is committed.
   */
  private async writeFile(
    source: Readable | AsyncIterable<Uint8Array>,
    limit: number,
    staged = false,
  ): Promise<BlobInfo> {
    const blobId = crypto.randomUUID();
    const meter = new Meter(limit);
    const createdAt = new Date().toISOString();
    const tmpDir = path.join(this.root, 'tmp');
    await this.mkdir(tmpDir);
    const tmp = this.stagedFile(blobId);
    try {
      await pipeline(Readable.from(metered(source, meter)), fs.createWriteStream(tmp, { flags: 'wx' }));
      if (staged) return { blob_id: blobId, size: meter.size, sha256: meter.digest(), created_at: createdAt };
      const final = this.fileOf(blobId);
      await this.mkdir(path.dirname(final));
      await fs.promises.rename(tmp, final);
      return { blob_id: blobId, size: meter.size, sha256: meter.digest(), created_at: createdAt };
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  /** SQLite: the staged files of committed blobs moved into place. */
  private async promote(blobIds: string[]): Promise<void> {
    for (const id of blobIds) {
      const final = this.fileOf(id);
      await this.mkdir(path.dirname(final));
      await fs.promises.rename(this.stagedFile(id), final);
    }
  }

  /** The ones of these blobs that exist (have a row). */
  async existing(blobIds: string[], db: Executor = this.db): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < blobIds.length; i += 500) {
      const rows = await db
        .selectFrom('blobs')
        .select('blob_id')
        .where('blob_id', 'in', blobIds.slice(i, i + 500))
        .execute();
      for (const r of rows) found.add(r.blob_id);
    }
    return found;
  }

  async stat(blobId: string, db: Executor = this.db): Promise<BlobInfo | undefined> {
    return db.selectFrom('blobs').selectAll().where('blob_id', '=', blobId).executeTakeFirst();
  }

  /** A stream of the content; 404 when the blob does not exist. */
  async open(blobId: string): Promise<{ info: BlobInfo; stream: Readable }> {
    const info = await this.stat(blobId);
    if (!info) throw notFound(`Blob ${blobId} does not exist.`, { parameters: [blobId] });
    return { info, stream: this.stream(blobId) };
  }

  /**
   * The content of a blob the caller knows exists (no metadata query first: exports read
   * thousands). A missing blob fails the stream. PostgreSQL: four chunks (1 MiB) a query, so
   * memory stays bounded whatever the blob's size; the first query runs once the stream is read.
   */
  stream(blobId: string): Readable {
    if (this.store.dialect !== 'postgres') return fs.createReadStream(this.fileOf(blobId));
    const db = this.db;
    async function* chunks() {
      for (let seq = 0; ; seq += CHUNKS_PER_QUERY) {
        const rows = await db
          .selectFrom('blob_chunks')
          .select(['seq', 'data'])
          .where('blob_id', '=', blobId)
          .where('seq', '>=', seq)
          .where('seq', '<', seq + CHUNKS_PER_QUERY)
          .orderBy('seq')
          .execute();
        if (
          seq === 0 &&
          !rows.length &&
          !(await db.selectFrom('blobs').select('blob_id').where('blob_id', '=', blobId).executeTakeFirst())
        )
          throw notFound(`Blob ${blobId} does not exist.`, { parameters: [blobId] });
        for (const row of rows) yield row.data;
        if (rows.length < CHUNKS_PER_QUERY) return;
      }
    }
    return Readable.from(chunks(), { highWaterMark: 1 });
  }

  /**
   * Removes the rows of some blobs inside the caller's transaction (on PostgreSQL that is the
   * content too). On SQLite the files stay until `removeContent` runs after the commit, so a rolled
   * back transaction never loses content.
   */
  async removeRows(db: Executor, blobIds: string[]): Promise<void> {
    if (!blobIds.length) return;
    await db.deleteFrom('blobs').where('blob_id', 'in', blobIds).execute();
  }

  /** Deletes the files of removed blobs (SQLite); nothing to do on PostgreSQL. */
  async removeContent(blobIds: string[]): Promise<void> {
    if (this.store.dialect === 'postgres') return;
    await Promise.all(blobIds.map((id) => fs.promises.rm(this.fileOf(id), { force: true })));
  }

  /** Both steps in one go, for callers without a transaction of their own. */
  async delete(blobIds: string[]): Promise<void> {
    await this.db.transaction().execute((trx) => this.removeRows(trx, blobIds));
    await this.removeContent(blobIds);
  }

  /**
   * At start-up (SQLite; one process owns a SQLite data dir): files left in `tmp/` by a stopped
   * process. Those whose row was committed (`putWith` stopped before moving them) move into place;
   * the others (unfinished uploads, or staged contents whose transaction never committed) go. On
   * PostgreSQL an unfinished upload was a transaction that rolled back.
   */
  async sweepTemp(): Promise<void> {
    if (this.store.dialect === 'postgres') return;
    const tmpDir = path.join(this.root, 'tmp');
    let names: string[] = [];
    try {
      names = await fs.promises.readdir(tmpDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const ids = names.flatMap((n) => /^([0-9a-f-]{36})\.part$/.exec(n)?.[1] ?? []);
    await this.promote([...(await this.existing(ids))]);
    await fs.promises.rm(tmpDir, { recursive: true, force: true });
    this.made.clear();
  }

  /** mkdir -p, once per directory and process (a blob write costs no directory calls after the first). */
  private async mkdir(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await fs.promises.mkdir(dir, { recursive: true });
    this.made.add(dir);
  }

  private stagedFile(blobId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(blobId)) throw new Error(`not a blob id: ${blobId}`);
    return path.join(this.root, 'tmp', `${blobId}.part`);
  }

  private fileOf(blobId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(blobId)) throw new Error(`not a blob id: ${blobId}`);
    return path.join(this.root, blobId.slice(0, 2), blobId);
  }
}

const stores = new WeakMap<Store, BlobStore>();

function envLimit(): number {
  const n = Number(process.env.BLOB_MAX_BYTES);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_BYTES;
}

/** The one blob store of a server (per database), shared by every area that keeps content. */
export function blobStoreOf(ctx: { store: Store; config: { dataDir: string } }): BlobStore {
  let blobs = stores.get(ctx.store);
  if (!blobs) {
    blobs = new BlobStore(ctx.store, ctx.config.dataDir, envLimit());
    stores.set(ctx.store, blobs);
  }
  return blobs;
}
