import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../spaces/helpers.ts';
import type { Container } from '../assets/helpers.ts';
import { newProject } from '../projects/projects-fixtures.ts';
import {
  assetWithAttachments,
  countRows,
  download,
  postImport,
  setEnv,
  settled,
  storedAssets,
  unzip,
} from './helpers.ts';

// Import batches and export pages of 500 assets: 1,200 give three steps to stop between.
const ASSETS = 1200;

async function projectWith(s: TestServer, token: string, n: number): Promise<Container> {
  const id = await newProject(s, token);
  const c: Container = { kind: 'project', id, q: `project_id=${id}` };
  const db = s.built.ctx.store.db as any;
  const now = Date.now();
  // Rows written straight to the database: the HTTP create path is not what these tests are about.
  const rows = Array.from({ length: n }, (_, i) => {
    const at = new Date(now + i).toISOString();
    return {
      asset_id: crypto.randomUUID(),
      container_kind: 'project',
      container_id: id,
      asset_type: 'script',
      name: `script ${String(i).padStart(4, '0')}`,
      name_lc: `script ${String(i).padStart(4, '0')}`,
      description: '',
      description_lc: '',
      tags: '[]',
      owner_id: 'IBMid-x',
      creator_id: 'IBMid-x',
      created_at: at,
      updated_at: at,
      asset_state: 'available',
      asset_category: 'USER',
      origin_country: null,
      version: 0,
      rov: '{}',
      usage: '{}',
      entity: JSON.stringify({ n: i }),
    };
  });
  for (let i = 0; i < rows.length; i += 100)
    await db
      .insertInto('assets')
      .values(rows.slice(i, i + 100))
      .execute();
  await assetWithAttachments(s, token, c, { name: 'zz data' }, {}, [crypto.randomBytes(50_000)]);
  return c;
}

const state = (s: TestServer, url: string, token: string) =>
  s.call('GET', url, { token }).then((r) => r.body);

describe('exports and imports across a server restart', () => {
  it('an export and an import in the middle are resumed by the next server and complete', async () => {
    setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '400' });
    let first: TestServer | undefined;
    let second: TestServer | undefined;
    try {
      first = await startTestServer();
      const c = await projectWith(first, first.adminToken, ASSETS);
      const exp = await first.call('POST', `/v2/asset_exports?${c.q}`, {
        body: { assets: { all_assets: true } },
      });
      expect(exp.status, exp.text).toBe(200);
      const expUrl = `/v2/asset_exports/${exp.body.metadata.id}?${c.q}`;
      const mid = await eventually(
        () => state(first!, expUrl, first!.adminToken),
        (b) => b.entity.status.state === 'in_progress',
        20_000,
      );
      expect(mid.entity.status.state).toBe('in_progress');
      await first.close({ keepData: true });
      const database = first.database;
      first = undefined;

      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      second = await startTestServer({}, { database });
      const done = await settled(second, expUrl, second.adminToken);
      expect(done.entity.status).toMatchObject({
        state: 'completed',
        progress: { assets: ASSETS + 1, attachments: 1 },
      });
      const zip = await download(second, exp.body.metadata.id, c, second.adminToken);
      const manifest = JSON.parse((await unzip(zip)).get('manifest.json')!.toString());
      expect(manifest.assets).toHaveLength(ASSETS + 1);

      // now an import, stopped in the middle
      await second.close({ keepData: true });
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '400' });
      second = await startTestServer({}, { database });
      const target = await newProject(second, second.adminToken);
      const t: Container = { kind: 'project', id: target, q: `project_id=${target}` };
      const imp = await postImport(second, t, zip, { token: second.adminToken, raw: true });
      expect(imp.status, imp.text).toBe(200);
      const impUrl = `/v2/asset_imports/${imp.body.metadata.id}?${t.q}`;
      await eventually(
        () => state(second!, impUrl, second!.adminToken),
        (b) => b.entity.status.progress.assets > 0,
        20_000,
      );
      await second.close({ keepData: true });
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      second = await startTestServer({}, { database });
      const imported = await settled(second, impUrl, second.adminToken);
      expect(imported.entity.status).toMatchObject({ state: 'completed', progress: { assets: ASSETS + 1 } });
      const rows = await storedAssets(second, t);
      expect(rows).toHaveLength(ASSETS + 1);
      expect(new Set(rows.map((r: any) => r.name)).size).toBe(ASSETS + 1);
      expect(await countRows(second, 'asset_attachments')).toBe(2);
    } finally {
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      await first?.close();
      await second?.close();
    }
  }, 300_000);

  it('a transfer whose lease a dead server holds is taken over once the lease expires', async () => {
    setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '400' });
    let first: TestServer | undefined;
    let second: TestServer | undefined;
    try {
      first = await startTestServer();
      const c = await projectWith(first, first.adminToken, ASSETS);
      const exp = await first.call('POST', `/v2/asset_exports?${c.q}`, {
        body: { assets: { all_assets: true } },
      });
      const url = `/v2/asset_exports/${exp.body.metadata.id}?${c.q}`;
      await eventually(
        () => state(first!, url, first!.adminToken),
        (b) => b.entity.status.state === 'in_progress',
        20_000,
      );
      // as if another server had taken it and died: this one loses the lease and stops
      await (first.built.ctx.store.db as any)
        .updateTable('asset_transfers')
        .set({ lease_owner: 'a-server-that-died', lease_until: new Date(Date.now() + 1500).toISOString() })
        .execute();
      await first.close({ keepData: true });
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined, ASSET_TRANSFER_LEASE_SECONDS: '1' });
      second = await startTestServer({}, { database: first.database });
      first = undefined;
      const done = await settled(second, url, second.adminToken);
      expect(done.entity.status).toMatchObject({ state: 'completed', progress: { assets: ASSETS + 1 } });
    } finally {
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined, ASSET_TRANSFER_LEASE_SECONDS: undefined });
      await first?.close();
      await second?.close();
    }
  }, 300_000);
});

