import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, TEST_DB, type TestServer, type TestUser } from '../helpers/server.ts';
import { CE, VERSION, activeProject, expectCodeEngineError, startCodeEngineServer } from './helpers.ts';

const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const TLS_CERT = fixture('tls-cert.pem');
const TLS_KEY = fixture('tls-key.pem');
const OTHER_KEY = fixture('other-key.pem');
const SSH_KEY = crypto
  .generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

let s: TestServer;
let other: TestUser;
let base: string;

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-other');
  const p = await activeProject(s, 'secrets-project');
  base = `${CE}/projects/${p.id}/secrets`;
});
afterAll(() => s.close());

/** Valid create bodies, one per format the caller gives data for. */
const VALID: Record<string, any> = {
  generic: { format: 'generic', data: { API_TOKEN: 'generic-value' } },
  ssh_auth: { format: 'ssh_auth', data: { ssh_key: SSH_KEY, known_hosts: 'github.com ssh-ed25519 AAAA' } },
  basic_auth: { format: 'basic_auth', data: { username: 'alice', password: 'pw-basic' } },
  hmac_auth: { format: 'hmac_auth', data: { access_key_id: 'AKID', secret_access_key: 'hmac-secret' } },
  registry: {
    format: 'registry',
    data: { server: 'us.icr.io', username: 'iamapikey', password: 'pw-registry', email: 'a@example.com' },
  },
  tls: { format: 'tls', data: { tls_cert: TLS_CERT, tls_key: TLS_KEY } },
  other: { format: 'other', data: { anything: 'goes' } },
};

const RESOURCE_TYPES: Record<string, string> = {
  generic: 'secret_generic_v2',
  ssh_auth: 'secret_auth_ssh_v2',
  basic_auth: 'secret_basic_auth_v2',
  hmac_auth: 'secret_hmac_auth_v2',
  registry: 'secret_registry_v2',
  tls: 'secret_tls_v2',
  other: 'secret_other_v2',
  service_access: 'secret_service_access_v2',
  service_operator: 'secret_operator_v2',
};

