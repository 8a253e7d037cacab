import fs from 'node:fs';
import { badRequest } from '../../platform/errors.ts';
import { payloadTooLarge } from '../../store/blobs.ts';
import type { ManifestAsset } from '../projects/archive-format.ts';

/**
 * Imports with `format=csv`: the uploaded `file` is a CSV of asset metadata, as the platform's
 * catalogs import it (UTF-8, one header row, one asset a row, mandatory `Name` and `Type`). This
 * server reads the headers that map onto its asset store:
 *
 * - `Name`, `Type`, `Description`: once each;
 * - `Tag`: any number of columns, one tag in each (the platform allows several values);
 * - `Asset Property: a>>b>>c`: the entity field at that path, as text.
 *
 * Any other header (terms, classifications, column definitions...) is refused rather than
 * dropped without a word. A CSV carries no attachments and no secrets, and references no asset
 * by id: nothing is remapped.
 */

/** A CSV is read whole (it is metadata only): at most this size. */
export const CSV_MAX_BYTES = 16 * 1024 * 1024;

const refused = (why: string) => badRequest(`The CSV file is refused: ${why}`);

/**
 * Records of RFC 4180 text: fields separated by commas, records by CRLF or LF, a field in double
 * quotes may hold commas, line breaks and doubled quotes. A quote inside an unquoted field, text
 * after a closing quote or an unclosed quote is refused with the line it is on.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  /** The current field was quoted: it exists even when empty, at the end of the text. */
  let quoted = false;
  let line = 1;
  let i = 0;
  const n = text.length;
  const endField = () => {
    record.push(field);
    field = '';
    quoted = false;
  };
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      if (field !== '' || quoted) throw refused(`line ${line}: a quote inside an unquoted field.`);
      const opened = line;
      i++;
      for (;;) {
        if (i >= n) throw refused(`line ${opened}: a quoted field is never closed.`);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (i < n && next !== ',' && next !== '\n' && next !== '\r')
        throw refused(`line ${line}: text after a closing quote.`);
      quoted = true;
      continue;
    }
    if (c === ',') {
      endField();
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endField();
      records.push(record);
      record = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    field += c;
    i++;
  }
  if (field !== '' || quoted || record.length) {
    endField();
    records.push(record);
  }
  return records;
}

type Column =
  { kind: 'name' | 'type' | 'description' | 'tag' } | { kind: 'property'; path: string[]; header: string };

const SINGLE = new Map([
  ['name', 'name'],
  ['type', 'type'],
  ['description', 'description'],
] as const);
const PROPERTY = /^asset property:(.*)$/i;

function columnsOf(header: string[]): Column[] {
  const seen = new Set<string>();
  const columns = header.map((raw, i): Column => {
    const h = raw.trim();
    const lower = h.toLowerCase();
    const single = SINGLE.get(lower as 'name');
    if (single) {
      if (seen.has(single)) throw refused(`header '${h}' appears twice.`);
      seen.add(single);
      return { kind: single };
    }
    if (lower === 'tag') return { kind: 'tag' };
    const m = PROPERTY.exec(h);
    if (m) {
      const path = m[1].split('>>').map((p) => p.trim());
      if (path.some((p) => !p) || path.length > 16)
        throw refused(`header '${h}' must name a path: Asset Property: part>>part.`);
      const key = `property:${path.join('>>')}`;
      if (seen.has(key)) throw refused(`header '${h}' appears twice.`);
      seen.add(key);
      return { kind: 'property', path, header: h };
    }
    throw refused(
      `header ${i + 1} '${h.slice(0, 100)}' is not one this server imports (Name, Type, Description, Tag, Asset Property: a>>b).`,
    );
  });
  for (const mandatory of ['name', 'type'])
    if (!seen.has(mandatory))
      throw refused(`the header row has no '${mandatory === 'name' ? 'Name' : 'Type'}' column.`);
  // One path may not be both a value and an object holding other values.
  const paths = columns.flatMap((c) => (c.kind === 'property' ? [c.path.join('>>')] : []));
  for (const p of paths)
    if (paths.some((q) => q.startsWith(`${p}>>`)))
      throw refused(`header 'Asset Property: ${p}' is a value and holds other properties.`);
  return columns;
}

function setPath(entity: Record<string, unknown>, path: string[], value: string): void {
  let at = entity;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]] = value;
}

/**
 * The assets a CSV file describes, in its order, checked whole: a 400 saying what is wrong and
 * on which line (or a 413 over the size limit) otherwise. `maxRows` bounds the assets of one import.
 */
export function assetsOfCsv(bytes: Buffer, maxRows: number): ManifestAsset[] {
  if (bytes.length > CSV_MAX_BYTES) throw payloadTooLarge(CSV_MAX_BYTES);
  if (bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')))
    throw refused('it is a zip archive; send a zip with format json (or no format).');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw refused('it is not UTF-8 text.');
  }
  if (text.includes('\u0000')) throw refused('it holds a NUL character.');
  const records = parseCsv(text);
  if (!records.length || records[0].every((f) => !f.trim())) throw refused('it has no header row.');
  const columns = columnsOf(records[0]);
  const assets: ManifestAsset[] = [];
  for (let r = 1; r < records.length; r++) {
    const fields = records[r];
    if (fields.length === 1 && fields[0] === '') continue; // a blank line
    const at = `row ${r + 1}`;
    if (fields.length !== columns.length)
      throw refused(`${at} has ${fields.length} fields; the header has ${columns.length}.`);
    if (assets.length >= maxRows) throw refused(`it describes more than ${maxRows} assets.`);
    const asset: ManifestAsset = {
      asset_id: `csv row ${r + 1}`,
      asset_type: '',
      name: '',
      description: '',
      tags: [],
      entity: {},
      attachments: [],
    };
    columns.forEach((col, i) => {
      const value = fields[i];
      if (col.kind === 'name') asset.name = value.trim();
      else if (col.kind === 'type') asset.asset_type = value.trim();
      else if (col.kind === 'description') asset.description = value;
      else if (col.kind === 'tag') {
        if (value.trim() && !asset.tags.includes(value.trim())) asset.tags.push(value.trim());
      } else if (col.kind === 'property' && value !== '') setPath(asset.entity, col.path, value);
    });
    if (!asset.name || asset.name.length > 255) throw refused(`${at}: Name must be 1 to 255 characters.`);
    if (!asset.asset_type || asset.asset_type.length > 128)
      throw refused(`${at}: Type must be 1 to 128 characters.`);
    if (asset.description.length > 10_000)
      throw refused(`${at}: Description is longer than 10,000 characters.`);
    if (asset.tags.length > 200 || asset.tags.some((t) => t.length > 255))
      throw refused(`${at}: up to 200 tags of up to 255 characters.`);
    assets.push(asset);
  }
  if (!assets.length) throw refused('it describes no asset (a header row and no rows).');
  return assets;
}

/** The assets of a CSV file on disk (its size checked before it is read). */
export async function readCsvFile(file: string, maxRows: number): Promise<ManifestAsset[]> {
  const { size } = await fs.promises.stat(file);
  if (size > CSV_MAX_BYTES) throw payloadTooLarge(CSV_MAX_BYTES);
  return assetsOfCsv(await fs.promises.readFile(file), maxRows);
}
