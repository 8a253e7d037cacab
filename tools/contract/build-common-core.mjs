#!/usr/bin/env node
// Builds spec/common-core.openapi.json from
//   * tools/contract/reference/common-core-operations.json (paths, params,
//     constraints, requiredOneOf, statuses), and
//   * the hand-written schema modules in tools/contract/common-core/.
//
// Usage: node tools/contract/build-common-core.mjs [--check]
//   --check  exit 1 if the committed file differs from what would be written.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as common from './common-core/common.mjs';
import * as connections from './common-core/connections.mjs';
import * as datasourceTypes from './common-core/datasource-types.mjs';
import * as projects from './common-core/projects.mjs';
import * as spaces from './common-core/spaces.mjs';
import * as assetExports from './common-core/asset-exports.mjs';
import * as assetImports from './common-core/asset-imports.mjs';
import * as jobs from './common-core/jobs.mjs';
import * as jobRuns from './common-core/job-runs.mjs';
import * as environments from './common-core/environments.mjs';
import * as hardwareSpecs from './common-core/hardware-specifications.mjs';
import * as softwareSpecs from './common-core/software-specifications.mjs';
import * as packageExtensions from './common-core/package-extensions.mjs';
import * as assetContainers from './common-core/asset-containers.mjs';
import * as assetLists from './common-core/asset-lists.mjs';
import * as platformAssets from './common-core/platform-assets.mjs';
import { iamSecurityScheme, writeOrCheck } from './output.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const opsFile = resolve(here, 'reference', 'common-core-operations.json');
const outFile = resolve(repoRoot, 'spec', 'common-core.openapi.json');

const MODULES = [
  connections,
  datasourceTypes,
  projects,
  spaces,
  assetExports,
  assetImports,
  jobs,
  jobRuns,
  environments,
  hardwareSpecs,
  softwareSpecs,
  packageExtensions,
  assetContainers,
  assetLists,
  platformAssets,
];

const AREA_TAGS = {
  connections: ['Connections', 'Connections to data sources, asset discovery, actions and connection files.'],
  'datasource types': ['Datasource types', 'Types of data sources that connections can use.'],
  projects: ['Projects', 'Projects, their members, tags, settings, integrations and tenant access tokens.'],
  'transactional projects': [
    'Transactional projects',
    'Creating and deleting a project with its storage in one transaction.',
  ],
  spaces: ['Spaces', 'Deployment spaces and their members.'],
  'asset exports': ['Asset exports', 'Exporting the assets of a space, project or catalog.'],
  'asset imports': ['Asset imports', 'Importing exported assets into a space, project or catalog.'],
  jobs: ['Jobs', 'Jobs of a project or space.'],
  'job runs': ['Job runs', 'Runs of a job.'],
  environments: ['Environments', 'Runtime environments.'],
  'hardware specifications': ['Hardware specifications', 'Hardware specifications of runtimes.'],
  'software specifications': ['Software specifications', 'Software specifications of runtimes.'],
  'package extensions': ['Package extensions', 'Package extensions of software specifications.'],
  'asset containers': [
    'Asset containers',
    'Archiving, restoring and configuring an asset container (catalog, project or space).',
  ],
  'asset lists': ['Asset lists', 'Account-level lists of assets.'],
  // platform areas (not in the seed) bring their own tags
  ...Object.assign({}, ...MODULES.map((m) => m.areaTags || {})),
};

const fail = (msg) => {
  throw new Error(msg);
};

// ---------------------------------------------------------------- helpers

const camel = (s) =>
  s.replace(/[_\s-]+([a-zA-Z0-9])/g, (_, c) => c.toUpperCase()).replace(/^[A-Z]/, (c) => c.toLowerCase());
const sentence = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Makes a seed regular expression valid for ECMAScript `u`-mode (what Ajv
 * compiles with): `\_` is not a legal escape there; `_` means the same.
 */
function uPattern(p) {
  const fixed = p.replace(/\\_/g, '_');
  try {
    new RegExp(fixed, 'u');
  } catch (e) {
    fail(`pattern ${p} is not valid in u-mode: ${e.message}`);
  }
  return fixed;
}

