import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-life-'));
const adminKey = 'life-' + crypto.randomBytes(12).toString('hex');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `npm start` as a user runs it: a child process on SQLite in `dir`. */
function start() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      ADMIN_APIKEY: adminKey,
      LOG_LEVEL: 'info',
    },
  });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s)]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited, output: () => out };
}

async function token(url: string): Promise<string> {
  const res = await fetch(url + '/identity/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: adminKey }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('process lifecycle', () => {
  it('drains in-flight writes on SIGTERM, exits 0, and keeps every acknowledged write', async () => {
    const first = start();
    const url = await first.url;
    const auth = { authorization: `Bearer ${await token(url)}`, 'content-type': 'application/json' };
    const names = Array.from(
      { length: 40 },
      (_, i) => `drain${i}.${crypto.randomBytes(3).toString('hex')}@example.com`,
    );
    const writes = names.map((username) =>
      fetch(url + '/admin/v1/users', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ username }),
      }).then(
        (r) => (r.status === 201 ? username : undefined),
        () => undefined, // refused after the listener closed: never acknowledged
      ),
    );
    await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGTERM');
    const acknowledged = (await Promise.all(writes)).filter(Boolean);
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('draining in-flight requests');
    // The log never shows the bearer token.
    expect(first.output()).not.toContain(auth.authorization.slice(7));

    const second = start();
    const url2 = await second.url;
    const users = (await (
      await fetch(url2 + '/admin/v1/users', { headers: { authorization: `Bearer ${await token(url2)}` } })
    ).json()) as { resources: { username: string }[] };
    const stored = new Set(users.resources.map((u) => u.username));
    for (const name of acknowledged) expect(stored.has(name!)).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);

  it('refuses to start with a malformed setting, naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', DATA_DIR: dir },
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toContain('PORT must be a non-negative integer');
  }, 120_000);
});

describe('closing the server', () => {
  it('closes idle and half-sent connections at once, and lets a request in flight finish', async () => {
    const s = await startTestServer({ shutdownGraceMs: 60_000 });
    const { port } = new URL(s.url);
    const connect = () =>
      new Promise<net.Socket>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
        socket.on('error', () => {});
      });
    // A connection that sent half a request, and one that sent nothing: neither holds the close.
    const half = await connect();
    half.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const silent = await connect();
    // A request in flight: its body arrives after the close began, and it is still answered.
    const inFlight = await connect();
    const body = JSON.stringify({ username: `late.${crypto.randomBytes(3).toString('hex')}@example.com` });
    inFlight.write(
      `POST /admin/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.adminToken}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let answer = '';
    inFlight.on('data', (c: Buffer) => (answer += c.toString()));
    const answered = new Promise((r) => inFlight.once('close', r));
    // Close once the server has read the request's headers (the request is then in flight).
    await new Promise((r) => s.built.app.server.once('request', r));
    const closing = s.close();
    await new Promise((r) => setTimeout(r, 300));
    inFlight.write(body);
    const started = Date.now();
    await closing;
    // Node's header timeout alone would hold the close for a minute or more.
    expect(Date.now() - started).toBeLessThan(10_000);
    await answered; // every byte the server sent has been read
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    expect(half.destroyed || half.readableEnded).toBe(true);
    expect(silent.destroyed || silent.readableEnded).toBe(true);
  }, 60_000);
});
