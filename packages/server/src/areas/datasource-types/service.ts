import crypto from 'node:crypto';
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import { splitSecrets, validateProperties } from '../connections/properties.ts';
import {
  BUILT_IN,
  ENVIRONMENTS,
  PERSPECTIVES,
  PRODUCTS,
  expandProperty,
  type DatasourceType,
  type PropertyDefinition,
} from './model.ts';
import type { CustomTypeRow, DatasourceTypeRepository } from './repository.ts';

export interface TypeView {
  connection_properties?: boolean;
  interaction_properties?: boolean;
  discovery?: boolean;
  actions?: boolean;
  show_data_source_definition_section?: boolean;
}

export interface TypeListQuery extends TypeView {
  sort?: string;
  offset?: number;
  limit?: number;
  'entity.environment'?: string;
  'entity.perspective'?: string;
  'entity.product'?: string;
  show_data_source_definitions_only?: boolean;
}

export interface TypeCreateBody {
  name?: string;
  label?: string;
  description?: string;
  base_datasource_type?: string;
  allowed_as_source?: boolean;
  allowed_as_target?: boolean;
  status?: string;
  origin_country?: string;
  owner_id?: string;
  rov?: unknown;
  properties?: Record<string, unknown>;
  property_definitions?: Record<string, unknown>[];
  source_system?: Record<string, unknown>;
}

const PROPERTY_TYPES = ['string', 'integer', 'boolean', 'enum', 'password'];
const SORTS: Record<string, (t: DatasourceType) => string> = {
  'entity.label': (t) => t.label.toLowerCase(),
  'entity.type': (t) => t.type,
  'entity.name': (t) => t.name,
};
const MAX_DEFINITIONS = 200;

export const typeNotFound = (id: string) =>
  notFound(`The data source type [${id.slice(0, 100)}] does not exist.`, { code: 'not_found' });

const list = (v: string | undefined) =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [];

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name))
    throw badRequest(
      `Invalid field '${field}': a data source type name is 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit.`,
      { target: { type: 'field', name: field } },
    );
  return name;
}

function checkDefinitions(value: unknown): PropertyDefinition[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_DEFINITIONS)
    throw badRequest(
      `Invalid field 'property_definitions': must be an array of at most ${MAX_DEFINITIONS}.`,
      {
        target: { type: 'field', name: 'property_definitions' },
      },
    );
  const seen = new Set<string>();
  return value.map((d: any, i) => {
    const at = `property_definitions[${i}]`;
    const bad = (why: string) =>
      badRequest(`Invalid field '${at}': ${why}.`, { target: { type: 'field', name: at } });
    if (!d || typeof d !== 'object') throw bad('must be an object');
    if (typeof d.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/.test(d.name))
      throw bad('name must be 1 to 100 letters, digits, _ . or -');
    if (seen.has(d.name)) throw bad(`the name '${d.name}' is defined twice`);
    seen.add(d.name);
    const type = d.type ?? 'string';
    if (!PROPERTY_TYPES.includes(type)) throw bad(`type must be one of ${PROPERTY_TYPES.join(', ')}`);
    const values = d.values === undefined ? undefined : d.values;
    if (
      values !== undefined &&
      (!Array.isArray(values) || values.some((v: any) => typeof v?.value !== 'string'))
    )
      throw bad('values must be a list of {value, label}');
    if (type === 'enum' && !values?.length) throw bad('an enum needs values');
    const p = expandProperty(
      [
        d.name,
        type,
        typeof d.label === 'string' ? d.label : d.name,
        `${d.required === true ? 'r' : ''}${d.masked === true || type === 'password' ? 'm' : ''}`,
        d.default_value === undefined || d.default_value === null ? null : String(d.default_value),
        typeof d.group === 'string' ? d.group : 'other',
        values?.map((v: any) => v.value),
      ],
      i,
    );
    if (typeof d.description === 'string') p.description = d.description;
    p.user_defined = true;
    return p;
  });
}

/**
 * Data source types: the built-in catalog (catalog.json), read-only, and types users define on
 * top of a base type. Anyone signed in reads them and defines new ones; the owner (or a server
 * administrator) changes and deletes a user-defined type.
 */
