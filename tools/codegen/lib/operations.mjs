// One contract operation → its parameter interface, its method on the service class, its
// per-operation enum constants and (for lists) its pager class.
import { camelCase, docComment, pascalCase, propertyKey } from './names.mjs';
import { constantsBlock, refName, resolve, typeOf } from './types.mjs';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const BINARY = /octet-stream|zip|binary/;

/** Every operation of a contract, in contract order. */
export function contractOperations(contract) {
  const ops = [];
  for (const [path, item] of Object.entries(contract.paths))
    for (const method of HTTP_METHODS) if (item[method]) ops.push({ path, method, op: item[method], item });
  return ops;
}

/** A model name without its request suffix: `AllowedOutboundDestinationPrototype` → `allowedOutboundDestination`. */
const wholeBodyName = (ref) =>
  camelCase(ref.replace(/(Prototype|Patch|Replace|Create|Update)$/, '')) || 'body';

/** The request body: how the SDK method takes it and which content type it sends. */
function describeBody(op, components) {
  const rb = op.requestBody;
  if (!rb) return { mode: 'none' };
  const types = Object.keys(rb.content).filter((t) => !t.startsWith('multipart/'));
  if (!types.length) return { mode: 'none', skipped: Object.keys(rb.content) };
  const raw = rb.content[types[0]].schema ?? {};
  const schema = resolve(raw, components);
  const ref = raw.$ref ? refName(raw.$ref) : undefined;
  const required = rb.required === true;
  if (schema.type === 'array') {
    const patch = types.find((t) => t.includes('json-patch'));
    const name = patch ? 'jsonPatch' : ref ? camelCase(ref) : 'body';
    return {
      mode: 'whole',
      contentType: patch ?? types[0],
      name,
      type: typeOf(raw, '    '),
      required,
      description: schema.description,
    };
  }
  const binaryType = types.find((t) => BINARY.test(t));
  if (binaryType || (schema.type === 'string' && schema.format === 'binary') || !Object.keys(schema).length)
    return {
      mode: 'binary',
      contentType: binaryType ?? types[0],
      name: 'body',
      type: 'UploadBody',
      required,
      description: 'The request body: a string, bytes or a stream of bytes.',
    };
  const json = types.find((t) => /json/.test(t)) ?? types[0];
  const props = schema.properties ?? {};
  if (Object.keys(props).length && !(schema.oneOf && !schema.properties))
    return { mode: 'flatten', contentType: json, schema, required };
  if ((schema.oneOf || schema.anyOf) && ref)
    return {
      mode: 'whole',
      contentType: json,
      name: wholeBodyName(ref),
      type: ref,
      required,
      description: schema.description,
    };
  // An empty object body: sent (`{}`) only when the contract requires it.
  if (!schema.additionalProperties && schema.properties)
    return { mode: 'fixed', contentType: required ? json : undefined, required };
  return {
    mode: 'whole',
    contentType: json,
    name: ref ? wholeBodyName(ref) : 'body',
    type: typeOf(raw, '    '),
    required,
    description: schema.description,
  };
}

const isFileSchema = (s) =>
  s?.format === 'binary' || !!s?.contentMediaType || s?.contentEncoding === 'binary';

/** The `multipart/form-data` body, when the operation takes one: its fields, files marked. */
function describeMultipart(op, components) {
  const contentType = Object.keys(op.requestBody?.content ?? {}).find((t) => t.startsWith('multipart/'));
  if (!contentType) return undefined;
  const schema = resolve(op.requestBody.content[contentType].schema ?? {}, components);
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([wire, prop]) => ({
    wire,
    prop: resolve(prop, components),
    file: isFileSchema(resolve(prop, components)),
    required: required.has(wire),
  }));
  return { contentType, fields, bodyRequired: op.requestBody.required === true };
}

/** The result type (inside and outside the namespace) and whether the body is a stream. */
function describeResponse(op, ns) {
  const types = [];
  const qualified = [];
  let stream;
  for (const [code, response] of Object.entries(op.responses ?? {})) {
    if (!/^2/.test(code)) continue;
    for (const [ct, media] of Object.entries(response.content ?? {})) {
      if (/json/.test(ct)) {
        types.push(typeOf(media.schema, '    '));
        qualified.push(typeOf(media.schema, '    ', ns + '.'));
      } else if (BINARY.test(ct) || ct.startsWith('text/')) stream = ct;
    }
  }
  if (stream && !types.length)
    return { type: 'NodeJS.ReadableStream', qualified: 'NodeJS.ReadableStream', stream, accept: stream };
  if (!types.length) return { type: 'EmptyObject', qualified: `${ns}.EmptyObject` };
  return {
    type: [...new Set(types)].join(' | '),
    qualified: [...new Set(qualified)].join(' | '),
    accept: 'application/json',
  };
}

