// Builds an SDK package (run in its directory: `npm run build -w packages/<sdk>`) into dist/esm and
// dist/cjs with declarations, like sdk-core. In the repository the sources reach sdk-core through
// src/core.ts by a relative path; the published build imports the `@local/sdk-core` package
// instead, so the build compiles a staged copy of src/ whose core.ts re-exports that package, with
// its types taken from sdk-core's own build.
// Usage: node ../../tools/codegen/build-sdk.mjs [outDir]   (outDir defaults to dist)
// SDK_CORE_TYPES=<sdk-core build>/esm/index.d.ts takes sdk-core's types from another build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const pkgDir = process.cwd();
const out = path.resolve(pkgDir, process.argv[2] ?? 'dist');
const coreDir = path.resolve(pkgDir, '../sdk-core');
const coreTypes = process.env.SDK_CORE_TYPES
  ? path.resolve(process.env.SDK_CORE_TYPES)
  : path.join(coreDir, 'dist/esm/index.d.ts');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  return t;
}

// sdk-core's declarations, rebuilt when missing or older than its sources.
if (
  !process.env.SDK_CORE_TYPES &&
  (!fs.existsSync(coreTypes) || fs.statSync(coreTypes).mtimeMs < newest(path.join(coreDir, 'src')))
)
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: coreDir, stdio: 'inherit' });

// A temporary directory, so no other tool of the repository sees the staged copy.
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-build-'));
const typeRoots = [path.resolve(pkgDir, '../../node_modules/@types')];
fs.rmSync(out, { recursive: true, force: true });
try {
  fs.cpSync(path.join(pkgDir, 'src'), path.join(stage, 'src'), { recursive: true });
  fs.writeFileSync(path.join(stage, 'src/core.ts'), "export * from '@local/sdk-core';\n");
  for (const [config, dir] of [
    ['tsconfig.esm.json', 'esm'],
    ['tsconfig.cjs.json', 'cjs'],
  ]) {
    const staged = path.join(stage, config);
    fs.writeFileSync(
      staged,
      JSON.stringify({
        extends: path.join(pkgDir, config),
        compilerOptions: {
          rootDir: 'src',
          // The staged sources are removed after the build, so maps would point nowhere.
          sourceMap: false,
          outDir: path.join(out, dir),
          paths: { '@local/sdk-core': [coreTypes] },
          typeRoots,
        },
        include: ['src/**/*.ts'],
      }),
    );
    execFileSync(process.execPath, [tsc, '-p', staged], { stdio: 'inherit' });
  }
  fs.writeFileSync(path.join(out, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
