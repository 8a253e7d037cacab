import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Principal } from '../../platform/auth/principal.ts';
import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import type { BlobStore } from '../../store/blobs.ts';
import type { Store } from '../../store/db.ts';
import type { AssetRepository } from '../assets/repository.ts';
import type { ContainerKind } from '../containers/access.ts';
import type { ConnectionRepository } from './repository.ts';
import type { ConnectionService } from './service.ts';
import type { ConnectionTables } from './tables.ts';

type FileRow = ConnectionTables['connection_files'];

/** Largest connection file: 100 MiB, or CONNECTION_FILE_MAX_BYTES. */
export const FILE_MAX_BYTES =
  Number(process.env.CONNECTION_FILE_MAX_BYTES) > 0
    ? Number(process.env.CONNECTION_FILE_MAX_BYTES)
    : 100 * 1024 * 1024;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const FILES_PREFIX = '/v2/connections/files/';

const CONTENT_TYPES: Record<string, string> = {
  jar: 'application/java-archive',
  zip: 'application/zip',
  json: 'application/json',
  csv: 'text/csv',
  txt: 'text/plain',
  pem: 'application/x-pem-file',
  crt: 'application/x-x509-ca-cert',
  cer: 'application/x-x509-ca-cert',
  der: 'application/x-x509-ca-cert',
  p12: 'application/x-pkcs12',
  jks: 'application/octet-stream',
  xml: 'application/xml',
};