/** Parses an operations.json `constraints` string into schema keywords. */
function parseConstraints(text, type) {
  const out = {};
  if (!text) return out;
  let rest = text;
  const re = /Value must match regular expression (.+)$/;
  const m = re.exec(rest);
  if (m) {
    out.pattern = uPattern(m[1].trim());
    rest = rest.slice(0, m.index);
  }
  const num = (s) => Number(s);
  let r;
  if ((r = /(\d+)\s*≤\s*value\s*≤\s*(\d+)/.exec(rest)))
    Object.assign(out, { minimum: num(r[1]), maximum: num(r[2]) });
  else if ((r = /value\s*≥\s*(\d+)/.exec(rest))) out.minimum = num(r[1]);
  else if ((r = /value\s*≤\s*(\d+)/.exec(rest))) out.maximum = num(r[1]);
  if ((r = /(\d+)\s*≤\s*length\s*≤\s*(\d+)/.exec(rest)))
    Object.assign(out, { minLength: num(r[1]), maxLength: num(r[2]) });
  else if ((r = /length\s*=\s*(\d+)/.exec(rest)))
    Object.assign(out, { minLength: num(r[1]), maxLength: num(r[1]) });
  else if ((r = /length\s*≥\s*(\d+)/.exec(rest))) out.minLength = num(r[1]);
  if ((r = /^max (\d+)/.exec(rest.trim()))) out.maximum = num(r[1]);
  if (type !== 'integer' && type !== 'number') {
    if ('minimum' in out || 'maximum' in out) fail(`numeric bound on ${type}: ${text}`);
  }
  const known = Object.keys(out).length;
  if (!known) fail(`unparsed constraint: ${text}`);
  return out;
}

/** Regex accepting a comma-separated list of the given values. */
function listPattern(values) {
  const alt = values.map(escapeRe).join('|');
  return `^(${alt})(,(${alt}))*$`;
}

/**
 * One OpenAPI parameter from an operations.json parameter. `override` (from
 * the area module) may replace schema keywords, the example or the
 * description, with the reason in a comment there.
 */
function buildParameter(p, override = {}) {
  const isList = p.type.startsWith('array') || Array.isArray(p.itemValues);
  const itemsEnum = p.itemValues || (isList ? p.enum : null);
  const param = { name: p.name, in: p.in };
  const notes = [];
  if (p.confidence === 'low') notes.push('Wire name guessed: no source names this parameter.');
  else if (p.source === 'inferred')
    notes.push('Wire name inferred by analogy with other operations of this API.');
  if (p.seedHint && /^Deprecated/.test(p.seedHint)) param.deprecated = true;
  param.required = p.in === 'path' ? true : Boolean(p.required);

  const schema = {};
  const constraints = parseConstraints(p.constraints, isList ? 'string' : p.type);
  if (isList) {
    schema.type = 'string';
    if (itemsEnum) {
      schema.pattern = listPattern(itemsEnum);
    } else if (constraints.minLength != null || constraints.maxLength != null) {
      // the seed's length bounds on a list parameter apply to each item
      const lo = constraints.minLength ?? 1;
      const hi = constraints.maxLength ?? '';
      schema.pattern = `^[^,]{${lo},${hi}}(,[^,]{${lo},${hi}})*$`;
      notes.push(`Each item is ${lo} to ${hi} characters long.`);
    }
    if (constraints.pattern) fail(`pattern on list parameter ${p.name}`);
    param['x-comma-separated'] = true;
    if (itemsEnum) param['x-items-enum'] = itemsEnum;
    if (p.default != null) schema.default = Array.isArray(p.default) ? p.default.join(',') : p.default;
  } else {
    const t = { string: 'string', boolean: 'boolean', integer: 'integer', number: 'number' }[p.type];
    if (!t) fail(`unknown parameter type ${p.type} (${p.name})`);
    schema.type = t;
    if (p.enum) schema.enum = p.enum;
    Object.assign(schema, constraints);
    // A page size with only an upper bound in the reference ("max 200") still cannot be below 1.
    if (p.name === 'limit' && t === 'integer' && schema.minimum == null) schema.minimum = 1;
    if (p.default != null) schema.default = p.default;
  }
  Object.assign(schema, override.schema || {});
  if (schema.pattern) uPattern(schema.pattern);
  param.schema = schema;

  let ex = 'example' in override ? override.example : p.example;
  // examples copied from URLs are percent-encoded; the server sees decoded values
  if (typeof ex === 'string' && /%[0-9A-Fa-f]{2}/.test(ex)) ex = decodeURIComponent(ex);
  if (typeof ex === 'string' && ex.startsWith(`${p.name}=`)) ex = ex.slice(p.name.length + 1);
  if (ex != null && (schema.type === 'integer' || schema.type === 'number')) ex = Number(ex);
  if (ex != null && schema.enum && !schema.enum.includes(ex)) ex = null;
  if (ex != null && schema.pattern && !new RegExp(schema.pattern, 'u').test(String(ex))) {
    fail(`example ${ex} of parameter ${p.name} does not match ${schema.pattern}`);
  }
  if (ex != null) param.example = ex;
  if (override.description) notes.unshift(override.description);
  if (notes.length) param.description = notes.join(' ');
  return param;
}

