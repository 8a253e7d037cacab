import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAssetTransferHooks } from '../../packages/server/src/areas/assets/transfer-hooks.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createWorld, expectPlatformError, type Container, type World } from '../assets/helpers.ts';
import { addMembers, newProject } from '../projects/projects-fixtures.ts';
import { countRows, settled, storedAssets, zipOf } from './helpers.ts';

// A type whose import refuses one entity value: a CSV import that fails after its first batch.
const FUSSY = 'csv_test_fussy';
registerAssetTransferHooks(FUSSY, {
  exportEntity: (_ctx, entity) => entity,
  importEntity: (_ctx, entity) => {
    if (entity.mood === 'refuse') throw new Error('this entity is refused');
    return entity;
  },
});

let s: TestServer;
let w: World;
beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => {
  await s?.close();
});

const freshProject = async (): Promise<Container> => {
  const id = await newProject(s, w.admin.token);
  await addMembers(s, w.admin.token, id, [{ user: w.editor, role: 'editor' }]);
  return { kind: 'project', id, q: `project_id=${id}` };
};

/** RFC 4180 text of some records: every field quoted, quotes doubled. */
const csvOf = (records: string[][], eol = '\r\n') =>
  records.map((r) => r.map((f) => `"${f.replaceAll('"', '""')}"`).join(',')).join(eol) + eol;

/** POSTs a CSV file as the form's `file`, with format=csv unless the form says otherwise. */
async function postCsv(c: Container, csv: string | Buffer, form: Record<string, string> = { format: 'csv' }) {
  const body = new FormData();
  for (const [k, v] of Object.entries(form)) body.append(k, v);
  body.append('file', new Blob([csv], { type: 'text/csv' }), 'assets.csv');
  const res = await fetch(`${s.url}/v2/asset_imports?${c.q}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.editor.token}`, accept: 'application/json' },
    body,
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed, text };
}

async function importCsv(c: Container, csv: string | Buffer) {
  const res = await postCsv(c, csv);
  expect(res.status, res.text).toBe(200);
  expect(res.body.entity).toMatchObject({ format: 'csv', status: { state: 'pending' } });
  return settled(s, `/v2/asset_imports/${res.body.metadata.id}?${c.q}`, w.editor.token);
}

