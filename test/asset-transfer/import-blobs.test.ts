import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/server/src/platform/config.ts';
import { blobStoreOf } from '../../packages/server/src/store/blobs.ts';
import { openStore } from '../../packages/server/src/store/db.ts';
import { createTestDatabase, startTestServer, TEST_DB, type TestServer } from '../helpers/server.ts';
import { client, newKeys, serverEnv, sleep, spawnServer, tokenOf } from '../reliability/helpers.ts';
import { eventually } from '../spaces/helpers.ts';
import type { Container } from '../assets/helpers.ts';
import { newProject } from '../projects/projects-fixtures.ts';
import {
  blobMismatches,
  download,
  postImport,
  setEnv,
  settled,
  stagedFiles,
  storedAssets,
  unzip,
  zipOf,
} from './helpers.ts';

// Import batches of 500 assets: 1,200 give three steps to stop between.
const ASSETS = 1200;
/** The attachments of the archive: assets 0 to 4 have one each (one deflated, the others stored). */
const CONTENTS = [
  crypto.randomBytes(300_000),
  crypto.randomBytes(200_000),
  Buffer.from('compressible '.repeat(20_000)),
  crypto.randomBytes(1),
  crypto.randomBytes(150_000),
];
const ATTACHMENT_BYTES = CONTENTS.reduce((n, c) => n + c.length, 0);

/** An exported archive of ASSETS scripts; asset i < CONTENTS.length has attachment i. */
function archive(): Promise<Buffer> {
  const assets = Array.from({ length: ASSETS }, (_, i) => ({
    asset_id: `src-${i}`,
    asset_type: 'script',
    name: `asset ${String(i).padStart(4, '0')}`,
    entity: { n: i, next: `src-${(i + 1) % ASSETS}` },
    attachments:
      i < CONTENTS.length ? [{ name: `file ${i}`, path: `attachments/src-${i}/f`, mime: 'text/plain' }] : [],
  }));
  return zipOf([
    { name: 'manifest.json', data: JSON.stringify({ format: 'cc-project-archive', version: 1, assets }) },
    ...CONTENTS.map((data, i) => ({ name: `attachments/src-${i}/f`, data, stored: i !== 2 })),
  ]);
}

/** Every blob row (id → size), and on PostgreSQL the bytes of every chunk. */
async function blobState(s: TestServer) {
  const db = s.built.ctx.store.db as any;
  const rows: { blob_id: string; size: number }[] = await db
    .selectFrom('blobs')
    .select(['blob_id', 'size'])
    .execute();
  let chunkBytes = 0;
  if (TEST_DB === 'postgres') {
    const r = await sql<{
      n: string;
    }>`select coalesce(sum(octet_length(data)), 0) as n from blob_chunks`.execute(db);
    chunkBytes = Number(r.rows[0].n);
  }
  return { ids: new Map(rows.map((r) => [r.blob_id, Number(r.size)])), chunkBytes };
}

const clean = async (s: TestServer) => {
  expect(await blobMismatches(s)).toEqual({ contentWithoutRow: [], rowWithoutContent: [] });
  expect(await stagedFiles(s)).toEqual([]);
};

async function target(s: TestServer): Promise<Container> {
  const id = await newProject(s, s.adminToken);
  return { kind: 'project', id, q: `project_id=${id}` };
}

const state = (s: TestServer, url: string) => s.call('GET', url).then((r) => r.body);

