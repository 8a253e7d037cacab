import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { eventually } from '../spaces/helpers.ts';
import { idOf, rawDb, uniqueName } from './projects-fixtures.ts';

// Small limits, so that the refusals are cheap to provoke (read when a server starts).
const LIMITS = {
  PROJECT_ARCHIVE_MAX_BYTES: String(512 * 1024),
  PROJECT_ARCHIVE_MAX_ENTRIES: '40',
  PROJECT_ARCHIVE_MAX_ENTRY_BYTES: String(1024 * 1024),
  PROJECT_ARCHIVE_MAX_TOTAL_BYTES: String(3 * 1024 * 1024),
};
const setEnv = (vars: Record<string, string | undefined>) => {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
};

let s: TestServer;
let owner: TestUser;
let other: TestUser;
beforeAll(async () => {
  setEnv(LIMITS);
  s = await startTestServer();
  owner = await s.createUser('importer');
  other = await s.createUser('outsider');
});
afterAll(async () => {
  await s?.close();
  setEnv(Object.fromEntries(Object.keys(LIMITS).map((k) => [k, undefined])));
});

// ---------------------------------------------------------------- archives

interface ZipEntry {
  name: string;
  data: Buffer | string;
  /** Stored (not deflated); default deflated. */
  store?: boolean;
}

function zipOf(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    zip.addBuffer(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data), e.name, {
      compress: !e.store,
      mtime: new Date('2025-01-01T00:00:00Z'),
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => parts.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    zip.outputStream.on('error', reject);
  });
}

const manifestEntry = (manifest: unknown): ZipEntry => ({
  name: 'manifest.json',
  data: JSON.stringify(manifest),
});

const OLD = {
  data: '11111111-aaaa-4aaa-8aaa-000000000001',
  notebook: '11111111-aaaa-4aaa-8aaa-000000000002',
  plain: '11111111-aaaa-4aaa-8aaa-000000000003',
};

/** Three assets: one with a multi-KiB attachment, one referring to it, one plain. */
function sampleManifest(content: { path: string }) {
  return {
    format: 'cc-project-archive',
    version: 1,
    project: { name: 'From the manifest', description: 'Exported project', tags: ['exported'] },
    assets: [
      {
        asset_id: OLD.data,
        asset_type: 'data_asset',
        name: 'sales.csv',
        description: 'Sales figures',
        tags: ['sales'],
        entity: { data_asset: { mime_type: 'text/csv' } },
        attachments: [{ attachment_id: 'att-1', name: 'sales.csv', mime: 'text/csv', path: content.path }],
      },
      {
        asset_id: OLD.notebook,
        asset_type: 'notebook',
        name: 'Analysis',
        entity: {
          notebook: { input_asset: OLD.data, inputs: [OLD.data, 'not an id'], nested: { ref: OLD.plain } },
          href: `/v2/assets/${OLD.data}`,
        },
      },
      { asset_id: OLD.plain, asset_type: 'script', name: 'helper.py', tags: ['a', 'b'] },
    ],
  };
}

async function sampleArchive(bytes: Buffer): Promise<Buffer> {
  const path = 'attachments/0001/sales.csv';
  return zipOf([manifestEntry(sampleManifest({ path })), { name: path, data: bytes }]);
}

// ---------------------------------------------------------------- calls