/**
 * The SDK view of one operation: parameters with their camelCase names, the body, the result.
 * `service.versionParam` names the query parameter that comes from the client option instead.
 */
export function describeOperation({ path, method, op, item }, service, components) {
  const params = [];
  const skipped = [];
  const add = (p) => {
    const clash = params.find((q) => q.name === p.name);
    if (clash)
      throw new Error(`${op.operationId}: parameter name ${p.name} is used twice (${clash.wire}, ${p.wire})`);
    params.push(p);
  };
  const all = [...(item.parameters ?? []), ...(op.parameters ?? [])];
  for (const p of all) {
    if (p.in === 'query' && p.name === service.versionParam) continue;
    if (p.in === 'header' && p.name.toLowerCase() === 'content-type') {
      skipped.push('the `Content-Type` header parameter (set from the body)');
      continue;
    }
    let type = typeOf(p.schema, '    ');
    if (p['x-comma-separated']) type = `${type === 'string' ? 'string' : `(${type})`} | string[]`;
    add({
      deprecated: p.deprecated === true,
      name: camelCase(p.name),
      wire: p.name,
      in: p.in,
      required: p.required === true || p.in === 'path',
      type,
      description: p.description,
      schema: p.schema,
    });
  }
  const body = describeBody(op, components);
  const multipart = describeMultipart(op, components);
  if (body.mode === 'flatten') {
    const required = new Set(body.schema.required ?? []);
    for (const [wire, prop] of Object.entries(body.schema.properties)) {
      let name = camelCase(wire);
      if (params.some((q) => q.name === name)) name = 'body' + pascalCase(wire);
      add({
        name,
        wire,
        in: 'body',
        required: body.required && required.has(wire),
        type: typeOf(prop, '    '),
        description: prop?.description,
        schema: prop,
      });
    }
  } else if (body.mode === 'whole' || body.mode === 'binary') {
    add({
      name: body.name,
      wire: '(body)',
      in: 'body',
      whole: true,
      required: body.required,
      type: body.type,
      description: body.description,
    });
  }
  if (multipart) addFormFields(multipart, body, params, add);
  const versioned = all.some((p) => p.in === 'query' && p.name === service.versionParam);
  return {
    id: op.operationId,
    path,
    method,
    op,
    params,
    body,
    response: describeResponse(op, service.className),
    versioned,
    skipped,
    multipart,
  };
}

/**
 * The form's fields as parameters. A field the other body already has is shared; a file field
 * `file` brings `fileContentType` and `fileFilename`. When the form is an alternative to another
 * body (an archive instead of JSON), giving its first file selects it, and neither body's fields
 * are required by the SDK: the server says which are missing.
 */
function addFormFields(multipart, body, params, add) {
  const alternative = body.mode !== 'none';
  if (alternative) for (const p of params) if (p.in === 'body') p.required = false;
  for (const f of multipart.fields) {
    const name = camelCase(f.wire);
    const shared = params.find((p) => p.name === name && p.in === 'body' && !p.whole);
    f.param = shared?.name ?? name;
    if (shared) continue;
    const required = !alternative && multipart.bodyRequired && f.required;
    add({
      name,
      wire: f.wire,
      in: 'form',
      required,
      type: f.file ? 'UploadBody' : typeOf(f.prop, '    '),
      description: f.file
        ? `${f.prop.description ?? ''} A string, bytes, a Node Readable or a web ReadableStream (streamed, never buffered).`.trim()
        : f.prop.description,
      schema: f.prop,
    });
    if (f.file) {
      add({
        name: name + 'ContentType',
        wire: `${f.wire} content type`,
        in: 'form',
        required: false,
        type: 'string',
        description: `The content type of \`${name}\` (default ${f.prop.contentMediaType ?? 'application/octet-stream'}).`,
      });
      add({
        name: name + 'Filename',
        wire: `${f.wire} file name`,
        in: 'form',
        required: false,
        type: 'string',
        description: `The file name sent with \`${name}\`.`,
      });
    }
  }
  multipart.selector = alternative ? multipart.fields.find((f) => f.file)?.param : undefined;
}

/** Names of the constants namespace and its enums, from the enum-typed parameters. */
function operationEnums(d, components) {
  const enums = new Map();
  for (const p of d.params) {
    const s = p.schema ? resolve(p.schema, components) : undefined;
    if (!s || p.whole) continue;
    // A nullable enum's constants are its string values (`null` is written as such).
    const values = Array.isArray(s.enum) ? s.enum.filter((v) => v !== null) : [];
    if (values.length && values.every((v) => typeof v === 'string')) enums.set(p.name, values);
  }
  return enums;
}