export const contentTypeOf = (fileName: string) =>
  CONTENT_TYPES[fileName.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

const checkName = (name: string) => {
  if (!NAME.test(name))
    throw badRequest(
      `Invalid file name '${name.slice(0, 100)}': 1 to 255 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
      { target: { type: 'parameter', name: 'file_name' } },
    );
  return name;
};

const fileNotFound = (name: string) =>
  notFound(`The file '${name.slice(0, 255)}' cannot be found.`, { code: 'not_found' });

const present = (f: FileRow) => {
  const url = `${FILES_PREFIX}${f.file_name}?hash=${f.hash}`;
  return {
    fileName: f.file_name,
    url,
    hash: f.hash,
    digest: f.sha256,
    createdAt: f.created_at,
    size: Number(f.size),
  };
};

/**
 * Files for connections (JDBC drivers, certificates, key stores), shared by every user of the
 * server. The bytes stream into the blob store (files on SQLite, chunk rows on PostgreSQL, so
 * every instance on one database serves them); each upload gets a `hash`, an unguessable handle
 * that names that version of the file.
 */
export class ConnectionFileService {
  private readonly db: Kysely<ConnectionTables>;

  constructor(
    store: Store,
    private readonly blobs: BlobStore,
    private readonly assets: AssetRepository,
    private readonly repo: ConnectionRepository,
    private readonly connections: ConnectionService,
  ) {
    this.db = store.db.withTables<ConnectionTables>() as unknown as Kysely<ConnectionTables>;
  }

  async upload(principal: Principal, fileName: string, body: Readable, declaredLength?: number) {
    checkName(fileName);
    const blob = await this.blobs.put(body, { maxBytes: FILE_MAX_BYTES, declaredLength });
    const row: FileRow = {
      hash: crypto.randomBytes(32).toString('base64url'),
      file_name: fileName,
      blob_id: blob.blob_id,
      size: blob.size,
      sha256: blob.sha256,
      content_type: contentTypeOf(fileName),
      creator_id: principal.iamId,
      created_at: blob.created_at,
    };
    try {
      await this.db.insertInto('connection_files').values(row).execute();
    } catch (err) {
      await this.blobs.delete([blob.blob_id]);
      throw err;
    }
    return present(row);
  }

  async download(fileName: string, hash: string | undefined) {
    const row = await this.find(fileName, hash);
    const { stream } = await this.blobs.open(row.blob_id);
    return { row, stream };
  }

  async list(q: { limit?: number; offset?: number }) {
    const limit = Math.min(q.limit ?? 100, 1000);
    const offset = q.offset ?? 0;
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom('connection_files')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('hash')
        .limit(limit)
        .offset(offset)
        .execute(),
      this.db
        .selectFrom('connection_files')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { resources: rows.map(present), offset, total_count: Number(count.n) };
  }

  /** Deletes one version (by hash) or every version of the name; only their uploader or an administrator. */
  async delete(principal: Principal, fileName: string, hash: string | undefined) {
    checkName(fileName);
    let q = this.db.selectFrom('connection_files').selectAll().where('file_name', '=', fileName);
    if (hash !== undefined) q = q.where('hash', '=', hash);
    const rows = await q.execute();
    if (!rows.length) throw fileNotFound(fileName);
    if (!principal.isAdmin && rows.some((r) => r.creator_id !== principal.iamId))
      throw forbidden(`Only the user who uploaded '${fileName}' (or an administrator) may delete it.`);
    const blobIds = rows.map((r) => r.blob_id);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('connection_files')
        .where(
          'hash',
          'in',
          rows.map((r) => r.hash),
        )
        .execute();
      await this.blobs.removeRows(trx as any, blobIds);
    });
    await this.blobs.removeContent(blobIds);
  }

  /**
   * Points connections that name a file by its old location (`/v2/connections/files/<name>`
   * without a hash) at the newest upload of that name. `list_only` reports without changing.
   * Spans every container, so only administrators run it.
   */
  async migrate(
    principal: Principal,
    q: { list_only?: boolean; catalogs?: boolean; projects?: boolean; spaces?: boolean },
  ) {
    if (!principal.isAdmin) throw forbidden('Only an administrator may migrate connection files.');
    const picked = (['catalogs', 'projects', 'spaces'] as const).filter((k) => q[k]);
    const kinds: ContainerKind[] = (
      picked.length ? picked : (['catalogs', 'projects', 'spaces'] as const)
    ).map((k) => k.slice(0, -1) as ContainerKind);
    const candidates = (await this.repo.withPropertyPrefix(FILES_PREFIX, kinds)).filter(
      (r) => !r.value.includes('?hash=') && NAME.test(r.value.slice(FILES_PREFIX.length)),
    );
    const resources = [];
    for (const c of candidates) {
      const name = c.value.slice(FILES_PREFIX.length);
      const file = await this.latest(name);
      if (!file) continue;
      const to = present(file).url;
      resources.push({
        connection_id: c.asset_id,
        [`${c.container_kind}_id`]: c.container_id,
        property: c.name,
        from: c.value,
        to,
        migrated: !q.list_only,
      });
      if (q.list_only) continue;
      const container = { kind: c.container_kind as ContainerKind, id: c.container_id };
      await this.assets.transaction(async (trx) => {
        const asset = await this.assets.getAsset(container, c.asset_id, trx);
        if (!asset) return;
        const props = { ...((asset.entity.properties as Record<string, string>) ?? {}), [c.name]: to };
        // the list entry follows through the asset store's write hook
        await this.assets.updateAsset(
          container,
          c.asset_id,
          { updater_id: principal.iamId, entity: { ...asset.entity, properties: props } },
          trx,
        );
      });
    }
    return { resources, total_count: resources.length };
  }

  private async latest(fileName: string) {
    return this.db
      .selectFrom('connection_files')
      .selectAll()
      .where('file_name', '=', fileName)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  private async find(fileName: string, hash: string | undefined): Promise<FileRow> {
    checkName(fileName);
    if (hash === undefined) {
      const row = await this.latest(fileName);
      if (!row) throw fileNotFound(fileName);
      return row;
    }
    const row = await this.db
      .selectFrom('connection_files')
      .selectAll()
      .where('hash', '=', hash)
      .where('file_name', '=', fileName)
      .executeTakeFirst();
    if (!row) throw fileNotFound(fileName);
    return row;
  }
}
