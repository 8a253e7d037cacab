// Runs the TypeScript compiler over types/breaking-changes.fixture.ts: it must compile, and without
// its `@ts-expect-error` directives it must fail on exactly the lines they mark, so every marked
// line is something the 6.0.2 surface refuses and nothing else is.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'types');
const fixture = path.join(dir, 'breaking-changes.fixture.ts');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project, '--pretty', 'false'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('Code Engine SDK 6.0.2 surface (compile-time)', () => {
  it(
    'compiles the fixture, and every @ts-expect-error marks a real error',
    { timeout: 180_000 },
    async () => {
      const source = fs.readFileSync(fixture, 'utf8');
      const lines = source.split('\n');
      const marked = lines.flatMap((l, i) => (l.trim().startsWith('// @ts-expect-error') ? [i + 2] : []));
      expect(marked.length).toBeGreaterThanOrEqual(16);

      // The same file with each directive blanked (line numbers kept), in its own project in a
      // temporary directory (so no other type-check of the repository ever sees it).
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-sdk-types-'));
      const unmarkedFile = path.join(tmp, 'unmarked.ts');
      const unmarkedProject = path.join(tmp, 'tsconfig.json');
      const sdkEntry = path.join(dir, '../../src/index.ts');
      fs.writeFileSync(
        unmarkedFile,
        lines
          .map((l) =>
            l.trim().startsWith('// @ts-expect-error')
              ? '//'
              : l.replace("'../../src/index.ts'", JSON.stringify(sdkEntry)),
          )
          .join('\n'),
      );
      fs.writeFileSync(
        unmarkedProject,
        JSON.stringify({
          extends: path.join(dir, 'tsconfig.json'),
          compilerOptions: { typeRoots: [path.join(dir, '../../../../node_modules/@types')] },
          include: ['unmarked.ts'],
        }),
      );
      try {
        const [marked_, unmarked] = await Promise.all([
          compile(path.join(dir, 'tsconfig.json')),
          compile(unmarkedProject),
        ]);
        expect(marked_.output).toBe('');
        expect(marked_.code).toBe(0);
        expect(unmarked.code).not.toBe(0);
        const errorLines = [
          ...new Set(
            [...unmarked.output.matchAll(/unmarked\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])),
          ),
        ].sort((a, b) => a - b);
        expect(errorLines).toEqual(marked);
      } finally {
        fs.rmSync(unmarkedFile, { force: true });
        fs.rmSync(unmarkedProject, { force: true });
      }
    },
  );
});