async function upload(
  server: TestServer,
  zip: Buffer | undefined,
  fields: Record<string, string> = {},
  opts: { token?: string | null; query?: string; fileField?: string } = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (zip) form.append(opts.fileField ?? 'file', new Blob([zip], { type: 'application/zip' }), 'project.zip');
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = opts.token === undefined ? owner.token : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.url}/transactional/v2/projects${opts.query ?? ''}`, {
    method: 'POST',
    headers,
    body: form,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body, headers: res.headers, text };
}

const transaction = (server: TestServer, location: string, token: string) =>
  server.call('GET', location, { token }).then((r) => r.body);

async function settled(server: TestServer, self: string, token: string, ms = 15_000) {
  return eventually(
    () => transaction(server, self, token),
    (t) => t?.status === 'succeeded' || t?.status === 'failed',
    ms,
  );
}

async function projectsNamed(server: TestServer, name: string): Promise<number> {
  const rows = await rawDb(server).selectFrom('projects').select('id').where('name', '=', name).execute();
  return rows.length;
}

const assetsOf = (server: TestServer, projectId: string) =>
  rawDb(server)
    .selectFrom('assets')
    .selectAll()
    .where('container_kind', '=', 'project')
    .where('container_id', '=', projectId)
    .orderBy('name')
    .execute();

const countAll = async (server: TestServer, table: string) =>
  Number(
    (
      await rawDb(server)
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n,
  );

// ---------------------------------------------------------------- tests

describe('POST /transactional/v2/projects with an archive (multipart/form-data)', () => {
  it('answers 202 with the transaction, imports the assets with remapped references and identical attachments', async () => {
    const content = crypto.randomBytes(48 * 1024);
    const zip = await sampleArchive(content);
    const name = uniqueName('Imported');
    const res = await upload(s, zip, { name, generator: 'zip-test' });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({
      location: expect.stringMatching(/^\/v2\/projects\/[0-9a-f-]{36}$/),
      transaction_detail: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        links: { self: expect.any(String) },
      },
    });
    const projectId = idOf(res.body.location);
    const txId = res.body.transaction_detail.id;
    const self = res.body.transaction_detail.links.self;
    expect(self).toBe(`/transactional/v2/projects/${projectId}/transactions/${txId}`);
    expect(res.headers.get('location')).toBe(res.body.location);

    // the project exists at once, with the form's name and the manifest's other fields
    const project = await s.call('GET', `/v2/projects/${projectId}`, { token: owner.token });
    expect(project.status).toBe(200);
    expect(project.body.entity).toMatchObject({
      name,
      generator: 'zip-test',
      description: 'Exported project',
      creator: owner.username,
    });

    const done = await settled(s, self, owner.token);
    expect(done).toEqual({
      id: txId,
      project_id: projectId,
      type: 'import',
      status: 'succeeded',
      location: `/v2/projects/${projectId}`,
      archive: { size: zip.length },
      assets: { total: 3, imported: 3 },
      attachments: { total: 1, imported: 1 },
      created_at: expect.any(String),
      updated_at: expect.any(String),
      links: { self },
    });

    const rows = await assetsOf(s, projectId);
    expect(rows.map((r: any) => [r.name, r.asset_type])).toEqual([
      ['Analysis', 'notebook'],
      ['helper.py', 'script'],
      ['sales.csv', 'data_asset'],
    ]);
    const byName = Object.fromEntries(rows.map((r: any) => [r.name, r]));
    const newData = byName['sales.csv'].asset_id;
    const newPlain = byName['helper.py'].asset_id;
    // new ids, not the archive's
    for (const r of rows) expect(Object.values(OLD)).not.toContain(r.asset_id);

    const nb = await s.call('GET', `/v2/assets/${byName.Analysis.asset_id}?project_id=${projectId}`, {
      token: owner.token,
    });
    expect(nb.status).toBe(200);
    expect(nb.body.entity).toEqual({
      notebook: { input_asset: newData, inputs: [newData, 'not an id'], nested: { ref: newPlain } },
      // whole strings only: an id inside an href stays as it was
      href: `/v2/assets/${OLD.data}`,
    });
    expect(nb.body.metadata).toMatchObject({
      name: 'Analysis',
      asset_type: 'notebook',
      creator_id: owner.iam_id,
    });

    const helper = await s.call('GET', `/v2/assets/${newPlain}?project_id=${projectId}`, {
      token: owner.token,
    });
    expect(helper.body.metadata.tags).toEqual(['a', 'b']);

    const data = await s.call('GET', `/v2/assets/${newData}?project_id=${projectId}`, { token: owner.token });
    expect(data.body.metadata).toMatchObject({ description: 'Sales figures', tags: ['sales'] });
    expect(data.body.attachments).toHaveLength(1);
    const att = data.body.attachments[0];
    expect(att).toMatchObject({ name: 'sales.csv', mime: 'text/csv', asset_type: 'data_asset' });
    const download = await fetch(
      `${s.url}/v2/assets/${newData}/attachments/${att.attachment_id}/content?project_id=${projectId}`,
      { headers: { authorization: `Bearer ${owner.token}` } },
    );
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);

    // the creator is the admin; the work rows and the kept archive are gone
    const members = await s.call('GET', `/v2/projects/${projectId}/members`, { token: owner.token });
    expect(members.body.members).toEqual([expect.objectContaining({ id: owner.iam_id, role: 'admin' })]);
    expect(await countAll(s, 'project_imports')).toBe(0);
  });

  it('takes the project name from the manifest when the form has none', async () => {
    const name = uniqueName('Manifest name');
    const path = 'attachments/x.txt';
    const manifest = { ...sampleManifest({ path }), project: { name, type: 'cpd' } };
    const zip = await zipOf([manifestEntry(manifest), { name: path, data: 'hello' }]);
    const res = await upload(s, zip);
    expect(res.status, res.text).toBe(202);
    const done = await settled(s, res.body.transaction_detail.links.self, owner.token);
    expect(done.status).toBe('succeeded');
    expect(await projectsNamed(s, name)).toBe(1);
    const project = await s.call('GET', res.body.location, { token: owner.token });
    expect(project.body.entity.generator).toBe('project-archive-import');
  });

  it('keeps an empty archive project: no assets, succeeded', async () => {
    const zip = await zipOf([manifestEntry({ format: 'cc-project-archive', version: 1, assets: [] })]);
    const res = await upload(s, zip, { name: uniqueName('Empty') });
    expect(res.status, res.text).toBe(202);
    const done = await settled(s, res.body.transaction_detail.links.self, owner.token);
    expect(done).toMatchObject({ status: 'succeeded', assets: { total: 0, imported: 0 } });
  });

  it('refuses a duplicate project name with 400 and creates nothing', async () => {
    const name = uniqueName('Taken');
    const first = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      body: { name, generator: 'test' },
    });
    expect(first.status).toBe(201);
    const blobsBefore = await countAll(s, 'blobs');
    const assetsBefore = await countAll(s, 'assets');
    const res = await upload(s, await sampleArchive(Buffer.from('a,b\n1,2\n')), { name });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: '400', error: 'Bad Request', description: expect.any(String) });
    expect(res.body.reason).toMatch(/already exists/);
    expect(await projectsNamed(s, name)).toBe(1);
    expect(await countAll(s, 'blobs')).toBe(blobsBefore);
    expect(await countAll(s, 'assets')).toBe(assetsBefore);
    // verify_unique_name=false lets the same name through
    const again = await upload(
      s,
      await sampleArchive(Buffer.from('x')),
      { name },
      { query: '?verify_unique_name=false' },
    );
    expect(again.status).toBe(202);
    expect((await settled(s, again.body.transaction_detail.links.self, owner.token)).status).toBe(
      'succeeded',
    );
    expect(await projectsNamed(s, name)).toBe(2);
  });

  describe('refused archives leave nothing behind', () => {
    const valid = async () => sampleArchive(crypto.randomBytes(4096));

    /** A zip whose entry `safe` is renamed to `evil` (same length) in the local and central headers. */
    async function renamed(safe: string, evil: string): Promise<Buffer> {
      expect(evil.length).toBe(safe.length);
      const manifest = sampleManifest({ path: 'attachments/0001/sales.csv' });
      const zip = await zipOf([
        manifestEntry(manifest),
        { name: 'attachments/0001/sales.csv', data: 'x' },
        { name: safe, data: 'payload' },
      ]);
      const from = Buffer.from(safe);
      const to = Buffer.from(evil);
      let at = zip.indexOf(from);
      let n = 0;
      while (at !== -1) {
        to.copy(zip, at);
        n++;
        at = zip.indexOf(from, at + 1);
      }
      expect(n).toBe(2);
      return zip;
    }

    const zeros = (n: number) => Buffer.alloc(n);
    const cases: [string, () => Promise<Buffer>, number, RegExp][] = [
      ['not a zip', async () => Buffer.from('this is plain text, not an archive'), 400, /not a readable zip/],
      ['a truncated zip', async () => (await valid()).subarray(0, 3000), 400, /not a readable zip/],
      ['an empty file', async () => Buffer.alloc(0), 400, /not a readable zip/],
      [
        'a parent directory name',
        () => renamed('attachments/aa/evil', '../../../../../evil'),
        400,
        /unsafe|relative path/,
      ],
      [
        'an absolute name',
        () => renamed('attachments/bb/evil', '/tmp/attachments/ba'),
        400,
        /unsafe|absolute/,
      ],
      [
        'a backslash name',
        () => renamed('attachments/cc/evil', 'attachments\\..\\evil'),
        400,
        /unsafe|invalid characters/,
      ],
      [
        'an entry over the uncompressed limit (zip bomb)',
        async () =>
          zipOf([
            manifestEntry({ format: 'cc-project-archive', version: 1, assets: [] }),
            { name: 'attachments/bomb', data: zeros(2 * 1024 * 1024) },
          ]),
        400,
        /uncompressed; the limit is/,
      ],
      [
        'a total over the uncompressed limit',
        async () =>
          zipOf([
            manifestEntry({ format: 'cc-project-archive', version: 1, assets: [] }),
            ...[1, 2, 3, 4].map((i) => ({ name: `attachments/z${i}`, data: zeros(900 * 1024) })),
          ]),
        400,
        /over \d+ bytes uncompressed/,
      ],
      [
        'too many entries',
        async () =>
          zipOf([
            manifestEntry({ format: 'cc-project-archive', version: 1, assets: [] }),
            ...Array.from({ length: 45 }, (_, i) => ({ name: `attachments/f${i}`, data: 'x' })),
          ]),
        400,
        /entries; the limit is 40/,
      ],
      ['no manifest', async () => zipOf([{ name: 'attachments/a', data: 'x' }]), 400, /no manifest\.json/],
      [
        'a manifest that is not JSON',
        async () => zipOf([{ name: 'manifest.json', data: '{nope' }]),
        400,
        /JSON/,
      ],
      [
        'another format',
        async () => zipOf([manifestEntry({ format: 'something-else', version: 1, assets: [] })]),
        400,
        /format/,
      ],
      [
        'a version from the future',
        async () => zipOf([manifestEntry({ format: 'cc-project-archive', version: 2, assets: [] })]),
        400,
        /version 2 is not supported/,
      ],
      [
        'an attachment path that is not in the zip',
        async () => zipOf([manifestEntry(sampleManifest({ path: 'attachments/missing.csv' }))]),
        400,
        /not a file of the archive/,
      ],
      [
        'an attachment path outside attachments/',
        async () =>
          zipOf([
            manifestEntry(sampleManifest({ path: 'other/sales.csv' })),
            { name: 'other/sales.csv', data: 'x' },
          ]),
        400,
        /must be under attachments\//,
      ],
      [
        'an asset without a name',
        async () =>
          zipOf([
            manifestEntry({
              format: 'cc-project-archive',
              version: 1,
              assets: [{ asset_id: 'a1', asset_type: 't' }],
            }),
          ]),
        400,
        /assets\[0\]\.name/,
      ],
      [
        'an upload over the archive size limit',
        async () =>
          zipOf([
            manifestEntry({ format: 'cc-project-archive', version: 1, assets: [] }),
            { name: 'attachments/big', data: crypto.randomBytes(600 * 1024), store: true },
          ]),
        413,
        /larger than the limit/,
      ],
    ];

    for (const [label, build, status, reason] of cases) {
      it(`${label} → ${status}`, async () => {
        const name = uniqueName('Refused');
        const before = {
          projects: await countAll(s, 'projects'),
          assets: await countAll(s, 'assets'),
          blobs: await countAll(s, 'blobs'),
          transactions: await countAll(s, 'project_transactions'),
        };
        const res = await upload(s, await build(), { name });
        expect(res.status, res.text).toBe(status);
        expect(res.body).toMatchObject({ code: String(status), reason: expect.stringMatching(reason) });
        expect(await projectsNamed(s, name)).toBe(0);
        expect({
          projects: await countAll(s, 'projects'),
          assets: await countAll(s, 'assets'),
          blobs: await countAll(s, 'blobs'),
          transactions: await countAll(s, 'project_transactions'),
        }).toEqual(before);
      });
    }
  });

  it('fails the transaction with the reason when an attachment is corrupt, and removes what it imported', async () => {
    const good = Buffer.from('good,content\n'.repeat(500));
    const marker = Buffer.from('CORRUPT-ME:' + 'z'.repeat(4000));
    const manifest = {
      format: 'cc-project-archive',
      version: 1,
      assets: [
        {
          asset_id: 'first',
          asset_type: 'data_asset',
          name: 'first',
          attachments: [{ name: 'a', path: 'attachments/a' }],
        },
        {
          asset_id: 'second',
          asset_type: 'data_asset',
          name: 'second',
          entity: { uses: 'first' },
          attachments: [{ name: 'b', path: 'attachments/b' }],
        },
      ],
    };
    const zip = await zipOf([
      manifestEntry(manifest),
      { name: 'attachments/a', data: good },
      { name: 'attachments/b', data: marker, store: true },
    ]);
    // flip bytes of the stored content: the central directory still reads, the CRC-32 does not match
    const at = zip.indexOf(Buffer.from('CORRUPT-ME'));
    zip.write('BROKEN-ME!', at);
    const blobsBefore = await countAll(s, 'blobs');
    const res = await upload(s, zip, { name: uniqueName('Corrupt') });
    expect(res.status, res.text).toBe(202);
    const projectId = idOf(res.body.location);
    const done = await settled(s, res.body.transaction_detail.links.self, owner.token);
    expect(done).toMatchObject({ status: 'failed', reason: expect.stringMatching(/attachments\/b.*CRC-32/) });
    expect(await assetsOf(s, projectId)).toEqual([]);
    expect(await countAll(s, 'project_imports')).toBe(0);
    expect(await countAll(s, 'blobs')).toBe(blobsBefore);
    // the project itself stays (its transaction says what happened)
    expect((await s.call('GET', res.body.location, { token: owner.token })).status).toBe(200);
  });

  it('answers the form errors: no file, unknown field, another file field, no token', async () => {
    const zip = await sampleArchive(Buffer.from('x'));
    const noFile = await upload(s, undefined, { name: uniqueName('No file') });
    expect(noFile.status).toBe(400);
    expect(noFile.body.reason).toMatch(/no 'file'/);
    const unknown = await upload(s, zip, { name: uniqueName('Unknown'), colour: 'blue' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.reason).toMatch(/Unknown form field 'colour'/);
    const otherField = await upload(s, zip, { name: uniqueName('Other') }, { fileField: 'archive' });
    expect(otherField.status).toBe(400);
    const anonymous = await upload(s, zip, { name: uniqueName('Anonymous') }, { token: null });
    expect(anonymous.status).toBe(401);
    const badName = await upload(s, zip, { name: '<b>bad</b>' });
    expect(badName.status).toBe(400);
    expect(badName.body.reason).toMatch(/invalid characters/);
  });

  it('still creates JSON projects with 201, and refuses other media types', async () => {
    const json = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      body: { name: uniqueName('Json'), generator: 'test' },
    });
    expect(json.status).toBe(201);
    expect(json.body).toEqual({ location: expect.any(String) });
    const invalid = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      body: { generator: 'x' },
    });
    expect(invalid.status).toBe(400);
    const form = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      raw: 'name=x&generator=y',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
  });
});

describe('roles', () => {
  it('a project token cannot create a project from an archive (403), and nothing is created', async () => {
    const created = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      body: { name: uniqueName('Token home'), generator: 'test' },
    });
    const projectId = idOf(created.body.location);
    const token = await s.call('POST', `/v2/projects/${projectId}/tokens`, {
      token: owner.token,
      body: { name: 'ci', scopes: [{ audience: 'project', guid: projectId, role: 'admin' }] },
    });
    expect(token.status).toBe(201);
    const name = uniqueName('By token');
    const res = await upload(s, await sampleArchive(Buffer.from('x')), { name }, { token: token.body.token });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: '403', error: 'Forbidden' });
    expect(await projectsNamed(s, name)).toBe(0);
  });

  it('any user may import; another user becomes admin of their own imported project only', async () => {
    const name = uniqueName('Other user');
    const res = await upload(s, await sampleArchive(Buffer.from('x')), { name }, { token: other.token });
    expect(res.status).toBe(202);
    const self = res.body.transaction_detail.links.self;
    expect((await settled(s, self, other.token)).status).toBe('succeeded');
    const members = await s.call('GET', `${res.body.location}/members`, { token: other.token });
    expect(members.body.members).toEqual([expect.objectContaining({ id: other.iam_id, role: 'admin' })]);
    // the first test's importer is not a member of it
    expect((await s.call('GET', self, { token: owner.token })).status).toBe(403);
  });
});

describe('GET /transactional/v2/projects/{project_id}/transactions/{transaction_id}', () => {
  it('is for members only, and 404 for a transaction of another project', async () => {
    const res = await upload(s, await sampleArchive(Buffer.from('x')), { name: uniqueName('Members') });
    expect(res.status).toBe(202);
    const self = res.body.transaction_detail.links.self;
    await settled(s, self, owner.token);
    const outsider = await s.call('GET', self, { token: other.token });
    expect(outsider.status).toBe(403);
    const elsewhere = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      body: { name: uniqueName('Elsewhere'), generator: 'test' },
    });
    const wrong = await s.call(
      'GET',
      `/transactional/v2/projects/${idOf(elsewhere.body.location)}/transactions/${res.body.transaction_detail.id}`,
      { token: owner.token },
    );
    expect(wrong.status).toBe(404);
    expect(wrong.body.reason).toMatch(/is not associated with project/);
  });
});

describe('an import across a server restart', () => {
  it('is resumed by the next server and ends succeeded with every asset once', async () => {
    setEnv({ ...LIMITS, PROJECT_IMPORT_STEP_DELAY_MS: '250' });
    let first: TestServer | undefined;
    let second: TestServer | undefined;
    try {
      first = await startTestServer();
      const user = await first.createUser('restart');
      const path = (i: number) => `attachments/${i}.bin`;
      const contents = [0, 1, 2, 3, 4, 5].map(() => crypto.randomBytes(8 * 1024));
      const manifest = {
        format: 'cc-project-archive',
        version: 1,
        assets: contents.map((_, i) => ({
          asset_id: `old-${i}`,
          asset_type: 'data_asset',
          name: `asset ${i}`,
          entity: { previous: i ? `old-${i - 1}` : null },
          attachments: [{ name: `${i}.bin`, path: path(i) }],
        })),
      };
      const zip = await zipOf([
        manifestEntry(manifest),
        ...contents.map((data, i) => ({ name: path(i), data })),
      ]);
      const res = await upload(first, zip, { name: uniqueName('Restart') }, { token: user.token });
      expect(res.status, res.text).toBe(202);
      const self = res.body.transaction_detail.links.self;
      const projectId = idOf(res.body.location);
      const mid = await eventually(
        () => transaction(first!, self, user.token),
        (t) => t.assets.imported >= 2,
      );
      expect(mid.status).toBe('running');
      await first.close({ keepData: true });
      const database = first.database;
      first = undefined;

      setEnv({ PROJECT_IMPORT_STEP_DELAY_MS: undefined });
      second = await startTestServer({}, { database });
      const token = await second.tokenFor(user.apikey);
      const done = await settled(second, self, token);
      expect(done.reason).toBeUndefined();
      expect(done).toMatchObject({ status: 'succeeded', assets: { total: 6, imported: 6 } });
      const rows = await assetsOf(second, projectId);
      expect(rows.map((r: any) => r.name)).toEqual(contents.map((_, i) => `asset ${i}`));
      const idOfName = Object.fromEntries(rows.map((r: any) => [r.name, r.asset_id]));
      for (let i = 1; i < 6; i++) {
        expect(JSON.parse(rows[i].entity)).toEqual({ previous: idOfName[`asset ${i - 1}`] });
      }
      const atts = await rawDb(second)
        .selectFrom('asset_attachments')
        .selectAll()
        .where(
          'asset_id',
          'in',
          rows.map((r: any) => r.asset_id),
        )
        .execute();
      expect(atts).toHaveLength(6);
      expect(atts.every((a: any) => Number(a.transfer_complete) === 1)).toBe(true);
      const last = rows[5];
      const att = atts.find((a: any) => a.asset_id === last.asset_id)!;
      const download = await fetch(
        `${second.url}/v2/assets/${last.asset_id}/attachments/${att.attachment_id}/content?project_id=${projectId}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(Buffer.from(await download.arrayBuffer()).equals(contents[5])).toBe(true);
      const running = await rawDb(second)
        .selectFrom('project_transactions')
        .select('id')
        .where('status', '=', 'running')
        .execute();
      expect(running).toEqual([]);
      expect(await countAll(second, 'project_imports')).toBe(0);
    } finally {
      setEnv({ PROJECT_IMPORT_STEP_DELAY_MS: undefined });
      await first?.close();
      await second?.close();
    }
  }, 120_000);
});

