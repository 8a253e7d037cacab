// Builds ESM (dist/esm) and CommonJS (dist/cjs) with declarations; the package is "type": "module",
// so dist/cjs carries its own package.json that marks its files as CommonJS.
// Usage: node scripts/build.mjs [outDir]   (outDir defaults to dist)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const out = process.argv[2] ?? 'dist';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
fs.rmSync(out, { recursive: true, force: true });
for (const [project, dir] of [
  ['tsconfig.esm.json', 'esm'],
  ['tsconfig.cjs.json', 'cjs'],
]) {
  execFileSync(process.execPath, [tsc, '-p', project, '--outDir', path.join(out, dir)], { stdio: 'inherit' });
}
fs.writeFileSync(path.join(out, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
