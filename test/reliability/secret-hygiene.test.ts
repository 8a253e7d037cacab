import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createTestDatabase, TEST_DATABASE_URL, TEST_DB, type TestDatabase } from '../helpers/server.ts';
import {
  client,
  createProject,
  downloadExport,
  newKeys,
  newUser,
  postImport,
  serverEnv,
  sleep,
  spawnServer,
  tokenOf,
  waitFor,
} from './helpers.ts';

/**
 * Secret hygiene: known secrets planted through the API (Code Engine secret data, a user's API key,
 * a project token, access tokens in Authorization headers) never appear in clear text in the
 * server's log at debug level, nor anywhere in the database (every file of the SQLite directory,
 * every row of every PostgreSQL table). Export archives and connection passwords: see RELIABILITY.md.
 */
const CE = '/codeengine/v2';
const VERSION = 'version=2025-01-10';

let database: TestDatabase | undefined;
afterAll(async () => database?.drop());

/** Every byte the database holds, as text: the files of the SQLite directory, or every PostgreSQL row. */
async function databaseText(db: TestDatabase): Promise<string> {
  if (db.config.dataDir) {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(db.config.dataDir);
    // latin1 keeps every byte, so a secret stored in clear anywhere (pages, WAL, blobs) shows up.
    return files.map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
  }
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    const tables = await c.query(`select table_name from information_schema.tables where table_schema = $1`, [
      db.config.databaseSchema,
    ]);
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await c.query(
        `select row_to_json(t)::text as j from ${db.config.databaseSchema}."${table_name}" t`,
      );
      parts.push(...rows.rows.map((r) => r.j as string));
    }
    return parts.join('\n');
  } finally {
    await c.end();
  }
}

