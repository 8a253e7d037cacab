// Operations of the Code Engine v2 contract: parameters, request bodies,
// responses (with ETag headers and error bodies) and the x-* extensions.
import { ERROR_STATUS_TEXT, datePattern, int, obj, ref, str } from './common.mjs';
import { fieldSchema } from './models.mjs';
import { VERSION_RANGE } from './departures.mjs';

const fail = (msg) => {
  throw new Error(msg);
};

/** One tag per resource area (`x-area`), in the order the reference lists them. */
export const AREA_TAGS = {
  projects: ['Projects', 'Code Engine projects.'],
  allowed_outbound_destinations: [
    'Allowed outbound destinations',
    'Destinations (CIDR blocks and Private Path service gateways) that workloads of a project may reach.',
  ],
  egress_ips: ['Egress IPs', 'Egress IP addresses of a project.'],
  status_details: ['Project status details', 'Status of the parts of a project.'],
  apps: ['Apps', 'Applications.'],
  app_instances: ['App instances', 'Running instances of an application.'],
  app_revisions: ['App revisions', 'Revisions of an application.'],
  job_runs: ['Job runs', 'Runs of batch jobs.'],
  jobs: ['Jobs', 'Batch jobs.'],
  function_runtimes: ['Function runtimes', 'Runtimes that functions can use.'],
  functions: ['Functions', 'Functions.'],
  bindings: ['Bindings', 'Service bindings of apps and jobs.'],
  build_runs: ['Build runs', 'Runs of image builds.'],
  builds: ['Builds', 'Image build configurations.'],
  domain_mappings: ['Domain mappings', 'Custom domains mapped to apps and functions.'],
  config_maps: ['Config maps', 'Configuration maps.'],
  secrets: ['Secrets', 'Secrets.'],
  persistent_data_stores: ['Persistent data stores', 'Persistent data stores that apps and jobs can mount.'],
};

