import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestDatabase } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A size from the environment (the short CI form sets small ones), or the documented default. */
export const sized = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server started as users start it (`npm start`): its own process, its own stdout. */
export interface ChildServer {
  url: string;
  pid: number;
  adminKey: string;
  /** Everything the process printed on stdout and stderr so far. */
  output(): string;
  /** Resident memory of the process, in bytes (from /proc). */
  rss(): number;
  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (graceful stop). */
  stop(): Promise<void>;
}

/** Environment that points a server at a test database; instances sharing it share the keys too. */
export function serverEnv(db: TestDatabase, keys: SharedKeys): Record<string, string> {
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_APIKEY: keys.adminKey,
    SECRETS_KEY: keys.secretsKey,
    TOKEN_SIGNING_KEY: keys.signingKey,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_QUERY: '0',
    RATE_LIMIT_READ: '0',
    RATE_LIMIT_WRITE: '0',
    CODE_ENGINE_READY_MS: '200',
  };
  if (db.config.dataDir) env.DATA_DIR = db.config.dataDir;
  if (db.config.databaseUrl) env.DATABASE_URL = db.config.databaseUrl;
  if (db.config.databaseSchema) env.DATABASE_SCHEMA = db.config.databaseSchema;
  return env;
}

export interface SharedKeys {
  adminKey: string;
  secretsKey: string;
  signingKey: string;
}

export const newKeys = (): SharedKeys => ({
  adminKey: 'rel-admin-' + crypto.randomBytes(16).toString('hex'),
  secretsKey: crypto.randomBytes(32).toString('base64'),
  signingKey: crypto.randomBytes(32).toString('base64url'),
});

/** Starts `packages/server/src/main.ts` in a child process and waits until it listens. */
export function spawnServer(env: Record<string, string>, timeoutMs = 180_000): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = '';
    let listening = false;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not listen within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[\w.:-]+)/i.exec(out);
      if (m && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve({
          url: m[1],
          pid: child.pid!,
          adminKey: env.ADMIN_APIKEY,
          output: () => out,
          rss: () =>
            Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
          async kill() {
            child.kill('SIGKILL');
            await exited;
          },
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/** A small HTTP client bound to one server and one token. */
export function client(url: string, token: string) {
  return async function call(
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(url + p, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, body: json, text };
  };
}

export async function tokenOf(url: string, apikey: string): Promise<string> {
  const res = await fetch(url + '/identity/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Creates a user over the admin API and answers it with a token. */
export async function newUser(url: string, adminToken: string, prefix: string) {
  const username = `${prefix}.${crypto.randomBytes(4).toString('hex')}@example.com`;
  const res = await client(url, adminToken)('POST', '/admin/v1/users', { username });
  if (res.status !== 201) throw new Error(`create user: ${res.status} ${res.text}`);
  return {
    username,
    iamId: res.body.iam_id as string,
    apikey: res.body.apikey as string,
    apikeyId: res.body.apikey_id as string | undefined,
    token: await tokenOf(url, res.body.apikey),
  };
}

/** The nearest-rank percentile of latencies in ms. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Polls `probe` until it answers something truthy (at most `ms`); answers that. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A Python script asset (main.py attached and complete) in a project; answers its id. */
export async function createScript(url: string, token: string, projectId: string, code: string) {
  const call = client(url, token);
  const q = `project_id=${projectId}`;
  const asset = await call('POST', `/v2/assets?${q}`, {
    metadata: { name: 'script', asset_type: 'script' },
    entity: { script: { language: { name: 'python3' } } },
  });
  if (asset.status !== 201) throw new Error(`script asset: ${asset.status} ${asset.text}`);
  const id = asset.body.metadata.asset_id as string;
  const att = await call('POST', `/v2/assets/${id}/attachments?${q}`, {
    asset_type: 'script',
    name: 'main.py',
    mime: 'text/plain',
  });
  if (att.status !== 201) throw new Error(`attachment: ${att.status} ${att.text}`);
  const put = await fetch(att.body.url1, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: code,
  });
  if (put.status >= 300) throw new Error(`upload: ${put.status} ${await put.text()}`);
  const done = await call('POST', `/v2/assets/${id}/attachments/${att.body.attachment_id}/complete?${q}`);
  if (done.status !== 200) throw new Error(`complete: ${done.status} ${done.text}`);
  return id;
}

/** A project where `creator` is admin; answers its id. */
export async function createProject(url: string, token: string, name: string): Promise<string> {
  const res = await client(url, token)('POST', '/transactional/v2/projects', {
    name,
    generator: 'reliability',
    storage: { type: 'assetfiles' },
  });
  if (res.status !== 201) throw new Error(`create project: ${res.status} ${res.text}`);
  return res.body.location.split('/').pop();
}

/** POSTs an export zip to `/v2/asset_imports` as a form (with an encryption key when given). */
export async function postImport(url: string, token: string, projectId: string, zip: Buffer, key?: string) {
  const form = new FormData();
  if (key) form.append('encryption_key', key);
  form.append('file', new Blob([zip], { type: 'application/zip' }), 'export.zip');
  const res = await fetch(`${url}/v2/asset_imports?project_id=${projectId}`, {
    method: 'POST',
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
}

/** Downloads a completed export's zip. */
export async function downloadExport(url: string, token: string, projectId: string, exportId: string) {
  const res = await fetch(`${url}/v2/asset_exports/${exportId}/content?project_id=${projectId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`export content: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}
