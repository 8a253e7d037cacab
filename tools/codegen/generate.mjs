// Contract → TypeScript SDK: one file per service (see services.mjs), committed under each SDK
// package's src/generated/. Usage:
//   node tools/codegen/generate.mjs           writes the files
//   node tools/codegen/generate.mjs --check   exits 1 when a committed file differs from what it would write
// CODEGEN_ROOT=<dir> reads the contracts from and writes (or checks) the files under another tree.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderService } from './lib/render.mjs';
import { SERVICES } from './services.mjs';

const root = path.resolve(
  process.env.CODEGEN_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../..'),
);
const check = process.argv.includes('--check');

let stale = 0;
for (const service of SERVICES) {
  const contract = JSON.parse(fs.readFileSync(path.join(root, service.contract), 'utf8'));
  const target = path.join(root, service.output);
  const code = await renderService(contract, service, target);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (check) {
    if (current !== code) {
      stale++;
      console.error(`${service.output} is stale: run node tools/codegen/generate.mjs`);
    }
  } else if (current !== code) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, code);
    console.log(`wrote ${service.output}`);
  } else console.log(`${service.output} is up to date`);
}
if (stale) process.exit(1);
