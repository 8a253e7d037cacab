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

describe('npm run demo', () => {
  it('walks through project, space, connection, script, job run, export and import against a server', async () => {
    // Asynchronous on purpose: the server answers from this very process.
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
      cwd: ROOT,
      env: { ...process.env, CC_URL: s.url, CC_APIKEY: s.adminKey },
      encoding: 'utf8',
      timeout: 150_000,
    });
    expect(run.stderr).toBe('');
    const out = run.stdout;
    for (const step of ['Project', 'Space', 'Connection', 'Script asset', 'Job and run', 'Export', 'Done'])
      expect(out).toContain(`== ${step}`);
    expect(out).toMatch(/space \S+ is active/);
    expect(out).toMatch(/saved connection \S+/);
    expect(out).toContain('run ended Completed');
    expect(out).toContain('| hello, demo');
    expect(out).toMatch(/export \S+ is completed/);
    expect(out).toMatch(/import \S+ is completed/);
    expect(out).toContain('the new project has 1 job(s)');
  }, 180_000);
});