// ---------------------------------------------------------------- build

function build() {
  const seedOps = JSON.parse(readFileSync(opsFile, 'utf8'));
  if (seedOps.length !== 123) fail(`expected 123 operations, found ${seedOps.length}`);
  // Platform operations the seed does not document, described completely by their modules.
  const ops = [...seedOps, ...MODULES.flatMap((m) => m.extraOperations || [])];

  const schemas = { ...common.commonSchemas, ...common.errorSchemas };
  const specs = {};
  for (const mod of MODULES) {
    for (const [name, s] of Object.entries(mod.schemas || {})) {
      if (schemas[name]) fail(`schema ${name} defined twice`);
      schemas[name] = s;
    }
    for (const [key, s] of Object.entries(mod.operations || {})) {
      if (specs[key]) fail(`operation ${key} defined twice`);
      specs[key] = s;
    }
  }
  const known = new Set(ops.map((o) => `${o.method} ${o.path}`));
  for (const key of Object.keys(specs)) if (!known.has(key)) fail(`module defines unknown operation ${key}`);

  const paths = {};
  const usedIds = new Map();
  const usedTags = new Set();

  for (const op of ops) {
    const key = `${op.method} ${op.path}`;
    const spec = specs[key] || {};
    const operationId =
      spec.operationId ||
      (op.openapi2021 && op.openapi2021.operationId ? camel(op.openapi2021.operationId) : null);
    if (!operationId) fail(`no operationId for ${key}`);
    if (spec.operationId && op.openapi2021 && op.openapi2021.operationId)
      fail(`${key}: keep the 2021 operationId ${op.openapi2021.operationId}`);
    if (usedIds.has(operationId))
      fail(`operationId ${operationId} used by ${usedIds.get(operationId)} and ${key}`);
    usedIds.set(operationId, key);

    const tag = AREA_TAGS[op.area];
    if (!tag) fail(`no tag for area ${op.area}`);
    usedTags.add(op.area);

    const o = {
      tags: [tag[0]],
      summary: op.title.replace(/\.$/, ''),
    };
    const descr = [];
    if (spec.description) descr.push(spec.description);
    if (op.requiredOneOf) {
      const names = op.requiredOneOf.params.map((n) => `\`${n}\``).join(', ');
      descr.push(
        /exactly one/.test(op.requiredOneOf.rule)
          ? `Give exactly one of ${names} (x-required-one-of).`
          : `Give one of ${names} (x-required-one-of).`,
      );
    }
    if (descr.length) o.description = descr.join(' ');
    o.operationId = operationId;
    o['x-area'] = op.area;
    if (op.source === 'platform') o['x-source'] = 'platform';
    if (op.requiredOneOf) {
      o['x-required-one-of'] = op.requiredOneOf.params;
      o['x-required-one-of-rule'] = /exactly one/.test(op.requiredOneOf.rule)
        ? 'exactly-one'
        : 'at-least-one';
    }
    // parameters the reference lacks that the server accepts (each module entry says why)
    const params = [...op.params, ...(spec.extraParameters || [])];
    if (params.length)
      o.parameters = params.map((p) => {
        const built = buildParameter(p, (spec.parameters || {})[p.name]);
        // marked, so that the reference's own parameters can still be counted exactly
        return op.params.includes(p) ? built : { ...built, 'x-not-in-reference': true };
      });
    for (const name of Object.keys(spec.parameters || {}))
      if (!params.some((p) => p.name === name)) fail(`${key}: override for unknown parameter ${name}`);

    // request body
    if (op.body || spec.requestBody) {
      const rb = spec.requestBody || {};
      let content = {};
      if (rb.content) {
        for (const [ct, s] of Object.entries(rb.content)) content[ct] = s === null ? {} : { schema: s };
      } else {
        const schema = rb.schema;
        if (!schema) fail(`${key}: the seed documents a request body; give its schema in the area module`);
        const cts = new Set();
        const primary = op.body ? op.body.contentType : 'application/json';
        const isPatchDoc =
          /json-patch/.test(primary) ||
          rb.jsonPatch ||
          (op.body && op.body.fields.some((f) => f.name === '[].path'));
        if (isPatchDoc) {
          cts.add('application/json-patch+json');
          cts.add('application/json');
          if (/charset/.test(primary)) cts.add(primary);
        } else {
          // plain media type first, then the variants the seed uses (e.g. ;charset=utf-8)
          cts.add(primary.split(';')[0]);
          cts.add(primary);
          for (const alt of (op.body && op.body.alternativeContentTypes) || []) cts.add(alt);
        }
        for (const ct of cts) content[ct] = { schema };
      }
      o.requestBody = { required: rb.required !== false, content };
      if (rb.description) o.requestBody.description = rb.description;
    }

    // responses
    const responses = {};
    const statuses = [
      ...(op.responses.length ? op.responses : spec.undocumentedResponses || []),
      // statuses the server must answer that the reference's list lacks (each module entry says why)
      ...(spec.extraResponses || []).map((r) => ({ ...r, inferred: true })),
    ];
    if (!statuses.length) fail(`no responses for ${key}`);
    const errName = common.errorSchemaByArea[op.area] || op.errorSchema;
    for (const r of statuses) {
      let desc = sentence(r.meaning || 'Response');
      if (r.inferred) desc += ' (status code inferred)';
      const res = { description: desc };
      const given = spec.responses && spec.responses[r.status];
      if (r.status >= 400) {
        res.content = { 'application/json': { schema: common.ref(errName) } };
      } else if (given) {
        if (given.content) {
          res.content = {};
          for (const [ct, s] of Object.entries(given.content))
            res.content[ct] = s === null ? {} : { schema: s };
          if (given.description) res.description = given.description;
        } else {
          res.content = { 'application/json': { schema: given } };
        }
      }
      responses[String(r.status)] = res;
    }
    if (spec.responses) {
      for (const s of Object.keys(spec.responses))
        if (!responses[s]) fail(`${key}: module gives a schema for status ${s}, not in the status list`);
    }
    o.responses = responses;

    paths[op.path] = paths[op.path] || {};
    const method = op.method.toLowerCase();
    if (paths[op.path][method]) fail(`duplicate ${key}`);
    paths[op.path][method] = o;
  }

  // only keep schemas that are used (directly or through other schemas)
  const used = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string') {
      const name = node.$ref.replace('#/components/schemas/', '');
      if (!schemas[name]) fail(`dangling $ref ${node.$ref}`);
      if (!used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
    }
    for (const v of Object.values(node)) visit(v);
  };
  visit(paths);
  // shared pieces nobody uses are dropped; an unused area schema is a mistake
  const shared = new Set([...Object.keys(common.commonSchemas), ...Object.keys(common.errorSchemas)]);
  const unused = Object.keys(schemas).filter((n) => !used.has(n) && !shared.has(n));
  if (unused.length) fail(`unused schemas: ${unused.join(', ')}`);

  const sortedSchemas = {};
  for (const name of Object.keys(schemas).sort()) if (used.has(name)) sortedSchemas[name] = schemas[name];

  const tags = Object.keys(AREA_TAGS)
    .filter((a) => usedTags.has(a))
    .map((a) => ({ name: AREA_TAGS[a][0], description: AREA_TAGS[a][1] }));

  return {
    openapi: '3.1.0',
    info: {
      title: 'IBM Cloud Data and AI common core API (local implementation)',
      version: '1.0.0',
      description: [
        'Contract of a local implementation of the IBM Cloud Data and AI common core API',
        '(connections, datasource types, projects, spaces, asset exports and imports, jobs and runs,',
        'environments and runtime specifications, asset containers and asset lists).',
        '',
        'This contract is rebuilt from the public API reference: operations, parameters, constraints and',
        'status codes come from tools/contract/reference/common-core-operations.json, and the schemas are',
        "written by hand from the reference's request and response examples. It is generated by",
        'tools/contract/build-common-core.mjs; see spec/README.md for the conventions (x-area,',
        'x-required-one-of, x-comma-separated) and the places where it departs from the reference.',
      ].join('\n'),
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://localhost:8080', description: 'Local server' }],
    security: [{ IAM: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        IAM: iamSecurityScheme,
      },
      schemas: sortedSchemas,
    },
  };
}

writeOrCheck(build(), outFile, 'tools/contract/build-common-core.mjs');
