import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ApiError, badRequest } from '../../platform/errors.ts';

/**
 * The project archive our server reads (ARCHIVE.md describes it for writers): a zip with a
 * `manifest.json` and the attachment files it names. This module opens and checks an archive
 * (central directory, names, sizes, manifest) without reading the attachment bytes.
 */

export const ARCHIVE_FORMAT = 'cc-project-archive';
export const ARCHIVE_VERSION = 1;
export const MANIFEST_PATH = 'manifest.json';
export const ATTACHMENTS_DIR = 'attachments/';

export interface ArchiveLimits {
  /** The upload itself (413 over it). */
  maxArchiveBytes: number;
  /** Entries in the zip, directories included. */
  maxEntries: number;
  /** Uncompressed size of any one entry. */
  maxEntryBytes: number;
  /** Uncompressed size of all entries together. */
  maxTotalBytes: number;
}

const MiB = 1024 * 1024;
const MANIFEST_MAX_BYTES = 16 * MiB;

function envInt(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** Limits from the environment (read when the server starts), capped by the blob store's limit. */
export function archiveLimits(blobMax: number): ArchiveLimits {
  return {
    maxArchiveBytes: Math.min(envInt('PROJECT_ARCHIVE_MAX_BYTES', 512 * MiB), blobMax),
    maxEntries: envInt('PROJECT_ARCHIVE_MAX_ENTRIES', 10_000),
    maxEntryBytes: Math.min(envInt('PROJECT_ARCHIVE_MAX_ENTRY_BYTES', 512 * MiB), blobMax),
    maxTotalBytes: envInt('PROJECT_ARCHIVE_MAX_TOTAL_BYTES', 2048 * MiB),
  };
}

export interface ManifestAttachment {
  attachment_id?: string;
  name: string;
  description: string;
  mime: string;
  /** The zip entry holding the content, under `attachments/`. */
  path: string;
}

export interface ManifestAsset {
  /** The id the asset had where it was exported; references to it in `entity` are remapped. */
  asset_id: string;
  asset_type: string;
  name: string;
  description: string;
  tags: string[];
  entity: Record<string, unknown>;
  attachments: ManifestAttachment[];
}

export interface ManifestProject {
  name?: string;
  description?: string;
  generator?: string;
  type?: string;
  tags?: string[];
}

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  version: typeof ARCHIVE_VERSION;
  project: ManifestProject;
  assets: ManifestAsset[];
}

/** An opened, checked archive. Close it when done. */
export interface Archive {
  zip: ZipFile;
  entries: Map<string, Entry>;
  manifest: Manifest;
  close(): void;
}

const refused = (why: string) => badRequest(`The project archive is refused: ${why}`);

// ---------------------------------------------------------------- zip

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      file,
      // strictFileNames: a backslash in a name is refused, not turned into a path separator.
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true },
      (err, zip) => (err || !zip ? reject(err) : resolve(zip)),
    ),
  );
}

/** Names that could land outside a directory or mean something else on another system. */
function unsafeName(name: string): string | undefined {
  if (name.includes('\\') || name.includes('\0')) return 'invalid characters';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split('/').some((seg) => seg === '..')) return 'parent directory reference';
  return undefined;
}

/** Reads the central directory: every entry checked for its name and declared size. */
function readEntries(zip: ZipFile, limits: ArchiveLimits): Promise<Map<string, Entry>> {
  if (zip.entryCount > limits.maxEntries) {
    return Promise.reject(refused(`it has ${zip.entryCount} entries; the limit is ${limits.maxEntries}.`));
  }
  return new Promise((resolve, reject) => {
    const entries = new Map<string, Entry>();
    let total = 0;
    zip.on('entry', (entry: Entry) => {
      const name = entry.fileName;
      const unsafe = unsafeName(name);
      if (unsafe) return reject(refused(`entry '${name}' has an unsafe name (${unsafe}).`));
      if (entries.has(name)) return reject(refused(`entry '${name}' appears twice.`));
      if (entry.isEncrypted()) return reject(refused(`entry '${name}' is encrypted.`));
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        return reject(
          refused(
            `entry '${name}' is ${entry.uncompressedSize} bytes uncompressed; the limit is ${limits.maxEntryBytes}.`,
          ),
        );
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) {
        return reject(refused(`its content is over ${limits.maxTotalBytes} bytes uncompressed.`));
      }
      entries.set(name, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err: Error) => reject(err));
    zip.readEntry();
  });
}

/**
 * The entry's content, checked on the way: the declared size (yauzl) and the CRC-32 (here), so a
 * corrupt archive fails instead of storing wrong bytes.
 */
export async function openEntry(zip: ZipFile, entry: Entry): Promise<AsyncIterable<Buffer>> {
  const raw = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err) : resolve(stream))),
  );
  async function* checked(): AsyncGenerator<Buffer> {
    let crc = 0;
    for await (const chunk of raw) {
      crc = zlib.crc32(chunk as Buffer, crc);
      yield chunk as Buffer;
    }
    if (crc >>> 0 !== entry.crc32 >>> 0)
      throw refused(`entry '${entry.fileName}' is corrupt (CRC-32 mismatch).`);
  }
  return checked();
}

