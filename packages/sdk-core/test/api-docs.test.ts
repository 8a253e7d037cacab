// The API reference (`npm run docs:sdk`, TypeDoc over the three SDK packages into dist/sdk-api)
// builds without an error or a warning (typedoc.json treats warnings as errors).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const typedoc = path.join(
  path.dirname(createRequire(import.meta.url).resolve('typedoc/package.json')),
  'bin/typedoc',
);

describe('API reference', () => {
  it('TypeDoc converts every SDK entry point without errors or warnings', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [typedoc, '--emit', 'none'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const output = stdout + stderr;
    expect(output).not.toMatch(/\[(error|warning)\]/);
  }, 900_000);
});
