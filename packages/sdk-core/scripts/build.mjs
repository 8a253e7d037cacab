// Builds ESM (dist/esm) and CommonJS (dist/cjs), each bundled into one module, with declarations;
// the package is "type": "module", so dist/cjs carries its own package.json that marks it CommonJS.
// Usage: node scripts/build.mjs [outDir]   (outDir defaults to dist)
import { bundle } from '../../../tools/codegen/bundle.mjs';

await bundle({
  entry: 'src/index.ts',
  out: process.argv[2] ?? 'dist',
  tsconfigs: ['tsconfig.esm.json', 'tsconfig.cjs.json'],
});