describe('an import stores the archive once', () => {
  it('attachments become blobs at the upload; a run after a restart reads no archive and writes no content', async () => {
    setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '400' });
    let s: TestServer | undefined;
    try {
      s = await startTestServer();
      const t = await target(s);
      const zip = await archive();
      const before = await blobState(s);

      const imp = await postImport(s, t, zip, { token: s.adminToken, raw: true });
      expect(imp.status, imp.text).toBe(200);
      const url = `/v2/asset_imports/${imp.body.metadata.id}?${t.q}`;
      // Stored by the upload, in one go: one blob per attachment and the plan; no copy of the archive.
      const uploaded = await blobState(s);
      const added = [...uploaded.ids].filter(([id]) => !before.ids.has(id));
      expect(added).toHaveLength(CONTENTS.length + 1);
      const row = await (s.built.ctx.store.db as any)
        .selectFrom('asset_transfers')
        .selectAll()
        .where('id', '=', imp.body.metadata.id)
        .executeTakeFirst();
      const planId = row.archive_blob_id as string;
      const attachmentBlobs = added.filter(([id]) => id !== planId);
      expect(attachmentBlobs.map(([, size]) => size).sort((a, b) => a - b)).toEqual(
        CONTENTS.map((c) => c.length).sort((a, b) => a - b),
      );
      const planSize = uploaded.ids.get(planId)!;
      expect(planSize).toBeLessThan(zip.length);
      if (TEST_DB === 'postgres')
        expect(uploaded.chunkBytes - before.chunkBytes).toBe(ATTACHMENT_BYTES + planSize);

      // Stopped in the middle, then run by the next server from the blobs alone.
      await eventually(
        () => state(s!, url),
        (b) => b.entity.status.progress.assets > 0,
        20_000,
      );
      await s.close({ keepData: true });
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      s = await startTestServer({}, { database: s.database });
      const done = await settled(s, url, s.adminToken);
      expect(done.entity.status).toMatchObject({
        state: 'completed',
        progress: { assets: ASSETS, attachments: CONTENTS.length },
      });

      // No content was written by the runs: the attachments point at the upload's blobs, the plan is gone.
      const after = await blobState(s);
      expect(new Set(after.ids.keys())).toEqual(
        new Set([...before.ids.keys(), ...attachmentBlobs.map(([id]) => id)]),
      );
      if (TEST_DB === 'postgres') expect(after.chunkBytes - before.chunkBytes).toBe(ATTACHMENT_BYTES);
      const atts = await (s.built.ctx.store.db as any)
        .selectFrom('asset_attachments')
        .innerJoin('assets', 'assets.asset_id', 'asset_attachments.asset_id')
        .select(['asset_attachments.blob_id', 'asset_attachments.size'])
        .where('assets.container_id', '=', t.id)
        .execute();
      expect(new Set(atts.map((a: any) => a.blob_id))).toEqual(new Set(attachmentBlobs.map(([id]) => id)));
      await clean(s);

      // And the content is the archive's, byte for byte.
      const exp = await s.call('POST', `/v2/asset_exports?${t.q}`, {
        body: { assets: { all_assets: true } },
      });
      expect(exp.status, exp.text).toBe(200);
      await settled(s, `/v2/asset_exports/${exp.body.metadata.id}?${t.q}`, s.adminToken);
      const files = await unzip(await download(s, exp.body.metadata.id, t, s.adminToken));
      const manifest = JSON.parse(files.get('manifest.json')!.toString());
      expect(manifest.assets).toHaveLength(ASSETS);
      for (const [i, content] of CONTENTS.entries()) {
        const a = manifest.assets[i];
        expect(a.name).toBe(`asset ${String(i).padStart(4, '0')}`);
        expect(a.entity.next).toBe(manifest.assets[i + 1].asset_id);
        expect(files.get(a.attachments[0].path)!.equals(content), `attachment ${i}`).toBe(true);
      }
    } finally {
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      await s?.close();
    }
  }, 300_000);

  it('a cancelled import, and a hard-deleted one, leave no asset and no blob', async () => {
    setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '300' });
    let s: TestServer | undefined;
    try {
      s = await startTestServer();
      const zip = await archive();
      const before = await blobState(s);
      for (const hard of [false, true]) {
        const t = await target(s);
        const imp = await postImport(s, t, zip, { token: s.adminToken, raw: true });
        expect(imp.status, imp.text).toBe(200);
        const url = `/v2/asset_imports/${imp.body.metadata.id}?${t.q}`;
        await eventually(
          () => state(s!, url),
          (b) => b.entity.status.progress.assets > 0,
          20_000,
        );
        const del = await s.call('DELETE', hard ? `${url}&hard_delete=true` : url);
        expect(del.status, del.text).toBe(200);
        if (hard) {
          await eventually(
            () =>
              (s!.built.ctx.store.db as any)
                .selectFrom('asset_transfers')
                .select('id')
                .where('id', '=', imp.body.metadata.id)
                .execute(),
            (rows: unknown[]) => rows.length === 0,
            60_000,
          );
        } else {
          expect((await state(s, url)).entity.status.state).toBe('cancelled');
          await eventually(
            () =>
              s!.built.ctx.store.db
                .selectFrom('asset_transfers' as any)
                .selectAll()
                .execute(),
            (rows: any[]) => rows.every((r) => r.work_done === 1),
            60_000,
          );
        }
        expect(await storedAssets(s, t)).toEqual([]);
        expect(new Set((await blobState(s)).ids.keys())).toEqual(new Set(before.ids.keys()));
        if (TEST_DB === 'postgres') expect((await blobState(s)).chunkBytes).toBe(before.chunkBytes);
        await clean(s);
      }
    } finally {
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      await s?.close();
    }
  }, 300_000);

  it('an imported asset deleted during the import: the resumed run fails, and nothing of the import stays', async () => {
    setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '400' });
    let s: TestServer | undefined;
    try {
      s = await startTestServer();
      const t = await target(s);
      const before = await blobState(s);
      const imp = await postImport(s, t, await archive(), { token: s.adminToken, raw: true });
      expect(imp.status, imp.text).toBe(200);
      const url = `/v2/asset_imports/${imp.body.metadata.id}?${t.q}`;
      await eventually(
        () => state(s!, url),
        (b) => b.entity.status.progress.assets > 0,
        20_000,
      );
      const first = (await storedAssets(s, t)).find((a: any) => a.name === 'asset 0000');
      expect(first).toBeDefined();
      const del = await s.call('DELETE', `/v2/assets/${first.asset_id}?${t.q}`);
      expect(del.status, del.text).toBe(204);
      await s.close({ keepData: true });
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      s = await startTestServer({}, { database: s.database });
      const done = await settled(s, url, s.adminToken);
      expect(done.entity.status).toMatchObject({
        state: 'failed',
        failure: {
          message: expect.stringMatching(/the content of 1 attachment\(s\) was deleted while it ran/),
        },
      });
      expect(await storedAssets(s, t)).toEqual([]);
      expect(new Set((await blobState(s)).ids.keys())).toEqual(new Set(before.ids.keys()));
      await clean(s);
    } finally {
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      await s?.close();
    }
  }, 300_000);
});