async function readSmallEntry(zip: ZipFile, entry: Entry, max: number): Promise<Buffer> {
  if (entry.uncompressedSize > max) {
    throw refused(`${entry.fileName} is larger than ${max} bytes.`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of await openEntry(zip, entry)) {
    size += (chunk as Buffer).length;
    if (size > max) throw refused(`${entry.fileName} is larger than ${max} bytes.`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts, size);
}

// ---------------------------------------------------------------- manifest

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, field: string, opts: { required?: boolean; max?: number } = {}): string {
  if (v === undefined && !opts.required) return '';
  if (typeof v !== 'string' || (opts.required && !v.trim()) || v.length > (opts.max ?? 10_000)) {
    throw refused(`manifest field ${field} must be a${opts.required ? ' non-empty' : ''} string.`);
  }
  return v;
}

function tagList(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (
    !Array.isArray(v) ||
    v.length > 200 ||
    !v.every((t) => typeof t === 'string' && t.trim() && t.length <= 255)
  ) {
    throw refused(`manifest field ${field} must be an array of up to 200 non-empty strings.`);
  }
  return v as string[];
}

/** The manifest's shape, and every attachment path pointing at a file entry of the zip. */
export function parseManifest(data: unknown, entries: Map<string, Entry>): Manifest {
  if (!isObject(data)) throw refused('manifest.json must hold a JSON object.');
  if (data.format !== ARCHIVE_FORMAT) throw refused(`manifest format must be '${ARCHIVE_FORMAT}'.`);
  if (data.version !== ARCHIVE_VERSION) {
    throw refused(
      `manifest version ${JSON.stringify(data.version)} is not supported (only ${ARCHIVE_VERSION}).`,
    );
  }
  const p = data.project === undefined ? {} : data.project;
  if (!isObject(p)) throw refused('manifest field project must be an object.');
  const project: ManifestProject = {};
  for (const key of ['name', 'description', 'generator', 'type'] as const) {
    if (p[key] !== undefined) project[key] = text(p[key], `project.${key}`);
  }
  if (p.tags !== undefined) project.tags = tagList(p.tags, 'project.tags');

  if (!Array.isArray(data.assets)) throw refused('manifest field assets must be an array.');
  const ids = new Set<string>();
  const paths = new Set<string>();
  const assets = data.assets.map((a: unknown, i: number): ManifestAsset => {
    const at = `assets[${i}]`;
    if (!isObject(a)) throw refused(`manifest field ${at} must be an object.`);
    const assetId = text(a.asset_id, `${at}.asset_id`, { required: true, max: 128 });
    if (ids.has(assetId)) throw refused(`asset_id ${assetId} appears twice in the manifest.`);
    ids.add(assetId);
    if (a.entity !== undefined && !isObject(a.entity))
      throw refused(`manifest field ${at}.entity must be an object.`);
    if (a.attachments !== undefined && !Array.isArray(a.attachments)) {
      throw refused(`manifest field ${at}.attachments must be an array.`);
    }
    const attachments = ((a.attachments ?? []) as unknown[]).map((t, j): ManifestAttachment => {
      const tat = `${at}.attachments[${j}]`;
      if (!isObject(t)) throw refused(`manifest field ${tat} must be an object.`);
      const path = text(t.path, `${tat}.path`, { required: true, max: 1024 });
      if (!path.startsWith(ATTACHMENTS_DIR)) throw refused(`${tat}.path must be under ${ATTACHMENTS_DIR}.`);
      const entry = entries.get(path);
      if (!entry || path.endsWith('/'))
        throw refused(`${tat}.path names ${path}, which is not a file of the archive.`);
      if (paths.has(path)) throw refused(`${path} is the content of two attachments.`);
      paths.add(path);
      return {
        ...(t.attachment_id === undefined
          ? {}
          : { attachment_id: text(t.attachment_id, `${tat}.attachment_id`) }),
        name: text(t.name, `${tat}.name`, { max: 255 }),
        description: text(t.description, `${tat}.description`),
        mime: text(t.mime, `${tat}.mime`, { max: 255 }) || 'application/octet-stream',
        path,
      };
    });
    const name = text(a.name, `${at}.name`, { required: true, max: 255 }).trim();
    return {
      asset_id: assetId,
      asset_type: text(a.asset_type, `${at}.asset_type`, { required: true, max: 128 }),
      name,
      description: text(a.description, `${at}.description`),
      tags: tagList(a.tags, `${at}.tags`),
      entity: (a.entity as Record<string, unknown>) ?? {},
      attachments,
    };
  });
  return { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, project, assets };
}

/**
 * Opens an archive file and checks it whole except for the attachment bytes: a readable central
 * directory, safe names, entry count and sizes within the limits, a valid manifest. Any problem
 * is a 400 (ApiError) saying what is wrong.
 */
export async function openArchive(file: string, limits: ArchiveLimits): Promise<Archive> {
  let zip: ZipFile;
  try {
    zip = await openZip(file);
  } catch (err) {
    throw refused(`it is not a readable zip file (${(err as Error).message}).`);
  }
  try {
    const entries = await readEntries(zip, limits).catch((err: Error) => {
      throw err instanceof ApiError ? err : refused(`its central directory is invalid (${err.message}).`);
    });
    const manifestEntry = entries.get(MANIFEST_PATH);
    if (!manifestEntry) throw refused(`it has no ${MANIFEST_PATH}.`);
    let data: unknown;
    try {
      const bytes = await readSmallEntry(
        zip,
        manifestEntry,
        Math.min(MANIFEST_MAX_BYTES, limits.maxEntryBytes),
      );
      data = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw refused(`${MANIFEST_PATH} could not be read as JSON (${(err as Error).message}).`);
    }
    const manifest = parseManifest(data, entries);
    if (manifest.assets.length > limits.maxEntries) throw refused('the manifest lists too many assets.');
    return { zip, entries, manifest, close: () => zip.close() };
  } catch (err) {
    zip.close();
    throw err;
  }
}

// ---------------------------------------------------------------- references

/**
 * The entity with every string equal to an old asset id replaced by the new id (object keys are
 * kept). References are whole strings only: an id inside a longer string (an href) is not touched.
 */
export function remapReferences(value: unknown, ids: Map<string, string>): any {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => remapReferences(v, ids));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = remapReferences(v, ids);
    return out;
  }
  return value;
}