describe('secrets', () => {
  it('creates a secret of every format with data, and reads it back', async () => {
    for (const [format, body] of Object.entries(VALID)) {
      const name = `s-${format.replace('_', '-')}`;
      const res = await s.call('POST', `${base}?version=${VERSION}`, { body: { name, ...body } });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        name,
        format,
        data: body.data,
        generated_by: 'user',
        resource_type: RESOURCE_TYPES[format],
        region: 'local',
      });
      expect(res.headers.get('etag')).toBe(res.body.entity_tag);
      const got = await s.call('GET', `${base}/${name}`);
      expect(got.body).toEqual(res.body);
    }
  });

  it('creates service_access and service_operator secrets with generated data', async () => {
    const sa = await s.call('POST', base, {
      body: { name: 'sa', format: 'service_access', service_access: { service_instance: { id: 'inst-1' } } },
    });
    expect(sa.status, sa.text).toBe(201);
    expect(sa.body.resource_type).toBe('secret_service_access_v2');
    expect(sa.body.service_access.service_instance).toEqual({ id: 'inst-1', type: 'service_instance' });
    expect(sa.body.service_access.role.crn).toBe('crn:v1:bluemix:public:iam::::serviceRole:Writer');
    expect(sa.body.service_access.serviceid.crn).toMatch(/^crn:v1:bluemix:public:iam-identity::a\//);
    expect(typeof sa.body.data.apikey).toBe('string');
    expect(sa.body.data.resource_instance_id).toBe('inst-1');

    const so = await s.call('POST', base, {
      body: {
        name: 'so',
        format: 'service_operator',
        service_operator: { resource_group_ids: ['rg1'], serviceid: { id: 'ServiceId-x' } },
      },
    });
    expect(so.status, so.text).toBe(201);
    expect(so.body.resource_type).toBe('secret_operator_v2');
    expect(so.body.service_operator).toMatchObject({
      resource_group_ids: ['rg1'],
      user_managed: true,
      serviceid: { id: 'ServiceId-x' },
    });
    expect(so.body.service_operator.apikey_id).toMatch(/^ApiKey-/);

    // Data is the service's for these formats; service props belong to their own format.
    const cases = [
      {
        name: 'sa2',
        format: 'service_access',
        service_access: { service_instance: { id: 'i' } },
        data: { a: 'b' },
      },
      { name: 'sa3', format: 'service_access' },
      { name: 'sa4', format: 'service_access', service_access: { service_instance: {} } },
      { name: 'g2', format: 'generic', service_access: { service_instance: { id: 'i' } } },
      { name: 'g3', format: 'generic', service_operator: {} },
    ];
    for (const body of cases) expectCodeEngineError(await s.call('POST', base, { body }), 400);
    for (const body of cases) expectCodeEngineError(await s.call('GET', `${base}/${body.name}`), 404);
  });

  it('refuses data that does not fit the format (400), naming the field', async () => {
    // A null field: the contract's per-format schema refuses it before the service looks.
    const bad: [any, string | null][] = [
      [{ format: 'ssh_auth', data: {} }, null],
      [{ format: 'ssh_auth', data: { ssh_key: 'not a key' } }, 'data.ssh_key'],
      [{ format: 'basic_auth', data: { username: 'u' } }, null],
      [{ format: 'basic_auth', data: { username: '', password: 'p' } }, 'data.username'],
      [{ format: 'hmac_auth', data: { access_key_id: 'a' } }, null],
      [
        { format: 'hmac_auth', data: { access_key_id: 'a', secret_access_key: ' ' } },
        'data.secret_access_key',
      ],
      [{ format: 'registry', data: { server: 'us.icr.io', username: 'u' } }, null],
      [{ format: 'registry', data: { server: 'us.icr.io', username: 'u', password: '' } }, 'data.password'],
      [{ format: 'registry', data: { server: 'not a host', username: 'u', password: 'p' } }, 'data.server'],
      [
        { format: 'registry', data: { server: 'r.io', username: 'u', password: 'p', email: 'x' } },
        'data.email',
      ],
      [{ format: 'tls', data: { tls_cert: 'nope', tls_key: TLS_KEY } }, 'data.tls_cert'],
      [{ format: 'tls', data: { tls_cert: TLS_CERT, tls_key: 'nope' } }, 'data.tls_key'],
      [{ format: 'tls', data: { tls_cert: TLS_CERT, tls_key: OTHER_KEY } }, 'data.tls_key'],
      [{ format: 'tls', data: { tls_cert: TLS_CERT } }, null],
    ];
    for (const [body, field] of bad) {
      const err = expectCodeEngineError(
        await s.call('POST', base, { body: { name: 'bad-one', ...body } }),
        400,
      );
      if (field) expect(err.target, JSON.stringify(body)).toEqual({ type: 'field', name: field });
    }
    // The contract's own checks: unknown format, missing format, non-string values, bad names.
    for (const body of [
      { name: 'x', format: 'weird' },
      { name: 'x' },
      { name: 'x', format: 'generic', data: { k: 1 } },
      { name: 'Bad_Name', format: 'generic' },
      { format: 'generic' },
    ]) {
      expectCodeEngineError(await s.call('POST', base, { body }), 400);
    }
    expectCodeEngineError(await s.call('GET', `${base}/bad-one`), 404);
  });

  it('refuses a duplicate name (409)', async () => {
    await s.call('POST', base, { body: { name: 'dup', format: 'generic', data: { a: '1' } } });
    const dup = await s.call('POST', base, { body: { name: 'dup', format: 'generic', data: { a: '2' } } });
    expectCodeEngineError(dup, 409);
    expect((await s.call('GET', `${base}/dup`)).body.data).toEqual({ a: '1' });
  });

  it('replaces under If-Match: 412 when stale, 400 when the format changes, 404 unknown', async () => {
    const created = await s.call('POST', base, {
      body: { name: 'rep', format: 'basic_auth', data: { username: 'u', password: 'p1' } },
    });
    const tag = created.body.entity_tag;
    const ok = await s.call('PUT', `${base}/rep?version=${VERSION}`, {
      body: { format: 'basic_auth', data: { username: 'u', password: 'p2' } },
      headers: { 'if-match': tag },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ username: 'u', password: 'p2' });
    expect(ok.body.entity_tag).not.toBe(tag);
    expect(ok.headers.get('etag')).toBe(ok.body.entity_tag);

    const stale = await s.call('PUT', `${base}/rep`, {
      body: { format: 'basic_auth', data: { username: 'u', password: 'p3' } },
      headers: { 'if-match': tag },
    });
    expectCodeEngineError(stale, 412);
    const format = await s.call('PUT', `${base}/rep`, {
      body: { format: 'generic', data: { a: 'b' } },
      headers: { 'if-match': '*' },
    });
    expect(expectCodeEngineError(format, 400).target).toEqual({ type: 'field', name: 'format' });
    const invalid = await s.call('PUT', `${base}/rep`, {
      body: { format: 'basic_auth', data: { username: 'u' } },
      headers: { 'if-match': '*' },
    });
    expectCodeEngineError(invalid, 400);
    expectCodeEngineError(await s.call('PUT', `${base}/rep`, { body: { format: 'basic_auth' } }), 400);
    expect((await s.call('GET', `${base}/rep`)).body.data).toEqual({ username: 'u', password: 'p2' });
    const unknown = await s.call('PUT', `${base}/nope`, {
      body: { format: 'generic' },
      headers: { 'if-match': '*' },
    });
    expectCodeEngineError(unknown, 404);
  });

  it('lists with the format filter and pages', async () => {
    const p = await activeProject(s, 'secret-list');
    const url = `${CE}/projects/${p.id}/secrets`;
    for (const n of ['g-b', 'g-a', 'g-c'])
      await s.call('POST', url, { body: { name: n, format: 'generic' } });
    await s.call('POST', url, { body: { name: 'b-a', ...VALID.basic_auth } });
    const generic = await s.call('GET', `${url}?format=generic&limit=2`);
    expect(generic.body.secrets.map((x: any) => x.name)).toEqual(['g-a', 'g-b']);
    expect(generic.body.first.href).toContain('format=generic');
    expect(generic.body.next.href).toContain('format=generic');
    const rest = await s.call('GET', `${url}?format=generic&limit=2&start=${generic.body.next.start}`);
    expect(rest.body.secrets.map((x: any) => x.name)).toEqual(['g-c']);
    const all = await s.call('GET', url);
    expect(all.body.secrets.map((x: any) => x.name)).toEqual(['b-a', 'g-a', 'g-b', 'g-c']);
    expectCodeEngineError(await s.call('GET', `${url}?format=other`), 400);
  });

  it('deletes (202), then 404; other users see nothing', async () => {
    await s.call('POST', base, { body: { name: 'gone', format: 'generic', data: { a: '1' } } });
    expectCodeEngineError(await s.call('GET', `${base}/gone`, { token: other.token }), 404);
    expectCodeEngineError(await s.call('DELETE', `${base}/gone`, { token: other.token }), 404);
    expect((await s.call('DELETE', `${base}/gone`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${base}/gone`), 404);
    expectCodeEngineError(await s.call('DELETE', `${base}/gone`), 404);
  });

  it('stores secret data sealed, never in clear', async () => {
    const marker = `marker-${crypto.randomBytes(8).toString('hex')}`;
    const res = await s.call('POST', base, {
      body: { name: 'sealed', format: 'generic', data: { TOKEN: marker, [`${marker}-key`]: 'v' } },
    });
    expect(res.status).toBe(201);
    expect((await s.call('GET', `${base}/sealed`)).body.data.TOKEN).toBe(marker);
    if (TEST_DB === 'postgres') {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      const schema = s.built.ctx.config.databaseSchema;
      const rows = await c.query(`select * from ${schema}.ce_resources where name = 'sealed'`);
      await c.end();
      expect(rows.rows).toHaveLength(1);
      expect(JSON.stringify(rows.rows)).not.toContain(marker);
      expect(rows.rows[0].sealed).toMatch(/^v1\./);
    } else {
      const dir = s.built.ctx.config.dataDir;
      // Push the WAL into the main file too; then no database file may hold the value.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(s.built.ctx.store.db);
      for (const file of fs.readdirSync(dir)) {
        const bytes = fs.readFileSync(path.join(dir, file));
        expect(bytes.includes(Buffer.from(marker)), file).toBe(false);
      }
      const keyFile = path.join(dir, 'secrets.key');
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    }
  });
});
