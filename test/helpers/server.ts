import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildServer, type BuiltServer } from '../../packages/server/src/app.ts';
import { loadConfig, type ServerConfig } from '../../packages/server/src/platform/config.ts';

/** The database the suite runs on: `TEST_DB=sqlite` (default) or `TEST_DB=postgres`. */
export const TEST_DB = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
/** Point the PostgreSQL run at another server with TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** Raw body text; sent as is. */
  raw?: string;
  headers?: Record<string, string>;
  contentType?: string;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface TestUser {
  id: string;
  iam_id: string;
  username: string;
  apikey: string;
  token: string;
}

/** A test database: a temp dir (SQLite) or a schema (PostgreSQL), and how to remove it. */
export interface TestDatabase {
  config: Partial<ServerConfig>;
  drop(): Promise<void>;
}

export interface StartOptions {
  /** Start on this existing database (e.g. `previous.database`) instead of a fresh one. */
  database?: TestDatabase;
}

export interface TestServer {
  url: string;
  /** The database under this server; hand it to another `startTestServer` to restart on it. */
  database: TestDatabase;
  built: BuiltServer;
  adminKey: string;
  adminToken: string;
  call<T = any>(method: string, urlPath: string, opts?: CallOptions): Promise<CallResult<T>>;
  /** Exchanges an API key for an access token at the IAM-compatible endpoint. */
  tokenFor(apikey: string): Promise<string>;
  /** Creates a user with an API key and a token, through the admin API. */
  createUser(prefix?: string): Promise<TestUser>;
  /** Stops the server and removes its database, unless `keepData` (to start again on it). */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** A fresh, empty database for one test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DB === 'postgres') {
    const schema = 't_' + crypto.randomBytes(6).toString('hex');
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    return {
      config: { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema },
      async drop() {
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-test-'));
  return {
    config: { dataDir: dir, databaseUrl: undefined },
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Starts a real server on a random port over a fresh database (temp dir or PostgreSQL schema),
 * or over `options.database` to restart on the data of a server closed with `keepData`.
 */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const adminKey = 'test-admin-' + crypto.randomBytes(16).toString('hex');
  const base = loadConfig({});
  const database = options.database ?? (await createTestDatabase());
  const db = database.config;
  const config: ServerConfig = {
    ...base,
    ...db,
    port: 0,
    host: '127.0.0.1',
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    adminApiKey: adminKey,
    ...overrides,
  };
  const built = await buildServer(config);
  const address = await built.app.listen({ port: 0, host: '127.0.0.1' });

  async function call<T>(method: string, urlPath: string, opts: CallOptions = {}): Promise<CallResult<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
    if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? server.adminToken}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await fetch(address + urlPath, { method, headers, body });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  }

  async function tokenFor(apikey: string): Promise<string> {
    const res = await fetch(address + '/identity/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey }).toString(),
    });
    const json = (await res.json()) as any;
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(json)}`);
    return json.access_token;
  }

  const server: TestServer = {
    url: address,
    database,
    built,
    adminKey,
    adminToken: '',
    call,
    tokenFor,
    async createUser(prefix = 'user') {
      const username = `${prefix}.${crypto.randomBytes(4).toString('hex')}@example.com`;
      const res = await call<any>('POST', '/admin/v1/users', { body: { username } });
      if (res.status !== 201) throw new Error(`createUser failed: ${res.status} ${res.text}`);
      return {
        id: res.body.id,
        iam_id: res.body.iam_id,
        username,
        apikey: res.body.apikey,
        token: await tokenFor(res.body.apikey),
      };
    },
    async close(opts = {}) {
      await built.app.close();
      if (!opts.keepData) await database.drop();
    },
  };
  server.adminToken = await tokenFor(adminKey);
  return server;
}
