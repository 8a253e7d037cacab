// Builds ESM (dist/esm) and CommonJS (dist/cjs) with declarations; the package is "type": "module",
// so dist/cjs carries its own package.json that marks its files as CommonJS.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
fs.rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
fs.writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