describe('csv imports', () => {
  it('creates an asset a row, in the file order: name, type, description, tags and entity properties', async () => {
    const c = await freshProject();
    const csv =
      '\uFEFFName,Type,Description,Tag,Tag,Asset Property: data_asset>>mime_type,Asset Property: data_asset>>dataset\r\n' +
      'sales.csv,data_asset,"Figures, by region",finance,Q3,text/csv,\r\n' +
      '"run ""nightly"".py",script,"two\nlines",,ops,,\n' +
      '\r\n' +
      'notes,data_asset,,,,text/plain,true';
    const done = await importCsv(c, csv);
    expect(done.entity.status).toMatchObject({
      state: 'completed',
      progress: { assets: 3, attachments: 0 },
    });
    const rows = await storedAssets(s, c);
    expect(
      rows.map((r: any) => ({
        name: r.name,
        type: r.asset_type,
        description: r.description,
        tags: JSON.parse(r.tags),
        entity: JSON.parse(r.entity),
        creator: r.creator_id,
      })),
    ).toEqual([
      {
        name: 'sales.csv',
        type: 'data_asset',
        description: 'Figures, by region',
        tags: ['finance', 'Q3'],
        entity: { data_asset: { mime_type: 'text/csv' } },
        creator: w.editor.iam_id,
      },
      {
        name: 'run "nightly".py',
        type: 'script',
        description: 'two\nlines',
        tags: ['ops'],
        entity: {},
        creator: w.editor.iam_id,
      },
      {
        name: 'notes',
        type: 'data_asset',
        description: '',
        tags: [],
        entity: { data_asset: { mime_type: 'text/plain', dataset: 'true' } },
        creator: w.editor.iam_id,
      },
    ]);
    // served by the asset API like any other asset
    const got = await s.call('GET', `/v2/assets/${rows[0].asset_id}?${c.q}`, { token: w.editor.token });
    expect(got.status, got.text).toBe(200);
    expect(got.body.metadata).toMatchObject({ name: 'sales.csv', tags: ['finance', 'Q3'] });
  });

  it('never takes CSV text for a reference to remap', async () => {
    const c = await freshProject();
    // "csv row 3" is the name the server gives the third line internally; it stays text
    await importCsv(c, 'Name,Type,Asset Property: ref\na,script,csv row 3\nb,script,x\n');
    const rows = await storedAssets(s, c);
    expect(JSON.parse(rows[0].entity)).toEqual({ ref: 'csv row 3' });
  });

  const refusals: [string, string | Buffer, RegExp][] = [
    ['an empty file', '', /no header row/],
    ['no Type column', 'Name,Description\na,b\n', /no 'Type' column/],
    ['no Name column', 'Type\nscript\n', /no 'Name' column/],
    ['an unsupported header', 'Name,Type,Term\na,script,x\n', /header 3 'Term' is not one/],
    ['a header given twice', 'Name,Type,Name\na,script,b\n', /'Name' appears twice/],
    ['a header row alone', 'Name,Type\n', /describes no asset/],
    ['a row with too many fields', 'Name,Type\na,script,extra\n', /row 2 has 3 fields; the header has 2/],
    ['a row with too few fields', 'Name,Type\na,script\nb\n', /row 3 has 1 fields/],
    ['an empty name', 'Name,Type\n" ",script\n', /row 2: Name must be/],
    ['an empty type', 'Name,Type\na,\n', /row 2: Type must be/],
    ['an unclosed quote', 'Name,Type\n"a,script\n', /line 2: a quoted field is never closed/],
    ['a quote inside a field', 'Name,Type\na"b,script\n', /line 2: a quote inside an unquoted field/],
    ['text after a closing quote', 'Name,Type\n"a"b,script\n', /line 2: text after a closing quote/],
    ['a property that is also a parent', 'Name,Type,Asset Property: a,Asset Property: a>>b\n', /holds other/],
    ['an empty property path', 'Name,Type,Asset Property: a>>\nx,script,1\n', /must name a path/],
    ['bytes that are not UTF-8', Buffer.from([0x4e, 0x61, 0x6d, 0x65, 0xff, 0xfe, 0x0a]), /not UTF-8/],
  ];
  for (const [label, csv, message] of refusals) {
    it(`refuses ${label} with a 400 and creates nothing`, async () => {
      const c = await freshProject();
      const transfers = await countRows(s, 'asset_transfers');
      const blobs = await countRows(s, 'blobs');
      const res = await postCsv(c, csv);
      expectPlatformError(res, 400);
      expect(res.body.errors[0].message).toMatch(/^The CSV file is refused: /);
      expect(res.body.errors[0].message).toMatch(message);
      expect(await storedAssets(s, c)).toEqual([]);
      expect(await countRows(s, 'asset_transfers')).toBe(transfers);
      expect(await countRows(s, 'blobs')).toBe(blobs);
    });
  }

  it('refuses a zip sent as csv, a csv with an encryption_key, and an unknown format', async () => {
    const c = await freshProject();
    const zip = await zipOf([{ name: 'manifest.json', data: '{}' }]);
    const asZip = await postCsv(c, zip);
    expectPlatformError(asZip, 400);
    expect(asZip.body.errors[0].message).toMatch(/zip archive/);
    const keyed = await postCsv(c, 'Name,Type\na,script\n', { format: 'csv', encryption_key: 'k' });
    expectPlatformError(keyed, 400);
    expect(keyed.body.errors[0].message).toMatch(/encryption_key/);
    const xml = await postCsv(c, 'Name,Type\na,script\n', { format: 'xml' });
    expectPlatformError(xml, 400);
    expect(xml.body.errors[0].message).toMatch(/'xml' is not an import format/);
    // a CSV without format=csv is read as an archive, and is not one
    const noFormat = await postCsv(c, 'Name,Type\na,script\n', {});
    expectPlatformError(noFormat, 400);
    expect(noFormat.body.errors[0].message).toMatch(/not a readable zip/);
    expect(await storedAssets(s, c)).toEqual([]);
  });

  it('a CSV import that fails after its first batch leaves the project unchanged', async () => {
    const c = await freshProject();
    const rows = Array.from({ length: 700 }, (_, i) => [`asset ${i}`, FUSSY, i === 650 ? 'refuse' : 'fine']);
    const res = await postCsv(c, csvOf([['Name', 'Type', 'Asset Property: mood'], ...rows]));
    expect(res.status, res.text).toBe(200);
    const done = await settled(s, `/v2/asset_imports/${res.body.metadata.id}?${c.q}`, w.editor.token);
    expect(done.entity.status).toMatchObject({
      state: 'failed',
      failure: { message: expect.stringMatching(/csv row 652.*this entity is refused/) },
    });
    expect(await storedAssets(s, c)).toEqual([]);
  });

  it('property: any table of text survives the round trip through CSV, in order', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 20 });
    const name = text.filter((t) => t.trim().length > 0 && !t.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name, description: text.filter((t) => !t.includes('\u0000')), tag: name }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom('\r\n', '\n'),
        async (table, eol) => {
          const c = await freshProject();
          const csv = csvOf(
            [
              ['Name', 'Type', 'Description', 'Tag'],
              ...table.map((r) => [r.name, 'script', r.description, r.tag]),
            ],
            eol,
          );
          const done = await importCsv(c, csv);
          expect(done.entity.status.state, JSON.stringify(done.entity.status)).toBe('completed');
          const rows = await storedAssets(s, c);
          expect(rows.map((r: any) => [r.name, r.description, JSON.parse(r.tags)])).toEqual(
            table.map((r) => [r.name.trim(), r.description, [r.tag.trim()]]),
          );
        },
      ),
      { numRuns: 12 },
    );
  });

  it('property: any bytes as a CSV get a 4xx that leaves the project unchanged, or an import that completes', async () => {
    const c = await freshProject();
    const csvish = fc
      .array(
        fc.constantFrom(
          'Name',
          'Type',
          'Tag',
          ',',
          '"',
          '\n',
          '\r',
          'a',
          ' ',
          'Asset Property: x>>',
          '\uFEFF',
        ),
        {
          maxLength: 30,
        },
      )
      .map((parts) => parts.join(''));
    const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
    await fc.assert(
      fc.asyncProperty(fc.oneof(csvish, bytes), async (csv) => {
        const before = (await storedAssets(s, c)).length;
        const res = await postCsv(c, csv);
        if (res.status === 200) {
          const done = await settled(s, `/v2/asset_imports/${res.body.metadata.id}?${c.q}`, w.editor.token);
          expect(done.entity.status.state, JSON.stringify(done.entity.status)).toBe('completed');
        } else {
          expect(res.status, res.text).toBeGreaterThanOrEqual(400);
          expect(res.status, res.text).toBeLessThan(500);
          expectPlatformError(res, res.status);
          expect((await storedAssets(s, c)).length).toBe(before);
        }
      }),
      { numRuns: 40 },
    );
  });
});
