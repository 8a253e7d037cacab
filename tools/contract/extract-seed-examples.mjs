#!/usr/bin/env node
// Extracts the request and response examples of every common core operation
// from the seed rendering of the IBM API reference and writes
// spec/examples/common-core.seed-examples.json.
//
// Usage: node tools/contract/extract-seed-examples.mjs [--check] [--verbose]
//   SEED_FILE=/path/to/seed.txt overrides the default seed location
//   (../shared/seeds/003_1106836e592daef2.txt relative to the repo root).
//
// How the seed is read:
//   * Each operation starts at its "METHOD /path" line. Operations are matched
//     to tools/contract/reference/common-core-operations.json by method + path,
//     in seed order.
//   * Request examples: the JSON given to curl with -d/--data/--data-raw, and
//     each JSON block of a titled "Examples:" section.
//   * Response examples: every bullet of the "Example responses" section.
//     The seed lists them in the order of the "Status Code" list, but leaves
//     out statuses that have no body (204, some 200/202). Each example is
//     paired with a status by (1) an explicit status in the body
//     (`code: "401"`, `description: "[401] ..."`, `errors[].extra.http_status`),
//     else (2) its kind (success or error body, by shape) and its order.
//     PAIRING_OVERRIDES below lists the few operations where the shape is not
//     enough, with the reason.
//   * Some connections examples are rendered OpenAPI example objects
//     (`{"name": {"summary", "value"}}`); the body kept is `value`, and
//     `unwrappedFrom` records the name.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const seedFile = process.env.SEED_FILE
  ? resolve(process.env.SEED_FILE)
  : resolve(repoRoot, '..', 'shared', 'seeds', '003_1106836e592daef2.txt');
const opsFile = resolve(here, 'reference', 'common-core-operations.json');
const outFile = resolve(repoRoot, 'spec', 'examples', 'common-core.seed-examples.json');

const args = new Set(process.argv.slice(2));
const verbose = args.has('--verbose');

// Operations where order and shape do not settle the pairing.
// key: "METHOD path" -> array of statuses, one per example response, in order.
const PAIRING_OVERRIDES = {};

const ops = JSON.parse(readFileSync(opsFile, 'utf8'));
const seed = readFileSync(seedFile, 'utf8').replace(/\r\n/g, '\n');
const lines = seed.split('\n');

const METHOD_RE = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/;
const methodLines = [];
lines.forEach((l, i) => {
  const m = METHOD_RE.exec(l);
  if (m) methodLines.push({ index: i, method: m[1], path: m[2] });
});

const warnings = [];
const warn = (msg) => warnings.push(msg);

// ---------------------------------------------------------------- helpers
const isTopLevel = (l) => l.length > 0 && !/^\s/.test(l);

/**
 * Bullets ("  • ...") from `from`; a top-level line ends the list, or, with
 * `across`, only ends the current bullet.
 */
function collectBullets(from, to, across = false) {
  const items = [];
  let cur = null;
  for (let i = from; i < to; i++) {
    const l = lines[i];
    if (isTopLevel(l)) {
      if (!across) break;
      cur = null;
      continue;
    }
    const m = /^ {2}• ?(.*)$/.exec(l);
    if (m) {
      cur = { line: i + 1, text: [m[1]] };
      items.push(cur);
    } else if (cur) {
      cur.text.push(l.replace(/^ {4}/, ''));
    }
  }
  return items.map((it) => ({ line: it.line, text: it.text.join('\n').replace(/\s+$/, '') }));
}

function tryJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: e.message };
  }
}

/** The single-quoted payload of -d/--data/--data-raw in a curl command. */
function curlData(cmd) {
  const re = /(?:^|\s)(?:-d|--data|--data-raw|--data-binary)(?:\s|\\\n)+'/g;
  const m = re.exec(cmd);
  if (!m) return null;
  const start = m.index + m[0].length;
  const end = cmd.indexOf("'", start);
  if (end < 0) return null;
  return cmd.slice(start, end);
}

function curlContentType(cmd) {
  const m = /(?:-H|--header)\s+['"]Content-Type:\s*([^'"]+)['"]/i.exec(cmd);
  return m ? m[1].trim() : null;
}

