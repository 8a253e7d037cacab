// Turns the API models of code-engine-v2-models.json into component schemas.
//
// Rules:
//  * `number` fields are integers (ports, seconds, counts, exit codes: the
//    SDK's TypeScript has no integer type).
//  * Open enums of the SDK (`X.Constants.Y | string`) become closed `enum`s:
//    the contract lists the values the server accepts and sends.
//  * A base model whose subclasses carry the discriminator property (`type`)
//    becomes a `oneOf` of the subclasses; each subclass repeats the base
//    fields, with the discriminator as a `const`.
//  * Bases chosen by a property of the owning object (SecretData by
//    `format`, StorageData by `storage_type`) stay string maps; the owning
//    body picks the subclass (see discriminatedData in operations.mjs).
//  * Patch variants without a discriminator are an `anyOf` of closed objects.
//  * Request models for volume mounts are closed, so a `name` is refused.
import { arr, bool, dataMapKeywords, int, obj, ref, str } from './common.mjs';

const fail = (msg) => {
  throw new Error(msg);
};

/** JsonObject fields that the reference describes as string maps with key rules. */
const isDataMapNote = (note) => typeof note === 'string' && /^string map; keys/.test(note);

/** Schema of one field of a model or one body parameter. */
export function fieldSchema(f, known) {
  const t = f.type;
  let s;
  if (f.enum) {
    s = str({ enum: f.enum });
  } else if (t === 'string') s = str();
  else if (t === 'number') s = int();
  else if (t === 'boolean') s = bool();
  else if (t === 'string[]') s = arr(str());
  else if (t === 'JsonObject') {
    s = isDataMapNote(f.note) ? obj({}, [], dataMapKeywords()) : obj({}, [], { additionalProperties: true });
  } else if (/^[A-Z][A-Za-z]*\[\]$/.test(t)) {
    const m = t.slice(0, -2);
    if (!known.has(m)) fail(`unknown model ${m}`);
    s = arr(ref(m));
  } else if (/^[A-Z][A-Za-z]*$/.test(t)) {
    if (!known.has(t)) fail(`unknown model ${t}`);
    s = ref(t);
  } else fail(`unknown field type ${t} (${f.wireName})`);
  if (f.default !== undefined) s = { ...s, default: f.default };
  const notes = [];
  if (f.note) notes.push(f.note);
  if (f.defaultNote && !(f.note || '').includes(f.defaultNote)) notes.push(`default: ${f.defaultNote}`);
  if (notes.length) {
    if (s.$ref) s = { allOf: [s], description: notes.join('; ') };
    else s = { description: notes.join('; '), ...s };
  }
  return s;
}

/**
 * A field typed as an owner-discriminated base (StorageData) whose owner
 * property has a single possible value is that value's variant.
 */
function pinSingleVariant(m, properties, byName) {
  for (const f of m.fields) {
    const base = byName.get(f.type);
    if (!base || !base.subclasses || !base.additionalProperties) continue;
    const owner = m.fields.find((g) => g.wireName === base.discriminator.property);
    if (!owner || !owner.enum || owner.enum.length !== 1) continue;
    const sub = base.subclasses.find((s) => s.discriminatorValue === owner.enum[0]);
    if (sub) properties[f.wireName] = ref(sub.name);
  }
}

/** properties + required of a list of fields. */
function objectParts(fields, known) {
  const properties = {};
  for (const f of fields) properties[f.wireName] = fieldSchema(f, known);
  const required = fields.filter((f) => f.required).map((f) => f.wireName);
  return { properties, required };
}

const describeModel = (m) => {
  const parts = [];
  if (m.note) parts.push(m.note.charAt(0).toUpperCase() + m.note.slice(1) + '.');
  const side = {
    request: 'Request model.',
    response: 'Response model.',
    both: 'Request and response model.',
  }[m.side];
  if (side) parts.push(side);
  if (m.side === 'unreferenced') parts.push('Not referenced by any operation.');
  return parts.join(' ');
};

/**
 * Component schemas for every API model. Returns { schemas, discriminated }
 * where `discriminated` maps the owner-discriminated bases (SecretData,
 * StorageData) to { property, variants: [{ value, schema }] }.
 */
export function buildModelSchemas(modelsDoc) {
  const models = modelsDoc.models.filter((m) => m.category === 'model');
  const byName = new Map(models.map((m) => [m.name, m]));
  const known = new Set(byName.keys());
  const schemas = {};
  const discriminated = {};

  for (const m of models) {
    const description = describeModel(m);
    if (m.extends) {
      if (m.extends.length !== 1) fail(`${m.name} extends ${m.extends.join(', ')}`);
      const base = byName.get(m.extends[0]) || fail(`unknown base ${m.extends[0]}`);
      const prop = base.discriminator && base.discriminator.property;
      const inherited = base.fields.filter((f) => m.inheritedFields.includes(f.wireName));
      if (inherited.length !== m.inheritedFields.length) fail(`${m.name}: inherited fields not found`);
      const { properties, required } = objectParts([...inherited, ...m.fields], known);
      const value = String(m.discriminatorValue).split(' ')[0];
      if (prop === 'type' && base.discriminator.where === 'field of this model') {
        // the discriminator is a field of the model: pin it to this subclass's value
        properties.type = str({ const: value });
      }
      const extra = { description: `${description} Variant of ${base.name} for ${value}.`.trim() };
      if (!prop) extra.additionalProperties = false; // patch variants: only their own fields
      if (m.additionalProperties) Object.assign(extra, dataMapKeywords());
      schemas[m.name] = obj(properties, required, extra);
      continue;
    }
    if (m.subclasses) {
      const where = m.discriminator && m.discriminator.where;
      const subs = m.subclasses.map((s) => s.name);
      if (where === 'field of this model') {
        schemas[m.name] = {
          description: `${description} One of its variants, told apart by \`${m.discriminator.property}\`.`,
          type: 'object',
          oneOf: subs.map(ref),
        };
      } else if (m.discriminator && m.discriminator.property === null) {
        schemas[m.name] = {
          description: `${description} Carries no discriminator: the variants differ by their fields, and the stored destination's type decides which applies.`,
          type: 'object',
          anyOf: subs.map(ref),
        };
      } else if (m.additionalProperties) {
        // SecretData / StorageData: the owner's property picks the variant
        schemas[m.name] = obj({}, [], {
          description: `${description} The owner's \`${m.discriminator.property}\` picks the variant.`,
          ...dataMapKeywords(),
        });
        discriminated[m.name] = {
          property: m.discriminator.property,
          variants: m.subclasses.map((s) => ({ value: s.discriminatorValue, schema: s.name })),
        };
      } else {
        // AllowedOutboundStatusDetails: empty base; the owning destination's type picks the
        // variant, and the Private Path destination references its variant directly
        schemas[m.name] = obj({}, [], {
          description: `${description} The owning destination's \`type\` picks the variant: ${subs.join(', ')}.`,
        });
      }
      continue;
    }
    const { properties, required } = objectParts(m.fields, known);
    pinSingleVariant(m, properties, byName);
    const extra = { description };
    if (m.additionalProperties) Object.assign(extra, dataMapKeywords());
    if (m.name === 'VolumeMountPrototype') extra.additionalProperties = false;
    schemas[m.name] = obj(properties, required, extra);
  }
  return { schemas, discriminated, byName };
}
