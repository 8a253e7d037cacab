import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest } from '../../platform/errors.ts';
import {
  DEFAULT_SPACE_TYPE,
  MEMBER_STATES,
  SPACE_ROLES,
  computeOf,
  crnInstance,
  isCrn,
  type SpaceCompute,
  type SpaceRole,
  type SpaceSettings,
  type SpaceStorage,
  type StoredEntity,
} from './model.ts';

/** A 400 naming the field at fault, in the spaces error body. */
const invalid = (field: string, why: string) =>
  badRequest(`Invalid request body field '${field}': ${why}.`, { parameters: [field] });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function text(value: unknown, field: string, opts: { required?: boolean; blank?: boolean } = {}) {
  if (value === undefined && !opts.required) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (!opts.blank && value.trim() === '') throw invalid(field, 'must not be empty');
  return value;
}

function flag(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
  return value;
}

function crn(value: unknown, field: string): string {
  const v = text(value, field, { required: true }) as string;
  if (!isCrn(v)) throw invalid(field, `'${v}' is not a CRN (crn:v1:...:service-instance::)`);
  return v;
}

export function computeList(value: unknown, field = 'compute'): SpaceCompute[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(field, 'must be an array');
  return value.map((item, i) => {
    if (!isObject(item)) throw invalid(`${field}[${i}]`, 'must be an object');
    const name = text(item.name, `${field}[${i}].name`, { required: true }) as string;
    return computeOf({ name, crn: crn(item.crn, `${field}[${i}].crn`) });
  });
}

function storageOf(value: unknown): SpaceStorage | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid('storage', 'must be an object');
  const resourceCrn = crn(value.resource_crn, 'storage.resource_crn');
  const storage: SpaceStorage = {
    type: 'bmcos_object_storage',
    guid: crnInstance(resourceCrn),
    resource_crn: resourceCrn,
  };
  const plan = text(value.plan_id, 'storage.plan_id');
  if (plan !== undefined) storage.plan_id = plan;
  const delegated = flag(value.delegated, 'storage.delegated');
  if (delegated !== undefined) storage.delegated = delegated;
  if (value.properties !== undefined) {
    if (!isObject(value.properties)) throw invalid('storage.properties', 'must be an object');
    storage.properties = value.properties;
  }
  return storage;
}

function settingsOf(value: unknown): SpaceSettings {
  const settings: SpaceSettings = { folders: { enabled: false } };
  if (value === undefined) return settings;
  if (!isObject(value)) throw invalid('settings', 'must be an object');
  if (value.folders !== undefined) {
    if (!isObject(value.folders)) throw invalid('settings.folders', 'must be an object');
    settings.folders.enabled = flag(value.folders.enabled, 'settings.folders.enabled') ?? false;
  }
  const restrictions = value.access_restrictions;
  if (restrictions !== undefined) {
    if (!isObject(restrictions)) throw invalid('settings.access_restrictions', 'must be an object');
    const reporting = restrictions.reporting;
    if (reporting !== undefined) {
      if (!isObject(reporting)) throw invalid('settings.access_restrictions.reporting', 'must be an object');
      const authorized = flag(reporting.authorized, 'settings.access_restrictions.reporting.authorized');
      if (authorized !== undefined) settings.access_restrictions = { reporting: { authorized } };
    }
  }
  return settings;
}

function tagsOf(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('tags', 'must be an array of strings');
  const tags = value.map((t, i) => (text(t, `tags[${i}]`, { required: true }) as string).trim());
  return [...new Set(tags)];
}

export interface NewSpace {
  name: string;
  type: string;
  entity: StoredEntity;
}

/** Checks a create body beyond its JSON shape (the contract checks that) and fills the defaults. */
export function newSpaceOf(body: unknown): NewSpace {
  if (!isObject(body)) throw badRequest('Invalid request body: must be a JSON object.');
  const name = text(body.name, 'name', { required: true }) as string;
  const type = text(body.type, 'type') ?? DEFAULT_SPACE_TYPE;
  const entity: StoredEntity = {
    compute: computeList(body.compute),
    stage: { production: false },
    settings: settingsOf(body.settings),
    tags: tagsOf(body.tags),
  };
  const description = text(body.description, 'description', { blank: true });
  if (description) entity.description = description;
  const storage = storageOf(body.storage);
  if (storage) entity.storage = storage;
  if (body.stage !== undefined) {
    if (!isObject(body.stage)) throw invalid('stage', 'must be an object');
    entity.stage.production = flag(body.stage.production, 'stage.production') ?? false;
    const stageName = text(body.stage.name, 'stage.name');
    if (stageName !== undefined) entity.stage.name = stageName;
  }
  const generator = text(body.generator, 'generator');
  if (generator !== undefined) entity.generator = generator;
  return { name, type, entity };
}

