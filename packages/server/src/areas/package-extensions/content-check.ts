import type { Readable } from 'node:stream';
import { parse } from 'yaml';
import { badRequest } from '../../platform/errors.ts';
import type { PackageKind } from './catalog.ts';

/** A conda environment file is small text; larger uploads are not one. */
export const MAX_CONDA_BYTES = 1024 * 1024;
/** The end-of-central-directory record of a zip: 22 bytes plus a comment of up to 65535. */
const EOCD_MAX = 22 + 65535;
const LOCAL_HEADER = 0x04034b50;
const EOCD = 0x06054b50;

const refuse = (message: string) =>
  badRequest(message, { code: 'invalid_package_extension', target: { type: 'field', name: 'type' } });

/**
 * Checks that an uploaded package extension file is what its type says, reading it as a stream:
 * a conda YAML environment file that parses to a mapping with a `dependencies` list, or a zip
 * archive (local header first, a consistent end-of-central-directory record, at least one entry).
 */
export async function checkPackageContent(type: PackageKind, content: Readable): Promise<void> {
  if (type === 'conda_yml') return checkConda(content);
  return checkZip(content);
}

async function checkConda(content: Readable): Promise<void> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of content as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CONDA_BYTES) {
      content.destroy();
      throw refuse(`The uploaded file is over ${MAX_CONDA_BYTES} bytes: not a conda environment file.`);
    }
    parts.push(chunk);
  }
  let doc: unknown;
  try {
    doc = parse(Buffer.concat(parts).toString('utf8'), { maxAliasCount: 50 });
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw refuse(`The uploaded file is not valid YAML: ${reason}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw refuse('The uploaded file is not a conda environment file: its top level is not a mapping.');
  }
  const deps = (doc as Record<string, unknown>).dependencies;
  if (!Array.isArray(deps) || deps.length === 0) {
    throw refuse('The uploaded conda environment file has no `dependencies` list.');
  }
}

async function checkZip(content: Readable): Promise<void> {
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  let size = 0;
  for await (const chunk of content as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (head.length < 4) head = Buffer.concat([head, chunk]).subarray(0, 4);
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > EOCD_MAX) tail = tail.subarray(tail.length - EOCD_MAX);
  }
  const notZip = refuse('The uploaded file is not a zip archive, as a pip_zip package extension must be.');
  if (head.length < 4 || head.readUInt32LE(0) !== LOCAL_HEADER) throw notZip;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD) continue;
    const entries = tail.readUInt16LE(i + 10);
    const cdSize = tail.readUInt32LE(i + 12);
    const cdOffset = tail.readUInt32LE(i + 16);
    const commentLength = tail.readUInt16LE(i + 20);
    const eocdAt = size - (tail.length - i);
    if (i + 22 + commentLength !== tail.length) continue;
    // ZIP64 archives mark these fields 0xffff / 0xffffffff; their real values live elsewhere.
    const zip64 = entries === 0xffff || cdOffset === 0xffffffff;
    if (!zip64 && cdOffset + cdSize > eocdAt) throw notZip;
    if (entries === 0) throw refuse('The uploaded zip archive is empty.');
    return;
  }
  throw notZip;
}
