// Bundles one SDK package's sources into dist/esm and dist/cjs with esbuild: one module per format
// (plus, for ESM, a lazily loaded chunk with the node:http transport), and type declarations from tsc.
// Why: Node resolves, reads and compiles each module file separately; the unbundled builds were
// about thirty files per package and cost several times the 15 ms import-time goal.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
const tsc = require.resolve('typescript/bin/tsc');

/**
 * @param {object} o
 * @param {string} o.entry       the package's src/index.ts
 * @param {string} o.out         the dist directory (emptied first)
 * @param {string[]} o.tsconfigs [esm config, cjs config]: tsc emits the declarations with them
 * @param {Record<string, string>} [o.externalModules] source files (by name) that become imports of
 *   a package instead: `{ 'core.ts': '@local/sdk-core' }` in the SDKs
 */
export async function bundle({ entry, out, tsconfigs, externalModules = {} }) {
  fs.rmSync(out, { recursive: true, force: true });
  // Resolved straight to the package import (not bundled, not a file re-exporting it): esbuild keeps
  // `export * from '<package>'` in the entry only when the entry itself re-exports the package.
  const externals = {
    name: 'external-modules',
    setup(build) {
      build.onResolve({ filter: /\.ts$/ }, (args) => {
        const pkg = externalModules[path.basename(args.path)];
        return pkg ? { path: pkg, external: true } : undefined;
      });
    },
  };
  const common = {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    plugins: [externals],
    sourcemap: true,
    // Fewer bytes for V8 to scan at import; names are kept (error classes report their own name).
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  };
  // ESM: code splitting keeps the dynamic import of the node:http transport a separate file, so
  // importing the SDK loads no networking module before the first request.
  await esbuild.build({
    ...common,
    format: 'esm',
    splitting: true,
    outdir: path.join(out, 'esm'),
    chunkNames: 'chunks/[name]-[hash]',
  });
  // CommonJS: one file; esbuild's lazy module wrappers still defer the transport's require() calls.
  await esbuild.build({ ...common, format: 'cjs', outfile: path.join(out, 'cjs/index.js') });
  fs.writeFileSync(path.join(out, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
  for (const [config, dir] of [
    [tsconfigs[0], 'esm'],
    [tsconfigs[1], 'cjs'],
  ])
    execFileSync(
      process.execPath,
      [tsc, '-p', config, '--emitDeclarationOnly', '--sourceMap', 'false', '--outDir', path.join(out, dir)],
      { stdio: 'inherit' },
    );
}
