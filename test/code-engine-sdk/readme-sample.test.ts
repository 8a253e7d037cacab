// The Code Engine sample of packages/code-engine-sdk/README.md: the README shows exactly
// examples/code-engine-sample.ts, and that file runs against a real server.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeEngineServer } from '../code-engine/helpers.ts';
import type { TestServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SAMPLE = 'examples/code-engine-sample.ts';
let s: TestServer;
beforeAll(async () => {
  s = await startCodeEngineServer();
});
afterAll(async () => s?.close());

describe('the Code Engine SDK sample', () => {
  it("is the README's code block, character for character", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'packages/code-engine-sdk/README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    const sample = fs.readFileSync(path.join(ROOT, SAMPLE), 'utf8');
    expect(blocks.filter((b) => b === sample)).toHaveLength(1);
  });

  it('creates a project, a secret, an app and a job, runs the job twice, pages its runs and cleans up', async () => {
    // Asynchronous on purpose: the server answers from this very process.
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', SAMPLE], {
      cwd: ROOT,
      env: { ...process.env, CE_URL: s.url, CE_APIKEY: s.adminKey },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^project sample-\d+ is active$/);
    expect(lines[1]).toMatch(/^app hello is ready at https?:\/\/hello\.\S+$/);
    expect(lines.slice(2, 4)).toEqual([
      expect.stringMatching(/^job run count-\S+ completed$/),
      expect.any(String),
    ]);
    expect(lines[3]).toMatch(/^job run count-\S+ completed$/);
    const ran = lines.slice(2, 4).map((l) => l.split(' ')[2]);
    expect(
      lines
        .slice(4, 6)
        .map((l) => l.replace('listed job run ', ''))
        .sort(),
    ).toEqual(ran.sort());
    expect(lines[6]).toBe(lines[0]!.replace(/^project (\S+) is active$/, 'deleted project $1'));
    expect(lines).toHaveLength(7);

    // Nothing is left behind: the project is being deleted or gone.
    const left = await s.call('GET', '/codeengine/v2/projects', { token: s.adminToken });
    for (const p of left.body.projects) expect(p.status).toMatch(/^(deleting|soft_deleted|hard_deleted)$/);
  }, 90_000);
});