/** "getProjectEgressIps" -> "Get project egress IPs". */
export function summaryOf(method) {
  const words = method
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .split(' ');
  const text = words.join(' ').replace(/\bips\b/, 'IPs');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------- parameters

const VERSION_DESCRIPTION =
  `API version date (YYYY-MM-DD), from ${VERSION_RANGE.min} to ${VERSION_RANGE.max}. ` +
  'Optional: the reference gives no default, and SDK clients leave it out when their version option is unset.';

function buildParameter(p, where) {
  const param = { name: p.wireName, in: where, required: where === 'path' ? true : Boolean(p.required) };
  const notes = [];
  let schema;
  if (p.wireName === 'version' && where === 'query') {
    schema = str({ pattern: datePattern(VERSION_RANGE.min, VERSION_RANGE.max) });
    notes.push(VERSION_DESCRIPTION);
    param['x-version-range'] = { ...VERSION_RANGE };
  } else if (p.wireName === 'limit') {
    // Bounds and default as IBM's public Code Engine API documentation gives them (departures.mjs).
    schema = int({ minimum: 1, maximum: 100, default: 50 });
    notes.push('Page size: the most items one page holds (1 to 100, default 50).');
  } else if (p.wireName === 'start') {
    schema = str();
    notes.push('Page token: `next.start` of the previous page; leave out for the first page.');
  } else if (p.wireName === 'If-Match') {
    schema = str({ minLength: 1 });
    notes.push(
      'Entity tag of the version to change: the `entity_tag` field or `ETag` header of a read; `*` matches any version.',
    );
  } else {
    if (p.enum) schema = str({ enum: p.enum });
    else if (p.type === 'boolean') schema = { type: 'boolean' };
    else if (p.type === 'number') schema = int();
    else if (p.type === 'string') schema = str();
    else fail(`unknown parameter type ${p.type} (${p.wireName})`);
    if (p.note) notes.push(p.note.charAt(0).toUpperCase() + p.note.slice(1) + '.');
  }
  if (notes.length) param.description = notes.join(' ');
  param.schema = schema;
  return param;
}

// ---------------------------------------------------------------- bodies

/** Component name of the body of an operation whose body is assembled from parameters. */
export function bodySchemaName(op) {
  const verb = op.sdkMethod.match(/^[a-z]+/)[0];
  const suffix = { create: 'Prototype', update: 'Patch', replace: 'Replace' }[verb];
  if (!suffix) fail(`${op.sdkMethod}: no body name for verb ${verb}`);
  return `${op.responseType}${suffix}`;
}

/**
 * Body assembled from the operation's parameters. A `data` of a type whose
 * variant an owner property picks (SecretData by `format`, StorageData by
 * `storage_type`) adds one `oneOf` branch per value of that property.
 */
function assembledBody(op, known, discriminated) {
  const properties = {};
  const required = [];
  let branches = null;
  for (const p of op.bodyParams) {
    properties[p.wireName] = fieldSchema(p, known);
    if (p.required) required.push(p.wireName);
    const d = discriminated[p.type];
    if (d) {
      const owner =
        op.bodyParams.find((q) => q.wireName === d.property) || fail(`${op.sdkMethod}: no ${d.property}`);
      if (!owner.required || !owner.enum) fail(`${op.sdkMethod}: ${d.property} must be a required enum`);
      const mapped = new Set(d.variants.map((v) => v.value));
      for (const v of mapped)
        if (!owner.enum.includes(v)) fail(`${op.sdkMethod}: variant ${v} not in the enum`);
      const rest = owner.enum.filter((v) => !mapped.has(v));
      if (d.variants.length === 1 && !rest.length) {
        // one possible value: the data is always that variant
        properties[p.wireName] = ref(d.variants[0].schema);
        continue;
      }
      const branch = (value, schema) => obj({ [d.property]: value, [p.wireName]: ref(schema) }, [d.property]);
      branches = d.variants.map((v) => branch(str({ const: v.value }), v.schema));
      if (rest.length) branches.push(branch(str({ enum: rest }), p.type));
    }
  }
  const verb = op.sdkMethod.match(/^[a-z]+/)[0];
  const description = {
    create: `Body of ${op.sdkMethod}.`,
    update: `Body of ${op.sdkMethod}: a JSON merge patch (RFC 7396); members left out stay as they are.`,
    replace: `Body of ${op.sdkMethod}: replaces the whole ${op.responseType}.`,
  }[verb];
  const extra = { description };
  if (branches) extra.oneOf = branches;
  return obj(properties, required, extra);
}

// ---------------------------------------------------------------- responses

const SUCCESS_TEXT = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

/** Success status: the reference's, or the method's usual one when the reference has none. */
function successStatus(op) {
  if (typeof op.successStatus === 'number') return { status: op.successStatus, inferred: false };
  const usual = { GET: 200, POST: 201, DELETE: 202, PATCH: 200, PUT: 200 }[op.httpMethod];
  return { status: usual, inferred: true };
}

function errorStatuses(op) {
  const list = [400, 401, 403];
  if (op.pathParams.length) list.push(404);
  if (op.httpMethod === 'POST') list.push(409);
  if (op.headerParams.some((h) => h.wireName === 'If-Match')) list.push(412);
  list.push(500);
  return list;
}

// ---------------------------------------------------------------- operation

/**
 * OpenAPI operation for a reference operation. Body schemas it names are
 * added to `bodySchemas`.
 */
export function buildOperation(op, { known, models, discriminated, bodySchemas }) {
  const tag = AREA_TAGS[op.resourceArea] || fail(`no tag for area ${op.resourceArea}`);
  const o = {
    tags: [tag[0]],
    summary: summaryOf(op.sdkMethod),
  };
  const notes = [];
  if (op.patchSemantics) notes.push('The body is a JSON merge patch (`application/merge-patch+json`).');
  for (const q of op.quirks || []) notes.push(`Reference: ${q}.`);
  if (notes.length) o.description = notes.join(' ');
  o.operationId = op.sdkMethod;
  o['x-area'] = op.resourceArea;
  o['x-sdk-section'] = op.sdkSection;
  if (op.pager) {
    o['x-pager'] = {
      class: op.pager.class,
      itemsField: op.pager.itemsField,
      itemType: op.pager.itemType,
      tokenParameter: op.pager.tokenQueryParam,
      nextToken: op.pager.nextTokenFrom,
    };
  }
  const renames = (op.history || []).map((h) => h.change);
  const methodRename = renames.map((c) => /^renamed from (\w+)$/.exec(c)).find(Boolean);
  const pagerRename = renames.map((c) => /^pager renamed (\w+) -> (\w+)$/.exec(c)).find(Boolean);
  if (methodRename || pagerRename) {
    o['x-renamed-from'] = {};
    if (methodRename) o['x-renamed-from'].operationId = methodRename[1];
    if (pagerRename) o['x-renamed-from'].pager = pagerRename[1];
  }

  const params = [
    ...op.pathParams.map((p) => buildParameter(p, 'path')),
    ...op.queryParams.map((p) => buildParameter(p, 'query')),
    ...op.headerParams.map((p) => buildParameter(p, 'header')),
  ];
  if (params.length) o.parameters = params;

  if (op.bodyKind !== 'none') {
    let schema;
    if (op.requestBodyModel) {
      if (!known.has(op.requestBodyModel)) fail(`${op.sdkMethod}: unknown body model`);
      schema = ref(op.requestBodyModel);
    } else {
      const name = bodySchemaName(op);
      if (known.has(name) || bodySchemas[name]) fail(`body schema name ${name} taken`);
      bodySchemas[name] = assembledBody(op, known, discriminated);
      schema = ref(name);
    }
    const ct = op.contentType || fail(`${op.sdkMethod}: body without content type`);
    o.requestBody = { required: true, content: { [ct]: { schema } } };
  }

  const responses = {};
  const { status, inferred } = successStatus(op);
  const ok = { description: SUCCESS_TEXT[status] + (inferred ? ' (status code inferred)' : '') };
  if (op.responseType !== 'EmptyObject') {
    if (!known.has(op.responseType)) fail(`${op.sdkMethod}: unknown response model ${op.responseType}`);
    const model = models.get(op.responseType);
    const hasTag = model.fields.some((f) => f.wireName === 'entity_tag');
    if (hasTag) {
      ok.headers = {
        ETag: {
          description: 'Entity tag of the resource (its `entity_tag`); send it back in If-Match.',
          schema: str(),
        },
      };
    }
    ok.content = { [op.accept]: { schema: ref(op.responseType) } };
  }
  responses[String(status)] = ok;
  for (const s of errorStatuses(op)) {
    responses[String(s)] = {
      description: ERROR_STATUS_TEXT[s],
      content: { 'application/json': { schema: ref('CodeEngineError') } },
    };
  }
  o.responses = responses;
  if (inferred) o['x-status-inferred'] = true;
  return o;
}
