// Builds an SDK package (run in its directory: `npm run build -w packages/<sdk>`) into dist/esm and
// dist/cjs, each bundled into one module (tools/codegen/bundle.mjs), with declarations, like sdk-core. In the repository the sources reach sdk-core through
// src/core.ts by a relative path; the published build imports the `@local/sdk-core` package
// instead, so the build compiles a staged copy of src/ whose core.ts re-exports that package, with
// its types taken from sdk-core's own build.
// Usage: node ../../tools/codegen/build-sdk.mjs [outDir]   (outDir defaults to dist)
// SDK_CORE_TYPES=<sdk-core build>/esm/index.d.ts takes sdk-core's types from another build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundle } from './bundle.mjs';

const pkgDir = process.cwd();
const out = path.resolve(pkgDir, process.argv[2] ?? 'dist');
const coreDir = path.resolve(pkgDir, '../sdk-core');
const coreTypes = process.env.SDK_CORE_TYPES
  ? path.resolve(process.env.SDK_CORE_TYPES)
  : path.join(coreDir, 'dist/esm/index.d.ts');

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
  const tsconfigs = ['tsconfig.esm.json', 'tsconfig.cjs.json'].map((config) => {
    const staged = path.join(stage, config);
    fs.writeFileSync(
      staged,
      JSON.stringify({
        extends: path.join(pkgDir, config),
        compilerOptions: {
          rootDir: 'src',
          paths: { '@local/sdk-core': [coreTypes] },
          typeRoots,
        },
        include: ['src/**/*.ts'],
      }),
    );
    return staged;
  });
  // `@local/sdk-core` stays an import: one copy of its classes (errors for instanceof) per program.
  await bundle({
    entry: path.join(stage, 'src/index.ts'),
    out,
    tsconfigs,
    externalModules: { 'core.ts': '@local/sdk-core' },
  });
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