/** Titled JSON blocks after an "Examples:" line (request body examples). */
function examplesBlock(from, to) {
  const out = [];
  let i = from;
  let title = null;
  while (i < to) {
    const l = lines[i];
    if (/^ {2}•/.test(l) || l === 'Response') break;
    if (l.trim() === '') {
      i++;
      continue;
    }
    if (/^[[{]/.test(l)) {
      let buf = '';
      let parsed = null;
      const startLine = i + 1;
      for (; i < to; i++) {
        buf += lines[i] + '\n';
        const r = tryJson(buf);
        if (r.ok) {
          parsed = r.value;
          i++;
          break;
        }
      }
      if (parsed === null) {
        warn(`unparsable Examples block at seed line ${startLine}`);
        break;
      }
      out.push({ title, line: startLine, body: parsed });
      title = null;
      continue;
    }
    if (isTopLevel(l)) title = l.trim();
    i++;
  }
  return out;
}

const statusFromBody = (body) => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  if (typeof body.code === 'string' && /^[1-5]\d\d$/.test(body.code)) return Number(body.code);
  if (typeof body.status_code === 'number') return body.status_code;
  if (typeof body.description === 'string') {
    const m = /^\[(\d{3})\]/.exec(body.description);
    if (m) return Number(m[1]);
  }
  if (Array.isArray(body.errors)) {
    for (const e of body.errors) {
      const hs = e && e.extra && e.extra.http_status;
      if (hs != null && /^\d{3}$/.test(String(hs))) return Number(hs);
    }
  }
  return null;
};

/**
 * A few connections examples are rendered OpenAPI example objects,
 * `{"<name>": {"summary": "...", "value": <body>}}`; the body is `value`.
 */
function namedExample(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const keys = Object.keys(body);
  if (keys.length !== 1) return null;
  const inner = body[keys[0]];
  if (!inner || typeof inner !== 'object' || Array.isArray(inner)) return null;
  const ik = Object.keys(inner).sort().join(',');
  if (ik !== 'summary,value') return null;
  return { name: keys[0], summary: inner.summary, value: inner.value };
}

const ERROR_KEYS = new Set([
  'code',
  'message',
  'more_info',
  'target',
  'trace',
  'error',
  'reason',
  'description',
  'id',
  'errors',
  'status_code',
  'extra',
  'parameters',
]);
function looksLikeError(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  if (statusFromBody(body) != null) return true;
  const keys = Object.keys(body);
  if (Array.isArray(body.errors) && keys.every((k) => ERROR_KEYS.has(k))) return true;
  if ('code' in body && 'message' in body && keys.every((k) => ERROR_KEYS.has(k))) return true;
  return false;
}

/**
 * Pairs examples with statuses. Statuses keep seed order; an example can only
 * pair with a status after the previous example's status.
 */
function pair(op, examples) {
  const key = `${op.method} ${op.path}`;
  const statuses = op.responses.map((r) => r.status);
  if (PAIRING_OVERRIDES[key]) {
    const ov = PAIRING_OVERRIDES[key];
    if (ov.length !== examples.length)
      throw new Error(`override for ${key} has ${ov.length} statuses, seed has ${examples.length} examples`);
    return ov.map((s) => ({ status: s, how: 'override' }));
  }
  const result = [];
  let pos = 0;
  for (let k = 0; k < examples.length; k++) {
    const ex = examples[k];
    const remaining = examples.length - k;
    const hinted = statusFromBody(ex.body);
    const isErr = looksLikeError(ex.body);
    let chosen = -1;
    let how = '';
    if (hinted != null) {
      chosen = statuses.indexOf(hinted, pos);
      how = 'status in body';
      if (chosen < 0)
        warn(
          `${key}: example at line ${ex.line} names status ${hinted}, not (or no longer) in the status list`,
        );
    }
    if (chosen < 0) {
      // first status of the right class at or after pos that leaves room for the rest
      for (let j = pos; j < statuses.length; j++) {
        const s = statuses[j];
        const classOk = isErr ? s >= 400 : s < 400;
        if (!classOk) continue;
        if (statuses.length - j < remaining) break;
        // success statuses that normally have no body are skipped when another
        // success status of the list can take this example
        if (!isErr && s === 204 && statuses.slice(j + 1).some((t) => t < 300)) continue;
        // errors: if there are more error statuses than error examples left,
        // keep strict order (the seed drops trailing statuses, not leading ones)
        chosen = j;
        how = isErr ? 'error shape, order' : 'success shape, order';
        break;
      }
    }
    if (chosen < 0) {
      warn(`${key}: could not pair example at line ${ex.line}`);
      result.push({ status: null, how: 'unpaired' });
      continue;
    }
    result.push({ status: statuses[chosen], how });
    pos = chosen + 1;
  }
  return result;
}

// ---------------------------------------------------------------- main
if (methodLines.length !== ops.length) {
  warn(`seed has ${methodLines.length} method lines, operations.json has ${ops.length} operations`);
}

const out = [];
ops.forEach((op, idx) => {
  const ml = methodLines[idx];
  if (!ml || ml.method !== op.method || ml.path !== op.path) {
    throw new Error(
      `operation ${idx} ${op.method} ${op.path} does not match seed method line ${ml && `${ml.method} ${ml.path}`}`,
    );
  }
  const start = ml.index;
  const end = idx + 1 < methodLines.length ? methodLines[idx + 1].index : lines.length;
  let respIdx = -1;
  for (let i = start; i < end; i++)
    if (lines[i] === 'Response') {
      respIdx = i;
      break;
    }
  const reqEnd = respIdx < 0 ? end : respIdx;

  // request examples
  const requests = [];
  for (let i = start; i < reqEnd; i++) {
    if (lines[i] === 'Examples:') {
      for (const ex of examplesBlock(i + 1, reqEnd)) {
        requests.push({
          source: 'examples-block',
          title: ex.title,
          seedLine: ex.line,
          contentType: null,
          body: ex.body,
        });
      }
    }
  }
  for (const b of collectBullets(start + 1, reqEnd, true)) {
    if (!/^\s*curl\b/.test(b.text)) continue;
    const data = curlData(b.text);
    if (data == null) continue;
    const ct = curlContentType(b.text);
    const r = tryJson(data);
    if (r.ok) {
      requests.push({ source: 'curl', title: null, seedLine: b.line, contentType: ct, body: r.value });
    } else {
      requests.push({
        source: 'curl',
        title: null,
        seedLine: b.line,
        contentType: ct,
        raw: data.trim(),
        note: 'not JSON',
      });
    }
  }

  // statuses and response examples
  const responses = [];
  let statusLabels = [];
  if (respIdx >= 0) {
    let scIdx = -1;
    let erIdx = -1;
    for (let i = respIdx; i < end; i++) {
      if (lines[i] === 'Status Code' && scIdx < 0) scIdx = i;
      if (lines[i] === 'Example responses' && erIdx < 0) erIdx = i;
    }
    if (scIdx >= 0) statusLabels = collectBullets(scIdx + 1, end).map((b) => b.text);
    if (statusLabels.length !== op.responses.length) {
      warn(
        `${op.method} ${op.path}: seed lists ${statusLabels.length} statuses, operations.json ${op.responses.length}`,
      );
    }
    if (erIdx >= 0) {
      const items = collectBullets(erIdx + 1, end).map((b) => {
        const r = tryJson(b.text);
        if (r.ok) return { line: b.line, title: null, body: r.value };
        // jobs/runs examples start with a title line, then the JSON
        const m = /^([^\n[{][^\n]*)\n\s*\n?([[{][\s\S]*)$/.exec(b.text);
        if (m) {
          const r2 = tryJson(m[2]);
          if (r2.ok) return { line: b.line, title: m[1].trim(), body: r2.value };
        }
        return { line: b.line, title: null, body: undefined, raw: b.text };
      });
      const pairs = pair(op, items);
      items.forEach((it, k) => {
        const entry = { status: pairs[k].status, pairedBy: pairs[k].how, seedLine: it.line };
        if (it.title) entry.title = it.title;
        const named = namedExample(it.body);
        if (named) {
          entry.title = named.summary;
          entry.unwrappedFrom = named.name;
          entry.body = named.value;
        } else if (it.body !== undefined) entry.body = it.body;
        else {
          entry.raw = it.raw;
          entry.note = 'not JSON';
        }
        responses.push(entry);
      });
    }
  }

  out.push({
    index: idx,
    method: op.method,
    path: op.path,
    area: op.area,
    seedLine: start + 1,
    statuses: op.responses.map((r) => r.status),
    requests,
    responses,
  });
});

const doc = {
  about:
    'Request and response examples of the common core API, extracted from the seed rendering of the API reference by tools/contract/extract-seed-examples.mjs. Do not edit by hand.',
  seed: basename(seedFile),
  operationCount: out.length,
  operations: out,
};
const text = JSON.stringify(doc, null, 2) + '\n';

if (verbose || warnings.length) {
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
}

if (args.has('--check')) {
  let current = '';
  try {
    current = readFileSync(outFile, 'utf8');
  } catch {
    /* missing */
  }
  if (current !== text) {
    process.stderr.write(
      `${relative(repoRoot, outFile)} is out of date; run node tools/contract/extract-seed-examples.mjs\n`,
    );
    process.exit(1);
  }
  process.exit(0);
}
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, text);
const nReq = out.reduce((n, o) => n + o.requests.length, 0);
const nRes = out.reduce((n, o) => n + o.responses.length, 0);
process.stdout.write(
  `wrote ${relative(repoRoot, outFile)}: ${out.length} operations, ${nReq} request examples, ${nRes} response examples\n`,
);