export class DatasourceTypeService {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: DatasourceTypeRepository,
  ) {}

  /** A type by id or name (built-in or user-defined), with its base's definitions merged in. */
  async resolve(idOrName: string): Promise<DatasourceType | undefined> {
    const builtIn = BUILT_IN.find((t) => t.id === idOrName || t.name === idOrName);
    if (builtIn) return builtIn;
    const row = await this.repo.find(idOrName);
    return row && this.fromRow(row);
  }

  async list(_principal: Principal, q: TypeListQuery) {
    const envs = list(q['entity.environment']);
    const products = list(q['entity.product']);
    const perspectives = list(q['entity.perspective']);
    let sortKey = SORTS['entity.label'];
    let desc = false;
    if (q.sort !== undefined) {
      const m = /^([+-]?)(.+)$/.exec(q.sort.trim());
      const key = m && SORTS[m[2]];
      if (!key)
        throw badRequest(
          `Invalid sort '${q.sort.slice(0, 100)}': sort on entity.label or entity.type, with + or -.`,
          {
            target: { type: 'parameter', name: 'sort' },
          },
        );
      sortKey = key;
      desc = m[1] === '-';
    }
    const custom = await Promise.all((await this.repo.all()).map((r) => this.fromRow(r)));
    let types = [...BUILT_IN, ...custom];
    if (envs.length) types = types.filter(() => envs.some((e) => ENVIRONMENTS.includes(e)));
    if (products.length) types = types.filter(() => products.some((p) => PRODUCTS.includes(p)));
    if (perspectives.length) types = types.filter(() => perspectives.some((p) => PERSPECTIVES.includes(p)));
    if (q.show_data_source_definitions_only) types = types.filter((t) => t.dsd === t.name);
    types.sort((a, b) => {
      const c = sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : a.id < b.id ? -1 : 1;
      return desc ? -c : c;
    });
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 100;
    const page = types.slice(offset, offset + limit);
    const href = (o: number) => `/v2/datasource_types?offset=${o}&limit=${limit}`;
    const lastOffset = types.length ? Math.floor((types.length - 1) / limit) * limit : 0;
    return {
      resources: page.map((t) => this.present(t, q)),
      first: { href: href(0) },
      ...(offset > 0 ? { prev: { href: href(Math.max(0, offset - limit)) } } : {}),
      ...(offset + limit < types.length ? { next: { href: href(offset + limit) } } : {}),
      last: { href: href(lastOffset) },
      offset,
      total_count: types.length,
    };
  }

  async get(principal: Principal, idOrName: string, view: TypeView) {
    const t = await this.resolve(idOrName);
    if (!t) throw typeNotFound(idOrName);
    return this.present(t, view, principal);
  }

  async create(principal: Principal, body: TypeCreateBody) {
    const name = checkName(body.name);
    if (await this.resolve(name))
      throw badRequest(`A data source type named '${name}' already exists.`, {
        target: { type: 'field', name: 'name' },
      });
    const base =
      body.base_datasource_type === undefined ? undefined : await this.resolve(body.base_datasource_type);
    if (body.base_datasource_type !== undefined && !base)
      throw badRequest(
        `The base data source type '${String(body.base_datasource_type).slice(0, 100)}' does not exist.`,
        {
          target: { type: 'field', name: 'base_datasource_type' },
        },
      );
    const now = new Date().toISOString();
    const row: CustomTypeRow = {
      type_id: crypto.randomUUID(),
      name,
      owner_id: principal.iamId,
      created_at: now,
      updated_at: now,
      entity: {},
    };
    row.entity = this.checkedEntity({ ...body, name, base_datasource_type: base?.id }, base);
    await this.repo.insert(row);
    return { datasource_types: [this.present(this.fromRowWith(row, base), {}, principal)] };
  }

  async update(principal: Principal, idOrName: string, ops: Operation[]) {
    const row = await this.ownedRow(principal, idOrName);
    const current = this.fromRowWith(row, await this.baseOf(row));
    const doc = this.editable(row, current);
    let next: Record<string, any>;
    try {
      next = jsonpatch.applyPatch(jsonpatch.deepClone(doc), ops, true, false, true).newDocument;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw badRequest(`Invalid patch: ${reason.slice(0, 200)}`, { target: { type: 'field', name: 'body' } });
    }
    const name = checkName(next.name);
    if (name !== row.name && (await this.resolve(name)))
      throw badRequest(`A data source type named '${name}' already exists.`, {
        target: { type: 'field', name: 'name' },
      });
    let base: DatasourceType | undefined;
    if (next.base_datasource_type !== undefined) {
      base =
        typeof next.base_datasource_type === 'string'
          ? await this.resolve(next.base_datasource_type)
          : undefined;
      if (!base || base.id === row.type_id)
        throw badRequest('The base data source type does not exist.', {
          target: { type: 'field', name: 'base_datasource_type' },
        });
    }
    const updated: CustomTypeRow = {
      ...row,
      name,
      updated_at: new Date().toISOString(),
      entity: this.checkedEntity({ ...next, name, base_datasource_type: base?.id }, base),
    };
    await this.repo.update(updated);
    return this.present(this.fromRowWith(updated, base), {}, principal).entity;
  }

  async delete(principal: Principal, idOrName: string) {
    const row = await this.ownedRow(principal, idOrName);
    await this.repo.delete(row.type_id);
  }

  private async ownedRow(principal: Principal, idOrName: string): Promise<CustomTypeRow> {
    if (BUILT_IN.some((t) => t.id === idOrName || t.name === idOrName))
      throw forbidden(`The data source type '${idOrName}' is built in: it cannot be changed or deleted.`);
    const row = await this.repo.find(idOrName);
    if (!row) throw typeNotFound(idOrName);
    if (row.owner_id !== principal.iamId && !principal.isAdmin)
      throw forbidden(`Only the owner of the data source type '${row.name}' may change or delete it.`);
    return row;
  }

  /** The entity kept for a user-defined type: checked, with masked default values sealed. */
  private checkedEntity(body: TypeCreateBody, base: DatasourceType | undefined): Record<string, unknown> {
    const defs = checkDefinitions(body.property_definitions);
    const merged = this.merge('check', body.name!, base, defs);
    const props = validateProperties(merged, body.properties, {
      requireAll: false,
      field: 'property',
    });
    const { plain, secrets } = splitSecrets(merged, props);
    const str = (v: unknown, field: string, max = 4000) => {
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v.length > max)
        throw badRequest(`Invalid field '${field}': must be a string of at most ${max} characters.`, {
          target: { type: 'field', name: field },
        });
      return v;
    };
    return {
      label: str(body.label, 'label', 200) ?? body.name,
      description: str(body.description, 'description') ?? '',
      ...(base ? { base_datasource_type: base.id } : {}),
      allowed_as_source: body.allowed_as_source ?? true,
      allowed_as_target: body.allowed_as_target ?? true,
      status: str(body.status, 'status', 40) ?? 'active',
      ...(body.origin_country !== undefined
        ? { origin_country: str(body.origin_country, 'origin_country', 10) }
        : {}),
      properties: plain,
      ...(Object.keys(secrets).length ? { secrets: this.ctx.secrets.seal(secrets) } : {}),
      property_definitions: body.property_definitions ?? [],
      ...(body.source_system && typeof body.source_system === 'object'
        ? { source_system: body.source_system }
        : {}),
    };
  }

  private async baseOf(row: CustomTypeRow) {
    const id = row.entity.base_datasource_type;
    return typeof id === 'string'
      ? (BUILT_IN.find((t) => t.id === id) ?? (await this.resolveCustomOnce(id)))
      : undefined;
  }

  private async resolveCustomOnce(id: string): Promise<DatasourceType | undefined> {
    const row = await this.repo.find(id);
    // one level of base only: a custom type's base's own base is merged when it is defined
    return row && this.fromRowWith(row, undefined);
  }

  private async fromRow(row: CustomTypeRow): Promise<DatasourceType> {
    return this.fromRowWith(row, await this.baseOf(row));
  }

  private fromRowWith(row: CustomTypeRow, base: DatasourceType | undefined): DatasourceType {
    const defs = checkDefinitionsSafe(row.entity.property_definitions);
    const t = this.merge(row.type_id, row.name, base, defs);
    t.custom = row.entity;
    t.owner_id = row.owner_id;
    t.creator_id = row.owner_id;
    t.created_at = row.created_at;
    t.label = String(row.entity.label ?? row.name);
    t.description = String(row.entity.description ?? '');
    return t;
  }

  private merge(
    id: string,
    name: string,
    base: DatasourceType | undefined,
    defs: PropertyDefinition[],
  ): DatasourceType {
    const own = new Set(defs.map((d) => d.name));
    return {
      id,
      name,
      label: name,
      description: '',
      type: base?.type ?? 'database',
      builtIn: false,
      shape: base?.shape ?? 'table',
      ...(base?.driver ? { driver: base.driver } : {}),
      dsd: base?.dsd ?? name,
      identity: base?.identity ?? [],
      tags: [],
      extensible: false,
      connection_properties: [
        ...(base?.connection_properties ?? []).filter((d) => !own.has(d.name)),
        ...defs,
      ],
      interaction_properties: base?.interaction_properties ?? { source: [], target: [] },
      actions: base?.actions ?? [
        { name: 'test', description: 'Check that a connection can be established to the data source.' },
        { name: 'validate', description: 'Validate the connection properties without connecting.' },
      ],
    };
  }

  /** What a PATCH applies to: the entity as its owner sees it. */
  private editable(row: CustomTypeRow, t: DatasourceType): Record<string, unknown> {
    const e = this.present(t, {}, { iamId: row.owner_id } as Principal).entity as Record<string, unknown>;
    const { name, label, description, base_datasource_type, allowed_as_source, allowed_as_target, status } =
      e;
    return {
      name,
      label,
      description,
      ...(base_datasource_type ? { base_datasource_type } : {}),
      allowed_as_source,
      allowed_as_target,
      status,
      ...(e.origin_country ? { origin_country: e.origin_country } : {}),
      properties: e.properties,
      property_definitions: e.property_definitions,
      ...(e.source_system ? { source_system: e.source_system } : {}),
    };
  }

  /** The API's view of a type; masked default values only for the type's owner. */
  present(t: DatasourceType, view: TypeView, principal?: Principal) {
    const c = t.custom;
    const metadata: Record<string, unknown> = {
      asset_id: t.id,
      asset_type: 'datasource_type',
      creator_id: t.creator_id ?? 'IBM',
    };
    const entity: Record<string, unknown> = {
      name: t.name,
      label: t.label,
      description: t.description,
      type: t.type,
      allowed_as_source: c ? c.allowed_as_source !== false : true,
      allowed_as_target: c ? c.allowed_as_target !== false : t.shape !== 'http',
      allowed_for_discovery_only: false,
      allowed_as_source_lookup: t.type === 'database',
      data_shape: 'rectangular',
      auto_discovery: t.driver !== undefined,
      secure_gateway: 'not_applicable',
      fips_compliance: 'none',
      tags: t.tags,
      supported_environments: ENVIRONMENTS,
      supported_plans: [],
      supported_products: PRODUCTS,
      status: c ? String(c.status ?? 'active') : 'active',
      extensible: t.extensible,
    };
    if (c) {
      metadata.asset_category = 'USER';
      metadata.create_time = t.created_at;
      metadata.owner_id = t.owner_id;
      let properties = { ...((c.properties as Record<string, string>) ?? {}) };
      if (typeof c.secrets === 'string' && principal?.iamId === t.owner_id)
        properties = { ...properties, ...this.ctx.secrets.open<Record<string, string>>(c.secrets) };
      Object.assign(entity, {
        ...(c.base_datasource_type ? { base_datasource_type: c.base_datasource_type } : {}),
        properties,
        property_definitions: c.property_definitions ?? [],
        ...(c.origin_country ? { origin_country: c.origin_country } : {}),
        ...(c.source_system ? { source_system: c.source_system } : {}),
        owner_id: t.owner_id,
        rov: { mode: 0, member_roles: { [t.owner_id!]: { user_iam_id: t.owner_id, roles: ['OWNER'] } } },
      });
    }
    if (view.connection_properties) entity.connection_properties = t.connection_properties;
    if (view.interaction_properties) entity.interaction_properties = t.interaction_properties;
    if (view.discovery)
      entity.discovery = {
        supported: t.driver !== undefined,
        asset_types:
          t.shape === 'table'
            ? [
                { type: 'schema', dataset: false, dataset_container: true },
                { type: 'table', dataset: true, dataset_container: false },
              ]
            : [{ type: 'file', dataset: true, dataset_container: false }],
      };
    if (view.actions) entity.actions = t.actions;
    if (view.show_data_source_definition_section !== false) entity.data_source_definition_id = t.dsd;
    return { metadata, entity };
  }
}

/** Definitions as stored (already checked when saved). */
function checkDefinitionsSafe(value: unknown): PropertyDefinition[] {
  try {
    return checkDefinitions(value);
  } catch {
    return [];
  }
}