/** The per-call options (`DefaultParams`) every method also takes in its params object. */
export const PER_CALL_OPTIONS = ['headers', 'signal', 'timeout'];

/**
 * The per-call options an operation's parameters leave free. A parameter of the same name (the
 * `timeout` of a Code Engine build) is the API's: it goes to the server, and that option is then
 * given in the method's second argument only.
 */
const perCallInParams = (d) => PER_CALL_OPTIONS.filter((o) => !d.params.some((p) => p.name === o));

/** Declarations inside the namespace: the params interface and the operation's constants. */
export function operationDeclarations(d, components) {
  const name = pascalCase(d.id) + 'Params';
  const taken = PER_CALL_OPTIONS.filter((o) => !perCallInParams(d).includes(o));
  const base = taken.length
    ? `Omit<DefaultParams, ${taken.map((o) => `'${o}'`).join(' | ')}>`
    : 'DefaultParams';
  const lines = [docComment([`Parameters for the \`${d.id}\` operation.`], '  ')];
  lines.push(`  export interface ${name} extends ${base} {`);
  for (const p of d.params) {
    const where =
      p.in === 'body'
        ? p.whole
          ? 'request body'
          : `body field \`${p.wire}\``
        : `${p.in} parameter \`${p.wire}\``;
    lines.push(
      docComment([p.description, `(${where})`, p.deprecated ? '@deprecated' : undefined], '    ') +
        `    ${propertyKey(p.name)}${p.required ? '' : '?'}: ${p.type};`,
    );
  }
  lines.push('  }');
  const enums = operationEnums(d, components);
  const constants = constantsBlock(enums, '  ', `${pascalCase(d.id)}Constants`);
  return (
    lines.join('\n') +
    (constants ? `\n\n${docComment([`Enum values of the \`${d.id}\` parameters.`], '  ')}${constants}` : '')
  );
}

const objectLiteral = (entries, indent) =>
  entries.length
    ? `{\n${entries.map(([k, v]) => `${indent}  ${propertyKey(k)}: ${v},`).join('\n')}\n${indent}}`
    : undefined;

/** The method of the service class. */
export function operationMethod(d, service) {
  const ns = service.className;
  const paramsType = `${ns}.${pascalCase(d.id)}Params`;
  const required = d.params.filter((p) => p.required).map((p) => p.name);
  const perCall = perCallInParams(d);
  const valid = [...d.params.map((p) => p.name), ...perCall];
  // A per-call option from the second argument, else (when no parameter has its name) from params.
  const option = (o) => (perCall.includes(o) ? `callOptions?.${o} ?? _params.${o}` : `callOptions?.${o}`);
  const optionalArg = required.length === 0;
  const pick = (where) =>
    d.params.filter((p) => p.in === where && !p.whole).map((p) => [p.wire, `_params.${p.name}`]);
  const qs = pick('query');
  if (d.versioned) qs.unshift([service.versionParam, 'this.version']);
  const headers = pick('header');
  const accept = headers.find(([wire]) => wire.toLowerCase() === 'accept');
  if (accept && d.response.accept) accept[1] = `${accept[1]} ?? '${d.response.accept}'`;
  else if (d.response.accept) headers.push(['Accept', `'${d.response.accept}'`]);
  const selector = d.multipart?.selector ? `_params.${d.multipart.selector} !== undefined` : undefined;
  const onlyForm = d.multipart && d.body.mode === 'none';
  if (d.body.contentType)
    headers.push([
      'Content-Type',
      selector ? `${selector} ? undefined : '${d.body.contentType}'` : `'${d.body.contentType}'`,
    ]);
  const options = [
    ['url', `'${d.path}'`],
    ['method', `'${d.method.toUpperCase()}'`],
  ];
  const path = objectLiteral(pick('path'), '        ');
  if (path) options.push(['path', path]);
  const query = objectLiteral(qs, '        ');
  if (query) options.push(['qs', query]);
  // An optional body is left out when none of its fields is given: `{}` is a body, and servers
  // validate it as one.
  let bodyCode;
  if (d.body.mode === 'flatten') {
    bodyCode = objectLiteral(pick('body'), '        ');
    if (!d.body.required) bodyCode = `bodyIfAny(${bodyCode})`;
  } else if (d.body.mode === 'whole' || d.body.mode === 'binary') bodyCode = `_params.${d.body.name}`;
  else if (d.body.mode === 'fixed' && d.body.required) bodyCode = '{}';
  if (bodyCode) options.push(['body', selector ? `${selector} ? undefined : ${bodyCode}` : bodyCode]);
  if (d.multipart && (selector || onlyForm)) {
    const form = objectLiteral(
      d.multipart.fields.map((f) => [
        f.wire,
        f.file
          ? `_params.${f.param} === undefined ? undefined : { data: _params.${f.param}, contentType: _params.${f.param}ContentType ?? '${f.prop.contentMediaType ?? 'application/octet-stream'}', filename: _params.${f.param}Filename ?? '${f.wire}${f.prop.contentMediaType === 'application/zip' ? '.zip' : ''}' }`
          : `_params.${f.param}`,
      ]),
      '        ',
    );
    options.push(['formData', selector ? `${selector} ? ${form} : undefined` : form]);
  }
  options.push([
    'headers',
    `{\n${headers.map(([k, v]) => `          ${propertyKey(k)}: ${v},`).join('\n')}\n${perCall.includes('headers') ? '          ..._params.headers,\n' : ''}          ...callOptions?.headers,\n        }`,
  ]);
  if (d.response.stream) options.push(['responseType', `'stream'`]);
  options.push(['signal', option('signal')], ['timeout', option('timeout')]);

  const doc = [d.op.summary, d.op.description];
  if (d.skipped.length) doc.push(`Not supported by this SDK: ${d.skipped.join('; ')}.`);
  const paramDocs = [`@param {Object} params - The parameters to send to the service.`];
  for (const p of d.params)
    paramDocs.push(
      `@param {${p.type.includes('\n') ? 'Object' : p.type}} ${p.required ? `params.${p.name}` : `[params.${p.name}]`}${p.description ? ' - ' + p.description.split('\n')[0] : ''}`,
    );
  if (perCall.includes('headers'))
    paramDocs.push(`@param {Record<string, string>} [params.headers] - Custom request headers.`);
  const only = PER_CALL_OPTIONS.filter((o) => !perCall.includes(o));
  paramDocs.push(
    `@param {CallOptions} [callOptions] - \`headers\`, \`signal\`, \`timeout\` for this call${only.length ? ` (\`${only.join('`, `')}\` only here: \`params.${only[0]}\` is the API's)` : ''}.`,
  );
  paramDocs.push(
    `@returns {Promise<${ns}.Response<${d.response.qualified.includes('\n') ? 'Object' : d.response.qualified}>>}`,
  );
  doc.push(paramDocs.join('\n'));
  const resultType = d.response.qualified;
  return (
    docComment(doc, '  ') +
    `  public ${d.id}(params${optionalArg ? '?' : ''}: ${paramsType}, callOptions?: ${ns}.CallOptions): Promise<${ns}.Response<${resultType}>> {\n` +
    `    const _params = { ...params };\n` +
    `    const _error = checkParams(_params, ${JSON.stringify(required)}, ${JSON.stringify(valid)});\n` +
    `    if (_error) return Promise.reject(_error);\n` +
    `    return this.createRequest<${resultType}>({\n` +
    `      options: {\n${options.map(([k, v]) => `        ${k}: ${v},`).join('\n')}\n      },\n` +
    `    });\n  }\n`
  );
}

/** The pager class of a list operation, inside the namespace. */
export function pagerDeclaration(d, pager, service, components) {
  const ns = service.className;
  const result = d.op.responses?.['200']?.content?.['application/json']?.schema;
  const listSchema = resolve(result, components);
  const field = listSchema.properties?.[pager.itemsField];
  if (!field || resolve(field, components).type !== 'array')
    throw new Error(`${d.id}: the result has no array "${pager.itemsField}" for ${pager.className}`);
  const itemType = typeOf(resolve(field, components).items, '    ');
  const tokenParam = camelCase(pager.scheme.param);
  if (!d.params.some((p) => p.name === tokenParam && (p.in === 'query' || p.in === 'body')))
    throw new Error(
      `${d.id}: ${pager.className} pages with "${tokenParam}", which the operation does not take`,
    );
  const paramsType = `${pascalCase(d.id)}Params`;
  const optional = !d.params.some((p) => p.required);
  return (
    docComment(
      [
        `Pages through \`${d.id}\`: \`hasNext()\`, \`getNext()\` and \`getAll()\`, or \`for await\` over the items.`,
        `Each page is one call; the \`${tokenParam}\` parameter is managed by the pager.`,
      ],
      '  ',
    ) +
    `  export class ${pager.className} extends Pager<${itemType}> {\n` +
    `    constructor(client: ${ns}, params${optional ? '?' : ''}: ${paramsType}) {\n` +
    `      super(pageFetcher((p: ${paramsType}) => client.${d.id}(p), { ...params }, '${pager.itemsField}', ${pager.scheme.code}));\n` +
    `    }\n  }`
  );
}