describe('imports whose server died', () => {
  /** Starts a slow import of four assets and waits until it is in the middle. */
  async function importInTheMiddle() {
    setEnv({ ...LIMITS, PROJECT_IMPORT_STEP_DELAY_MS: '250' });
    const first = await startTestServer();
    const user = await first.createUser('crash');
    const manifest = {
      format: 'cc-project-archive',
      version: 1,
      assets: [0, 1, 2, 3].map((i) => ({
        asset_id: `old-${i}`,
        asset_type: 'script',
        name: `script ${i}`,
        attachments: [{ name: 'code', path: `attachments/${i}` }],
      })),
    };
    const zip = await zipOf([
      manifestEntry(manifest),
      ...[0, 1, 2, 3].map((i) => ({ name: `attachments/${i}`, data: `print(${i})` })),
    ]);
    const res = await upload(first, zip, { name: uniqueName('Crash') }, { token: user.token });
    expect(res.status, res.text).toBe(202);
    const self = res.body.transaction_detail.links.self as string;
    await eventually(
      () => transaction(first, self, user.token),
      (t) => t.assets.imported >= 1,
    );
    setEnv({ PROJECT_IMPORT_STEP_DELAY_MS: undefined });
    return { first, user, self, projectId: idOf(res.body.location) };
  }

  it('an import whose lease a dead server still holds is taken over once the lease expires', async () => {
    const { first, user, self, projectId } = await importInTheMiddle();
    let second: TestServer | undefined;
    try {
      // Another owner now holds the lease: the first server stops at its next step and cannot
      // give the lease back, as if it had died.
      await rawDb(first)
        .updateTable('project_imports')
        .set({ lease_owner: 'a-server-that-died', lease_until: new Date(Date.now() + 1500).toISOString() })
        .execute();
      await first.close({ keepData: true });
      setEnv({ PROJECT_IMPORT_LEASE_SECONDS: '1' });
      second = await startTestServer({}, { database: first.database });
      const token = await second.tokenFor(user.apikey);
      const done = await settled(second, self, token);
      expect(done).toMatchObject({ status: 'succeeded', assets: { total: 4, imported: 4 } });
      expect((await assetsOf(second, projectId)).map((r: any) => r.name)).toEqual([
        'script 0',
        'script 1',
        'script 2',
        'script 3',
      ]);
    } finally {
      setEnv({ PROJECT_IMPORT_LEASE_SECONDS: undefined });
      await second?.close();
    }
  }, 120_000);

  it('an archive whose runs keep being cut short fails after three attempts, leaving no asset', async () => {
    const { first, user, self, projectId } = await importInTheMiddle();
    let second: TestServer | undefined;
    try {
      // As if three runs had already been cut short (the close below gives this one back).
      await rawDb(first).updateTable('project_imports').set({ attempts: 4 }).execute();
      await first.close({ keepData: true });
      second = await startTestServer({}, { database: first.database });
      const token = await second.tokenFor(user.apikey);
      const done = await settled(second, self, token);
      expect(done).toMatchObject({ status: 'failed', reason: expect.stringMatching(/interrupted 3 times/) });
      expect(await assetsOf(second, projectId)).toEqual([]);
      expect(await countAll(second, 'project_imports')).toBe(0);
    } finally {
      await second?.close();
    }
  }, 120_000);
});
