import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetTransferHooksOf } from '../../packages/server/src/areas/assets/transfer-hooks.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { createWorld, type World } from '../assets/helpers.ts';
import { createConnection, expectConnError, PG, pgConnection } from './helpers.ts';

// a small blob limit for this server, to reach the 413 without sending much
process.env.BLOB_MAX_BYTES = String(256 * 1024);

let s: TestServer;
let w: World;
let other: TestUser;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  other = w.outsider;
});
afterAll(async () => s?.close());

async function upload(name: string, body: Buffer | string, token = w.editor.token) {
  const res = await fetch(`${s.url}/v2/connections/files/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('connection files', () => {
  it('uploads, lists, downloads (by hash or latest) and deletes, streamed through blob storage', async () => {
    const v1 = crypto.randomBytes(200 * 1024);
    const up1 = await upload('driver.jar', v1);
    expect(up1.status, JSON.stringify(up1.body)).toBe(200);
    expect(up1.body).toMatchObject({
      fileName: 'driver.jar',
      size: v1.length,
      digest: crypto.createHash('sha256').update(v1).digest('hex'),
    });
    expect(up1.headers.get('location')).toBe(up1.body.url);
    const up2 = await upload('driver.jar', 'second version');
    expect(up2.body.hash).not.toBe(up1.body.hash);

    const list = await s.call('GET', '/v2/connections/files?limit=10', { token: other.token });
    expect(list.status, list.text).toBe(200);
    expect(list.body.total_count).toBe(2);
    expect(list.body.resources.map((r: any) => r.hash)).toEqual([up2.body.hash, up1.body.hash]);
    const paged = await s.call('GET', '/v2/connections/files?limit=1&offset=1', { token: other.token });
    expect(paged.body.resources.map((r: any) => r.hash)).toEqual([up1.body.hash]);

    const old = await fetch(`${s.url}${up1.body.url}`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(old.status).toBe(200);
    expect(old.headers.get('content-type')).toBe('application/java-archive');
    expect(Buffer.from(await old.arrayBuffer()).equals(v1)).toBe(true);
    const latest = await fetch(`${s.url}/v2/connections/files/driver.jar`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(await latest.text()).toBe('second version');
    expectConnError(
      await s.call('GET', '/v2/connections/files/driver.jar?hash=nope', { token: other.token }),
      404,
    );
    expectConnError(await s.call('GET', '/v2/connections/files/missing.jar', { token: other.token }), 404);
    expectConnError(await s.call('GET', '/v2/connections/files/driver.jar', { token: null }), 401);

    expectConnError(
      await s.call('DELETE', `/v2/connections/files/driver.jar?hash=${up1.body.hash}`, {
        token: other.token,
      }),
      403,
    );
    expect(
      (
        await s.call('DELETE', `/v2/connections/files/driver.jar?hash=${up1.body.hash}`, {
          token: w.editor.token,
        })
      ).status,
    ).toBe(204);
    expectConnError(await s.call('GET', `${up1.body.url}`, { token: other.token }), 404);
    expect((await s.call('DELETE', '/v2/connections/files/driver.jar', { token: s.adminToken })).status).toBe(
      204,
    );
    expectConnError(await s.call('DELETE', '/v2/connections/files/driver.jar', { token: s.adminToken }), 404);
    const left = await sql<{ n: number }>`select count(*) as n from blobs`.execute(s.built.ctx.store.db);
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it('refuses bad names, other media types and files over the limit (413), keeping nothing', async () => {
    expectConnError((await upload('..%2Fetc%2Fpasswd', 'x')) as any, 400);
    expectConnError((await upload('.hidden', 'x')) as any, 400);
    const big = await upload('big.bin', crypto.randomBytes(300 * 1024));
    expect(big.status).toBe(413);
    const text = await fetch(`${s.url}/v2/connections/files/a.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.editor.token}`, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
    const files = await sql<{ n: number }>`select count(*) as n from connection_files`.execute(
      s.built.ctx.store.db,
    );
    expect(Number(files.rows[0].n)).toBe(0);
  });

  it('migrate points connections at the uploaded file (administrators only; list_only changes nothing)', async () => {
    const up = await upload('cert.pem', '-----BEGIN CERTIFICATE-----');
    const c = w.containers.project;
    const { metadata } = await createConnection(
      s,
      w.editor.token,
      c,
      pgConnection('with cert', { properties: { ...PG, ssl_certificate: '/v2/connections/files/cert.pem' } }),
    );
    expectConnError(await s.call('PUT', '/v2/connections/files', { token: w.editor.token }), 403);
    const listed = await s.call('PUT', '/v2/connections/files?list_only=true', { token: s.adminToken });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.resources).toEqual([
      expect.objectContaining({
        connection_id: metadata.asset_id,
        property: 'ssl_certificate',
        to: up.body.url,
        migrated: false,
      }),
    ]);
    const url = `/v2/connections/${metadata.asset_id}?${c.q}`;
    expect((await s.call('GET', url, { token: w.viewer.token })).body.entity.properties.ssl_certificate).toBe(
      '/v2/connections/files/cert.pem',
    );
    const none = await s.call('PUT', '/v2/connections/files?spaces=true', { token: s.adminToken });
    expect(none.body.resources).toEqual([]);
    const done = await s.call('PUT', '/v2/connections/files?projects=true', { token: s.adminToken });
    expect(done.body.total_count).toBe(1);
    expect((await s.call('GET', url, { token: w.viewer.token })).body.entity.properties.ssl_certificate).toBe(
      up.body.url,
    );
    expect((await s.call('PUT', '/v2/connections/files', { token: s.adminToken })).body.total_count).toBe(0);
  });
});

describe('exports and imports of connections (transfer hooks)', () => {
  /** An export's cipher: AES-256-GCM under a key of the export's own. */
  const cipherOf = (key: Buffer) => ({
    seal(value: unknown) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(JSON.stringify(value)), c.final()]);
      return [iv, c.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
    },
    open(sealed: string) {
      const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64'));
      const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      return JSON.parse(Buffer.concat([d.update(body), d.final()]).toString());
    },
  });

  it('exports seal secrets with the export cipher or leave them out; imports reseal them with the server key', async () => {
    const c = w.containers.project;
    const marker = 'export-marker-pw-771';
    const { metadata } = await createConnection(
      s,
      w.editor.token,
      c,
      pgConnection('exported', { properties: { ...PG, password: marker } }),
    );
    const row = await sql<{
      entity: string;
    }>`select entity from assets where asset_id = ${metadata.asset_id}`.execute(s.built.ctx.store.db);
    const entity = JSON.parse(row.rows[0].entity);
    const hooks = assetTransferHooksOf('connection')!;
    const ctx = s.built.ctx;

    const bare = hooks.exportEntity(ctx, entity);
    expect(JSON.stringify(bare)).not.toContain(marker);
    expect(bare.secrets).toBeUndefined();
    expect((bare.properties as any).host).toBe(PG.host);

    const cipher = cipherOf(crypto.randomBytes(32));
    const sealed = hooks.exportEntity(ctx, entity, cipher);
    expect(JSON.stringify(sealed)).not.toContain(marker);
    expect(cipher.open((sealed.secrets as any).shared)).toEqual({ password: marker });

    const imported = hooks.importEntity(ctx, sealed, cipher);
    const shared = (imported.secrets as any).shared as string;
    expect(shared).toMatch(/^v1\./);
    expect(ctx.secrets.open(shared)).toEqual({ password: marker });
    expect(hooks.importEntity(ctx, sealed).secrets).toBeUndefined();
    expect(hooks.importEntity(ctx, sealed, cipherOf(crypto.randomBytes(32))).secrets).toBeUndefined();
  });
});
