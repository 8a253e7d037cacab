import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, TEST_DB, type TestDatabase } from '../helpers/server.ts';
import { client, newKeys, newUser, serverEnv, sleep, spawnServer, tokenOf } from './helpers.ts';

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

    await server.stop();
    const log = server.output();
    // The log (at debug level, so everything the server logs) saw every request above.
    expect(log).toContain('incoming request');
    expect(log).toContain('/codeengine/v2/projects/');
    const stored = await databaseText(database);
    expect(stored.length).toBeGreaterThan(1000);
    const leaks = Object.entries(planted).flatMap(([label, value]) => [
      ...(log.includes(value) ? [`${label} in the log`] : []),
      ...(stored.includes(value) ? [`${label} in the database`] : []),
    ]);
    // The scan finds what is there: names that are not secret are in both.
    expect(log).toContain(projectId);
    expect(stored).toContain(user.username);
    expect(leaks).toEqual([]);
    console.log(
      `secret hygiene (${TEST_DB}): ${Object.keys(planted).length} planted secrets, none in ` +
        `${(log.length / 1024).toFixed(0)} KB of debug log nor ${(stored.length / 1024).toFixed(0)} KB of database`,
    );
  }, 300_000);
});
