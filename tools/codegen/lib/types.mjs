// JSON Schema (the contracts' draft-07 dialect) to TypeScript types, and the model declarations of
// a service namespace: interfaces, unions and IBM-style `Constants` namespaces of enum values.
import { constantKey, docComment, pascalCase, propertyKey } from './names.mjs';

export const refName = (ref) => ref.split('/').pop();

/** Resolves a `$ref` (and a lone `allOf` wrapper) to the schema it names. */
export function resolve(schema, components) {
  let s = schema ?? {};
  for (let i = 0; i < 10; i++) {
    if (s.$ref) s = components[refName(s.$ref)];
    else if (s.allOf?.length === 1 && !s.properties) s = s.allOf[0];
    else break;
  }
  return s;
}

const literal = (v) =>
  typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(v);
const wrap = (t) => (/[|&]/.test(t) && !/^[A-Za-z0-9_.<>[\]]+$/.test(t) ? `(${t})` : t);

/** The TypeScript type of `schema`; `indent` is the indentation of the line the type starts on. */
export function typeOf(schema, indent = '', q = '') {
  if (!schema || typeof schema !== 'object') return 'any';
  if (schema.$ref) return q + refName(schema.$ref);
  if (schema.allOf?.length) {
    const parts = schema.allOf.map((s) => typeOf(s, indent, q));
    if (schema.properties) parts.push(objectType(schema, indent, q));
    return parts.length === 1 ? parts[0] : parts.map(wrap).join(' & ');
  }
  if ('const' in schema) return literal(schema.const);
  if (Array.isArray(schema.enum)) {
    // A nullable enum (`type: [string, null]`, `null` among the values) is the enum's type | null,
    // so a string enum stays open (OpenEnum) whether or not it may be null.
    const values = schema.enum.filter((v) => v !== null);
    const nullable = values.length < schema.enum.length || [schema.type].flat().includes('null');
    const union = values.map(literal).join(' | ');
    const open = values.length && values.every((v) => typeof v === 'string');
    const type = open ? `${q}OpenEnum<${union}>` : union;
    return nullable ? (type ? `${type} | null` : 'null') : type;
  }
  if ((schema.oneOf || schema.anyOf) && !schema.properties) {
    const members = [...new Set((schema.oneOf ?? schema.anyOf).map((s) => typeOf(s, indent, q)))];
    return members.length === 1 ? members[0] : members.map(wrap).join(' | ');
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return types.map((t) => wrap(typeOf({ ...schema, type: t }, indent, q))).join(' | ');
  switch (types[0]) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = typeOf(schema.items, indent, q);
      return /^[A-Za-z0-9_.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'object':
      return objectType(schema, indent, q);
    default:
      return schema.properties ? objectType(schema, indent, q) : 'any';
  }
}

/** The members of an object schema, one per line, with their doc comments. */
export function objectMembers(schema, indent, q = '') {
  const required = new Set(schema.required ?? []);
  const lines = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    lines.push(
      docComment([prop?.description], indent) +
        `${indent}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${typeOf(prop, indent, q)};`,
    );
  }
  const extra = schema.additionalProperties;
  if (extra === true || (extra && typeof extra === 'object')) {
    const hasProps = Object.keys(schema.properties ?? {}).length > 0;
    const t = extra === true || hasProps ? 'any' : typeOf(extra, indent, q);
    lines.push(`${indent}[key: string]: ${t};`);
  }
  return lines;
}

function objectType(schema, indent, q) {
  const props = Object.keys(schema.properties ?? {});
  if (!props.length) {
    const extra = schema.additionalProperties;
    if (extra && typeof extra === 'object') return `{ [key: string]: ${typeOf(extra, indent, q)} }`;
    return `${q}JsonObject`;
  }
  return `{\n${objectMembers(schema, indent + '  ', q).join('\n')}\n${indent}}`;
}

/** The string enums of an object's own properties (merged over its variants): name → values. */
export function enumsOf(schema, components) {
  const out = new Map();
  const add = (prop, values) => {
    const list = out.get(prop) ?? [];
    for (const v of values) if (typeof v === 'string' && !list.includes(v)) list.push(v);
    if (list.length) out.set(prop, list);
  };
  const visit = (s, depth) => {
    s = resolve(s, components);
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      const p = prop?.$ref ? null : resolve(prop, components);
      if (!p) continue;
      if (Array.isArray(p.enum)) add(name, p.enum);
      else if (typeof p.const === 'string') add(name, [p.const]);
    }
    if (depth < 2 && !s.properties) for (const v of s.oneOf ?? s.anyOf ?? []) visit(v, depth + 1);
  };
  visit(schema, 0);
  return out;
}

/** `export namespace Constants { ... }` for enums (name → values), or '' when there are none. */
export function constantsBlock(enums, indent, title = 'Constants') {
  if (!enums.size) return '';
  const lines = [`${indent}export namespace ${title} {`];
  for (const [prop, values] of enums) {
    const name = pascalCase(prop);
    const used = new Set();
    lines.push(`${indent}  /** Values of \`${prop}\`. */`);
    lines.push(`${indent}  export const ${name} = {`);
    for (const v of values) {
      let key = constantKey(v);
      while (used.has(key)) key += '_';
      used.add(key);
      lines.push(`${indent}    ${key}: ${literal(v)},`);
    }
    lines.push(`${indent}  } as const;`);
    lines.push(`${indent}  export type ${name} = (typeof ${name})[keyof typeof ${name}];`);
  }
  lines.push(`${indent}}`);
  return lines.join('\n');
}

/** The declaration of one component schema inside the service namespace. */
export function modelDeclaration(name, schema, components, indent) {
  const doc = docComment([schema.description], indent);
  let decl;
  const isObject = schema.type === 'object' || schema.properties;
  const union = (schema.oneOf || schema.anyOf) && !schema.properties;
  if (isObject && !union && !schema.allOf) {
    decl = `${doc}${indent}export interface ${name} {\n${objectMembers(schema, indent + '  ').join('\n')}\n${indent}}`;
  } else {
    decl = `${doc}${indent}export type ${name} = ${typeOf(schema, indent)};`;
  }
  const constants = constantsBlock(enumsOf(schema, components), indent + '  ');
  if (constants) decl += `\n${indent}export namespace ${name} {\n${constants}\n${indent}}`;
  return decl;
}
