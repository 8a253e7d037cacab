/**
 * `npm run bench [-- --quick] [-- --only <module>]`: every benchmark module of the project, one table.
 * Each module (default export: a `BenchModule`, see module.ts) measures its figures beside a baseline
 * taken in the same run, because these machines are shared and noisy. To add one: write
 * `bench/<name>.ts` and add its line to MODULES below.
 */
import type { BenchDb, BenchModule, BenchRow } from './module.ts';
import { PG_URL, postgresReachable } from './lib.ts';

const MODULES: string[] = [
  './projects.ts', // authenticated GET and list against bare node:http, list cost growth
  './prism.ts', // the same GET and list against the Prism mock of our contract
  './asset-scale.ts', // asset get, search and type list with 1k, 10k, 100k assets
  './asset-transfer.ts', // export and import of a project with many assets and attachments
  './sdk.ts', // client CPU per request and import time: our SDKs, bare node:http, ibm-cloud-sdk-core
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const dbs: BenchDb[] = ['sqlite'];
if (await postgresReachable()) dbs.push('postgres');
else console.log(`PostgreSQL not reachable at ${PG_URL} (set BENCH_DATABASE_URL): its rows are missing.`);

const rows: BenchRow[] = [];
const failures: string[] = [];
for (const file of MODULES) {
  if (only && !file.includes(only)) continue;
  const started = Date.now();
  console.log(`# ${file}`);
  try {
    const run = (await import(file)).default as BenchModule;
    rows.push(...(await run({ quick, dbs })));
    console.log(`  done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (err) {
    // One broken module must not hide the others' figures; it still fails the command.
    failures.push(`${file}: ${(err as Error).stack ?? err}`);
    console.log(`  FAILED: ${(err as Error).message}`);
  }
}

const fmt = (v: number | string) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: v < 10 ? 2 : 0 }) : v;
const cells = (r: BenchRow) => [
  r.name,
  r.db,
  fmt(r.figure),
  r.unit,
  r.baseline,
  r.ratio === null ? '-' : r.ratio.toFixed(2),
  r.note,
];
const table = [
  ['benchmark', 'db', 'ours', 'unit', 'baseline (same run)', 'ratio', 'goal / note'],
  ...rows.map(cells),
];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';

console.log(`\n${quick ? 'Quick run' : 'Full run'} on ${dbs.join(' and ')}, ${new Date().toISOString()}\n`);
console.log(line(table[0]));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of table.slice(1)) console.log(line(r));
if (failures.length) {
  console.error(`\n${failures.length} benchmark module(s) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