describe(`secret hygiene (${TEST_DB})`, () => {
  it('never writes a planted secret in clear text to the log or the database', async () => {
    database = await createTestDatabase();
    const keys = newKeys();
    const server = await spawnServer({ ...serverEnv(database, keys), LOG_LEVEL: 'debug' });
    const adminToken = await tokenOf(server.url, keys.adminKey);
    const admin = client(server.url, adminToken);
    const planted: Record<string, string> = {
      'admin API key': keys.adminKey,
      'admin access token': adminToken,
    };

    const user = await newUser(server.url, adminToken, 'hygiene');
    planted['user API key'] = user.apikey;
    planted['user access token'] = user.token;

    const project = await admin('POST', '/transactional/v2/projects', {
      name: 'hygiene',
      generator: 'reliability',
      storage: { type: 'assetfiles' },
    });
    expect(project.status, project.text).toBe(201);
    const projectId = project.body.location.split('/').pop();
    const issued = await admin('POST', `/v2/projects/${projectId}/tokens`, {
      name: 'hygiene',
      scopes: [{ audience: 'project', guid: projectId, role: 'editor' }],
    });
    expect(issued.status, issued.text).toBe(201);
    planted['project token'] = issued.body.token;
    // The project token is used, so it passes through the authenticator and the request log.
    expect((await client(server.url, issued.body.token)('GET', `/v2/projects/${projectId}`)).status).toBe(
      200,
    );

    const ce = await admin('POST', `${CE}/projects?${VERSION}`, { name: 'hygiene' });
    expect(ce.status, ce.text).toBe(202);
    await sleep(500);
    const secrets: [string, string, Record<string, unknown>][] = [
      ['generic', 'generic secret value', { api_token: `planted-${crypto.randomBytes(12).toString('hex')}` }],
      [
        'basic_auth',
        'basic auth password',
        { username: 'someone', password: `planted-${crypto.randomBytes(12).toString('hex')}` },
      ],
      [
        'registry',
        'registry password',
        {
          server: 'icr.io',
          username: 'iamapikey',
          password: `planted-${crypto.randomBytes(12).toString('hex')}`,
        },
      ],
    ];
    for (const [format, label, data] of secrets) {
      const name = `hygiene-${format.replace('_', '-')}`;
      const res = await admin('POST', `${CE}/projects/${ce.body.id}/secrets?${VERSION}`, {
        name,
        format,
        data,
      });
      expect(res.status, res.text).toBe(201);
      planted[label] = (data.api_token ?? data.password) as string;
      // Read back and updated too, so the value passes through every path that handles it.
      const read = await admin('GET', `${CE}/projects/${ce.body.id}/secrets/${name}?${VERSION}`);
      expect(read.status).toBe(200);
    }

    // Connections of the project: a shared password set on create, another one set by a patch, and
    // a personal one (credentials of the caller only).
    const conn = (name: string, password: string, extra: Record<string, unknown> = {}) =>
      admin('POST', `/v2/connections?project_id=${projectId}&test=false`, {
        datasource_type: 'postgresql',
        name,
        properties: { host: '127.0.0.1', port: '5432', database: 'test', username: 'postgres', password },
        ...extra,
      });
    const pw = () => `planted-pw-${crypto.randomBytes(12).toString('hex')}`;
    planted['connection password'] = pw();
    const shared = await conn('hygiene shared', planted['connection password']);
    expect(shared.status, shared.text).toBe(201);
    planted['patched connection password'] = pw();
    const patched = await admin(
      'PATCH',
      `/v2/connections/${shared.body.metadata.asset_id}?project_id=${projectId}&test=false`,
      [{ op: 'replace', path: '/properties/password', value: planted['patched connection password'] }],
      { 'content-type': 'application/json-patch+json' },
    );
    expect(patched.status, patched.text).toBe(200);
    planted['personal connection password'] = pw();
    const personal = await conn('hygiene personal', planted['personal connection password'], {
      flags: ['personal_credentials'],
    });
    expect(personal.status, personal.text).toBe(201);

    // Exports of that project, without and with an encryption key (which is a secret too), and an
    // import of the keyed one, so that the passwords pass through export and import.
    planted['export encryption key'] = `planted-key-${crypto.randomBytes(12).toString('hex')}`;
    const zips: Buffer[] = [];
    for (const key of [undefined, planted['export encryption key']]) {
      const started = await admin('POST', `/v2/asset_exports?project_id=${projectId}`, {
        assets: { all_assets: true },
        ...(key ? { encryption_key: key } : {}),
      });
      expect(started.status, started.text).toBe(200);
      const id = started.body.metadata.id;
      const done = await waitFor(
        async () => {
          const r = await admin('GET', `/v2/asset_exports/${id}?project_id=${projectId}`);
          return ['pending', 'in_progress'].includes(r.body.entity.status.state) ? undefined : r.body;
        },
        120_000,
        'the export',
      );
      expect(done.entity.status.state, JSON.stringify(done)).toBe('completed');
      zips.push(await downloadExport(server.url, adminToken, projectId, id));
    }
    const target = await createProject(server.url, adminToken, 'hygiene import');
    const imported = await postImport(
      server.url,
      adminToken,
      target,
      zips[1],
      planted['export encryption key'],
    );
    expect(imported.status, imported.text).toBe(200);
    await waitFor(
      async () => {
        const r = await admin('GET', `/v2/asset_imports/${imported.body.metadata.id}?project_id=${target}`);
        return r.body.entity.status.state === 'completed' ? r : undefined;
      },
      120_000,
      'the import',
    );
    // The import worked: the shared password came back in the target project (sealed with the key).
    const back = await admin('GET', `/v2/connections?project_id=${target}`);
    expect(JSON.stringify(back.body)).toContain(planted['patched connection password']);
    const entries = (await Promise.all(zips.map(unzip))).flat();

    await server.stop();
    const log = server.output();
    // The log (at debug level, so everything the server logs) saw every request above.
    expect(log).toContain('incoming request');
    expect(log).toContain('/codeengine/v2/projects/');
    const stored = await databaseText(database);
    expect(stored.length).toBeGreaterThan(1000);
    const archived = entries.map((e) => e.data.toString('latin1')).join('\n');
    const leaks = Object.entries(planted).flatMap(([label, value]) => [
      ...(log.includes(value) ? [`${label} in the log`] : []),
      ...(stored.includes(value) ? [`${label} in the database`] : []),
      ...(archived.includes(value) ? [`${label} in an export zip`] : []),
    ]);
    // The scan finds what is there: names that are not secret are in all three.
    expect(log).toContain(projectId);
    expect(stored).toContain(user.username);
    expect(archived).toContain('hygiene shared');
    expect(leaks).toEqual([]);
    console.log(
      `secret hygiene (${TEST_DB}): ${Object.keys(planted).length} planted secrets, none in ` +
        `${(log.length / 1024).toFixed(0)} KB of debug log, ${(stored.length / 1024).toFixed(0)} KB of database ` +
        `nor ${entries.length} entries of 2 export zips`,
    );
  }, 300_000);
});

/** Every entry of a zip, inflated: a secret in clear text inside a compressed entry shows only so. */
function unzip(zip: Buffer): Promise<{ name: string; data: Buffer }[]> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const out: { name: string; data: Buffer }[] = [{ name: '(raw zip)', data: zip }];
      file.on('entry', (entry: yauzl.Entry) =>
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => {
            out.push({ name: entry.fileName, data: Buffer.concat(parts) });
            file.readEntry();
          });
        }),
      );
      file.on('end', () => resolve(out));
      file.readEntry();
    }),
  );
}