/** The paths the seed allows in a space patch; the settings ones need an admin. */
export const SPACE_PATCH_PATHS = [
  '/name',
  '/description',
  '/compute',
  '/stage/name',
  '/type',
  '/settings/folders/enabled',
  '/settings/access_restrictions/reporting/authorized',
];
export const MEMBER_PATCH_PATHS = ['/role', '/state'];

/**
 * Checks each operation's paths against the allowed ones (`from` included, so nothing can be
 * copied in from elsewhere) and applies the patch to a copy of `doc`. Every failure is a 400.
 */
export function applyJsonPatch<T extends object>(doc: T, ops: unknown, allowed: string[]): T {
  if (!Array.isArray(ops)) throw badRequest('Invalid request body: must be a JSON Patch array.');
  ops.forEach((op: unknown, i) => {
    if (!isObject(op)) throw invalid(`[${i}]`, 'must be a JSON Patch operation object');
    for (const key of ['path', 'from'] as const) {
      const value = op[key];
      if (key === 'from' && value === undefined) continue;
      if (typeof value !== 'string' || !allowed.includes(value)) {
        throw badRequest(
          `Invalid patch operation ${i}: ${key} '${String(value)}' is not one of ${allowed.join(', ')}.`,
          { parameters: [String(value)] },
        );
      }
    }
  });
  try {
    return jsonpatch.applyPatch(jsonpatch.deepClone(doc), ops as Operation[], true, true, true)
      .newDocument as T;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const index = (err as { index?: number }).index;
    throw badRequest(`Invalid patch operation${index === undefined ? '' : ` ${index}`}: ${reason}`, {
      parameters: index === undefined ? [] : [String(index)],
    });
  }
}

/** The patchable view of a space: what `/name`, `/settings/...` and the other paths address. */
export interface PatchableSpace {
  name: unknown;
  description?: unknown;
  compute: unknown;
  stage: Record<string, unknown>;
  type: unknown;
  settings: Record<string, any>;
}

export function patchableOf(name: string, type: string, e: StoredEntity): PatchableSpace {
  const doc: PatchableSpace = {
    name,
    compute: e.compute,
    stage: { ...e.stage },
    type,
    settings: {
      folders: { ...e.settings.folders },
      // Present (possibly empty) so `add /settings/access_restrictions/reporting/authorized` resolves.
      access_restrictions: { reporting: { ...(e.settings.access_restrictions?.reporting ?? {}) } },
    },
  };
  if (e.description !== undefined) doc.description = e.description;
  return doc;
}

/** Checks a patched space and turns it back into columns and the stored entity. */
export function patchedSpaceOf(doc: PatchableSpace, before: StoredEntity): NewSpace {
  const name = text(doc.name, 'name', { required: true }) as string;
  const type = text(doc.type, 'type', { required: true }) as string;
  const description = text(doc.description, 'description', { blank: true });
  if (!isObject(doc.stage)) throw invalid('stage', 'must be an object');
  const stageName = text(doc.stage.name, 'stage.name');
  const enabled = flag(doc.settings?.folders?.enabled, 'settings.folders.enabled');
  if (enabled === undefined) throw invalid('settings.folders.enabled', 'must be true or false');
  const authorized = flag(
    doc.settings?.access_restrictions?.reporting?.authorized,
    'settings.access_restrictions.reporting.authorized',
  );
  const entity: StoredEntity = {
    ...before,
    compute: computeList(doc.compute),
    stage: { production: before.stage.production, ...(stageName !== undefined ? { name: stageName } : {}) },
    settings: {
      folders: { enabled },
      ...(authorized !== undefined ? { access_restrictions: { reporting: { authorized } } } : {}),
    },
  };
  delete entity.description;
  if (description) entity.description = description;
  return { name, type, entity };
}

export interface PatchableMember {
  role: unknown;
  state: unknown;
}

export function patchedMemberOf(doc: PatchableMember): { role: SpaceRole; state: string } {
  if (!SPACE_ROLES.includes(doc.role as SpaceRole)) {
    throw invalid('role', `must be one of: ${SPACE_ROLES.join(', ')}`);
  }
  if (!MEMBER_STATES.includes(doc.state as (typeof MEMBER_STATES)[number])) {
    throw invalid('state', `must be one of: ${MEMBER_STATES.join(', ')}`);
  }
  return { role: doc.role as SpaceRole, state: doc.state as string };
}
