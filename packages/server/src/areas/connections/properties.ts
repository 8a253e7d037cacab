import { badRequest } from '../../platform/errors.ts';
import type { DatasourceType, PropertyDefinition } from '../datasource-types/model.ts';

/** Longest property value (certificates and keys fit). */
export const MAX_VALUE_CHARS = 65_536;

const invalid = (field: string, name: string, why: string) =>
  badRequest(`Invalid ${field} '${name}': ${why}.`, { target: { type: 'field', name: `${field}s.${name}` } });

/** The one string a property value is stored as (the service keeps every value as a string). */
function normalize(def: PropertyDefinition, value: unknown, field: string): string {
  const bad = (why: string) => invalid(field, def.name, why);
  switch (def.type) {
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return value;
      throw bad('must be an integer');
    case 'boolean':
      if (typeof value === 'boolean') return String(value);
      if (value === 'true' || value === 'false') return value;
      throw bad('must be true or false');
    case 'enum': {
      const allowed = (def.values ?? []).map((v) => v.value);
      if (typeof value === 'string' && allowed.includes(value)) return value;
      throw bad(`must be one of ${allowed.join(', ')}`);
    }
    default:
      if (typeof value !== 'string') throw bad('must be a string');
      if (value.length > MAX_VALUE_CHARS) throw bad(`must be at most ${MAX_VALUE_CHARS} characters`);
      return value;
  }
}

/**
 * Checks properties against a type's definitions: every name known, every value of its type,
 * and (when `requireAll`) every required property present. Answers the values as strings.
 */
export function validateProperties(
  type: DatasourceType,
  props: unknown,
  opts: { requireAll: boolean; field?: string },
): Record<string, string> {
  const field = opts.field ?? 'connection property';
  if (props === undefined || props === null) props = {};
  if (typeof props !== 'object' || Array.isArray(props))
    throw badRequest(`Invalid ${field}s: must be an object.`, {
      target: { type: 'field', name: 'properties' },
    });
  const defs = new Map(type.connection_properties.map((d) => [d.name, d]));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(props as Record<string, unknown>)) {
    const def = defs.get(name);
    if (!def) {
      throw badRequest(
        `Unknown ${field} '${name.slice(0, 100)}' for data source type '${type.name}' (known: ${[...defs.keys()].join(', ')}).`,
        { target: { type: 'field', name: `properties.${name.slice(0, 100)}` } },
      );
    }
    out[name] = normalize(def, value, field);
  }
  if (opts.requireAll) {
    for (const def of type.connection_properties) {
      if (def.required && (out[def.name] === undefined || out[def.name] === '')) {
        throw badRequest(`Missing required ${field} '${def.name}' for data source type '${type.name}'.`, {
          target: { type: 'field', name: `properties.${def.name}` },
        });
      }
    }
  }
  return out;
}

/** The names of a type's secrets (masked properties). */
export const maskedNames = (type: DatasourceType): Set<string> =>
  new Set(type.connection_properties.filter((d) => d.masked).map((d) => d.name));

/** Splits properties into the plain ones and the secrets. */
export function splitSecrets(type: DatasourceType, props: Record<string, string>) {
  const masked = maskedNames(type);
  const plain: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) (masked.has(k) ? secrets : plain)[k] = v;
  return { plain, secrets };
}
