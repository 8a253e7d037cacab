import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

describe("the README's SDK quick start", () => {
  it('runs against a real server and prints what it did', async () => {
    // Asynchronous on purpose: the server answers from this very process.
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/sdk-quickstart.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, CC_URL: s.url, CC_APIKEY: s.adminKey },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^created quickstart \d+; members: admin@example.com/);
    const listed = run.stdout.trim().split('\n').slice(1);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatch(/^[0-9a-f-]{36}$/);
  }, 90_000);
});