describe('cancelling a running transfer', () => {
  it('an export stops and keeps no content; an import stops and no asset of it stays', async () => {
    setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '300' });
    let s: TestServer | undefined;
    try {
      s = await startTestServer();
      const c = await projectWith(s, s.adminToken, ASSETS);
      const blobs = await countRows(s, 'blobs');
      const exp = await s.call('POST', `/v2/asset_exports?${c.q}`, {
        body: { assets: { all_assets: true } },
      });
      const url = `/v2/asset_exports/${exp.body.metadata.id}?${c.q}`;
      await eventually(
        () => state(s!, url, s!.adminToken),
        (b) => b.entity.status.state === 'in_progress',
        20_000,
      );
      const cancel = await s.call('DELETE', url);
      expect(cancel.status, cancel.text).toBe(200);
      expect((await state(s, url, s.adminToken)).entity.status.state).toBe('cancelled');
      const content = await s.call('GET', `/v2/asset_exports/${exp.body.metadata.id}/content?${c.q}`);
      expect(content.status).toBe(400);
      expect(content.body.errors[0].message).toMatch(/is cancelled/);
      await eventually(
        () => countRows(s!, 'blobs'),
        (n) => n === blobs,
        60_000,
      );
      expect(await countRows(s, 'blobs')).toBe(blobs);

      // an import: export quickly first (no delay would be nicer; a small zip is enough here)
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      const small = await s.call('POST', `/v2/asset_exports?${c.q}`, {
        body: { assets: { all_assets: true } },
      });
      await settled(s, `/v2/asset_exports/${small.body.metadata.id}?${c.q}`, s.adminToken);
      const zip = await download(s, small.body.metadata.id, c, s.adminToken);
      await s.close({ keepData: true });
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: '300' });
      s = await startTestServer({}, { database: s.database });
      const target = await newProject(s, s.adminToken);
      const t: Container = { kind: 'project', id: target, q: `project_id=${target}` };
      const imp = await postImport(s, t, zip, { token: s.adminToken, raw: true });
      const impUrl = `/v2/asset_imports/${imp.body.metadata.id}?${t.q}`;
      await eventually(
        () => state(s!, impUrl, s!.adminToken),
        (b) => b.entity.status.progress.assets > 0,
        20_000,
      );
      const hard = await s.call('DELETE', `${impUrl}&hard_delete=true`);
      expect(hard.status, hard.text).toBe(200);
      expect((await s.call('GET', impUrl)).status).toBe(404);
      const gone = await eventually(
        () => countRows(s!, 'asset_transfers'),
        (n) => n === 2,
        90_000,
      );
      expect(gone).toBe(2);
      expect(await storedAssets(s, t)).toEqual([]);
    } finally {
      setEnv({ ASSET_TRANSFER_STEP_DELAY_MS: undefined });
      await s?.close();
    }
  }, 300_000);
});
