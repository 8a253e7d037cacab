// What both contract builders share: the IAM security scheme, and writing (or, with --check,
// comparing) the generated document.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const iamSecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'IBM Cloud IAM access token, sent as Authorization: Bearer <token>.',
};

/** Writes `doc` to `outFile`; with `--check` on the command line, exits 1 when the file differs instead. */
export function writeOrCheck(doc, outFile, builder) {
  const text = JSON.stringify(doc, null, 2) + '\n';
  const name = relative(repoRoot, outFile);
  if (process.argv.includes('--check')) {
    let current = null;
    try {
      current = readFileSync(outFile, 'utf8');
    } catch {
      current = null;
    }
    if (current !== text) {
      process.stderr.write(`${name} is out of date; run node ${builder}\n`);
      process.exit(1);
    }
    process.stdout.write(`${name} is up to date\n`);
    return;
  }
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, text);
  const n = Object.values(doc.paths).reduce((k, p) => k + Object.keys(p).length, 0);
  process.stdout.write(
    `wrote ${name}: ${n} operations, ${Object.keys(doc.components.schemas).length} schemas\n`,
  );
}