describe('an import started by the previous version (which kept the archive)', () => {
  it('fails with a clear reason on the next start, and its archive blob goes', async () => {
    let s: TestServer | undefined;
    try {
      s = await startTestServer();
      const t = await target(s);
      const before = await blobState(s);
      // As that version left it: the uploaded zip as a blob, and a row with the new ids only.
      const kept = await blobStoreOf(s.built.ctx).put(Readable.from([await archive()]));
      const id = crypto.randomUUID();
      const now = new Date().toISOString();
      await (s.built.ctx.store.db as any)
        .insertInto('asset_transfers')
        .values({
          id,
          kind: 'import',
          container_kind: 'project',
          container_id: t.id,
          name: '',
          description: '',
          format: 'json',
          request: JSON.stringify({ id_map: { 'src-0': crypto.randomUUID() } }),
          key_sealed: null,
          state: 'pending',
          failure: null,
          archive_blob_id: kept.blob_id,
          progress: '{}',
          creator_id: 'IBMid-x',
          work_done: 0,
          deleted: 0,
          lease_owner: '',
          lease_until: new Date(0).toISOString(),
          attempts: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await s.close({ keepData: true });
      s = await startTestServer({}, { database: s.database });
      const done = await settled(s, `/v2/asset_imports/${id}?${t.q}`, s.adminToken);
      expect(done.entity.status).toMatchObject({
        state: 'failed',
        failure: {
          message: expect.stringMatching(/earlier version of the server.*import the archive again/),
        },
      });
      expect(new Set((await blobState(s)).ids.keys())).toEqual(new Set(before.ids.keys()));
      await clean(s);
    } finally {
      await s?.close();
    }
  }, 120_000);
});

describe('a server killed while an upload is being stored', () => {
  it('leaves no orphan blob once it is started again', async () => {
    const database = await createTestDatabase();
    const keys = newKeys();
    const env = { ...serverEnv(database, keys), ASSET_IMPORT_UPLOAD_DELAY_MS: '500' };
    const inspect = async <T>(work: (db: any) => Promise<T>): Promise<T> => {
      const store = openStore({ ...loadConfig({}), ...database.config });
      try {
        return await work(store.db);
      } finally {
        await store.close();
      }
    };
    const blobRows = () =>
      inspect(async (db) =>
        (await db.selectFrom('blobs').select('blob_id').execute()).map((r: any) => r.blob_id),
      );
    let server = await spawnServer(env);
    try {
      const call = client(server.url, await tokenOf(server.url, keys.adminKey));
      const created = await call('POST', '/transactional/v2/projects', {
        name: 'kill upload',
        generator: 'tests',
      });
      expect(created.status, created.text).toBe(201);
      const projectId = created.body.location.split('/').pop();
      const before = await blobRows();
      // Five attachments at 500 ms each: the kill comes while they are being stored.
      const upload = fetch(`${server.url}/v2/asset_imports?project_id=${projectId}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await tokenOf(server.url, keys.adminKey)}`,
          'content-type': 'application/zip',
        },
        body: await archive(),
      }).then(
        (r) => r.status,
        () => 'cut',
      );
      const tmp = database.config.dataDir ? path.join(database.config.dataDir, 'blobs', 'tmp') : undefined;
      if (tmp) {
        await eventually(
          async () => (fs.existsSync(tmp) ? fs.readdirSync(tmp).length : 0),
          (n) => n >= 2,
          20_000,
        );
      } else await sleep(1500);
      await server.kill();
      expect(await upload).toBe('cut');

      // SQLite: a stop between the commit of the blob rows and the move of their files into place
      // leaves committed files in tmp/: the next start moves them (made here as that stop leaves them).
      const committed = crypto.randomUUID();
      if (tmp) {
        expect(fs.readdirSync(tmp).length).toBeGreaterThanOrEqual(2);
        fs.writeFileSync(path.join(tmp, `${committed}.part`), 'committed content');
        await inspect((db) =>
          db
            .insertInto('blobs')
            .values({ blob_id: committed, size: 17, sha256: 'x', created_at: new Date().toISOString() })
            .execute(),
        );
      }

      server = await spawnServer(env);
      const after = await blobRows();
      expect(new Set(after)).toEqual(new Set(tmp ? [...before, committed] : before));
      await inspect(async (db) => {
        expect(
          Number(
            (await db.selectFrom('asset_transfers').select(db.fn.countAll().as('n')).executeTakeFirst()).n,
          ),
        ).toBe(0);
        if (TEST_DB === 'postgres') {
          const r = await sql<{ n: string }>`select count(*) as n from blob_chunks c
            where not exists (select 1 from blobs b where b.blob_id = c.blob_id)`.execute(db);
          expect(Number(r.rows[0].n)).toBe(0);
        }
      });
      if (tmp) {
        await eventually(
          async () => (fs.existsSync(tmp) ? fs.readdirSync(tmp).length : 0),
          (n) => n === 0,
          10_000,
        );
        const root = path.join(database.config.dataDir!, 'blobs');
        const files = fs
          .readdirSync(root)
          .filter((d) => d !== 'tmp')
          .flatMap((d) => fs.readdirSync(path.join(root, d)));
        expect(files.sort()).toEqual([...after].sort());
        expect(fs.readFileSync(path.join(root, committed.slice(0, 2), committed), 'utf8')).toBe(
          'committed content',
        );
      }
    } finally {
      await server.stop().catch(() => undefined);
      await database.drop();
    }
  }, 300_000);
});
