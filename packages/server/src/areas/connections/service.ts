import jsonpatch, { type Operation } from 'fast-json-patch';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import type { Asset } from '../assets/model.ts';
import type { AssetRepository } from '../assets/repository.ts';
import type { AssetRow } from '../assets/tables.ts';
import { decodeBookmark, encodeBookmark, isStringPair } from '../containers/bookmark.ts';
import { CONTAINER_PARAM, requireContainerRole, type ContainerRef } from '../containers/access.ts';
import type { DatasourceType } from '../datasource-types/model.ts';
import type { DatasourceTypeService } from '../datasource-types/service.ts';
import { openSource } from './drivers.ts';
import { splitSecrets, validateProperties } from './properties.ts';
import { entityOf, type ConnectionRepository, type IndexEntry, type SortField } from './repository.ts';

export const PERSONAL = 'personal_credentials';
const MAX_LIMIT = 1000;

/** Secrets of a connection as stored: sealed with the server's key, shared or per user. */
export interface StoredSecrets {
  shared?: string;
  personal?: Record<string, string>;
}

export interface ConnectionBody {
  datasource_type?: string;
  name?: string;
  description?: string;
  properties?: Record<string, unknown>;
  flags?: string[];
  gateway_id?: string;
  origin_country?: string;
  tags?: string[];
  asset_category?: string;
  source_system?: Record<string, unknown>;
  child_source_systems?: Record<string, unknown>[];
  location_definition?: Record<string, unknown>;
  ref_asset_id?: string;
  ref_catalog_id?: string;
  data_source_definition_asset_id?: string;
  rov?: { mode?: number };
  [key: string]: unknown;
}

export interface PresentOptions {
  decrypt_secrets?: boolean;
  interaction_properties?: boolean;
  include_properties?: boolean;
  persona?: string;
}

export interface ListQuery extends PresentOptions {
  sort?: string;
  start?: string;
  limit?: number;
  offset?: number;
  'metadata.creator'?: string;
  'metadata.creator_id'?: string;
  'entity.name'?: string;
  'entity.datasource_type'?: string;
  'entity.data_source_definition_asset_id'?: string;
  'entity.context'?: string;
  'entity.properties'?: string;
  'entity.flags'?: string;
}

export const connectionNotFound = (id: string) =>
  notFound(`A connection with the specified connection ID [${id.slice(0, 100)}] does not exist.`, {
    code: 'not_found',
  });

const field = (name: string) => ({ target: { type: 'field' as const, name } });
const param = (name: string) => ({ target: { type: 'parameter' as const, name } });
const csv = (v: string | undefined) =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [];

function checkString(v: unknown, name: string, max: number, required = false): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.length > max || (required && !v.trim()))
    throw badRequest(
      `Invalid field '${name}': must be a ${required ? 'non-blank ' : ''}string of at most ${max} characters.`,
      field(name),
    );
  return v;
}

function checkFlags(v: unknown): string[] {
  if (v === undefined) return [];
  if (
    !Array.isArray(v) ||
    v.length > 20 ||
    v.some((f) => typeof f !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(f))
  )
    throw badRequest(
      "Invalid field 'flags': at most 20 flag names of letters, digits and '_'.",
      field('flags'),
    );
  return [...new Set(v as string[])];
}

function checkTags(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > 100 || v.some((t) => typeof t !== 'string' || !t || t.length > 255))
    throw badRequest(
      "Invalid field 'tags': at most 100 non-empty strings of up to 255 characters.",
      field('tags'),
    );
  return v as string[];
}

/** Connections, kept as assets of type `connection` with a list index beside them. */
export class ConnectionService {
  constructor(
    private readonly ctx: AppContext,
    private readonly assets: AssetRepository,
    private readonly repo: ConnectionRepository,
    readonly types: DatasourceTypeService,
  ) {
    // Every write of a connection asset, whichever API makes it (this one, PATCH /v2/assets,
    // imports), rewrites its list entry in the writer's transaction; deletes cascade.
    assets.onWrite('connection', (trx, asset) => repo.putEntry(trx, indexEntry(asset)));
  }

  async requireType(idOrName: unknown, name = 'datasource_type'): Promise<DatasourceType> {
    if (typeof idOrName !== 'string' || !idOrName || idOrName.length > 200)
      throw badRequest(
        `Invalid field '${name}': give the id or the name of a data source type.`,
        field(name),
      );
    const type = await this.types.resolve(idOrName);
    if (!type) throw badRequest(`The data source type '${idOrName}' does not exist.`, field(name));
    return type;
  }

  /** Checks a connection definition; answers the type and the properties as strings. */
  async checkDefinition(body: ConnectionBody, personal: boolean) {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw badRequest('The body must be a connection definition (a JSON object).', field('body'));
    const type = await this.requireType(body.datasource_type);
    const props = validateProperties(type, body.properties, { requireAll: !personal });
    if (personal)
      validateProperties(
        { ...type, connection_properties: type.connection_properties.filter((d) => !d.masked) },
        stripMasked(type, props),
        { requireAll: true },
      );
    return { type, props };
  }

  /** Really connects (when asked) before a save: a 400 with the driver's reason when it fails. */
  async test(type: DatasourceType, props: Record<string, string>): Promise<void> {
    const source = await openSource(type, props);
    await source.close();
  }

  async create(
    principal: Principal,
    container: ContainerRef,
    body: ConnectionBody,
    opts: { test?: boolean; persist?: boolean },
  ) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    const name = checkString(body?.name, 'name', 255, true)!.trim();
    const flags = checkFlags(body.flags);
    const personal = flags.includes(PERSONAL);
    const { type, props } = await this.checkDefinition(body, personal);
    const description = checkString(body.description, 'description', 4000) ?? '';
    const tags = checkTags(body.tags);
    const origin = checkString(body.origin_country, 'origin_country', 10);
    const extra = this.extras(body);
    if (opts.test !== false) await this.test(type, props);
    const { plain, secrets } = splitSecrets(type, props);
    const stored: StoredSecrets = {};
    if (Object.keys(secrets).length) {
      const sealed = this.ctx.secrets.seal(secrets);
      if (personal) stored.personal = { [principal.iamId]: sealed };
      else stored.shared = sealed;
    }
    const entity = {
      datasource_type: type.id,
      properties: plain,
      flags,
      context: context(type),
      ...extra,
      ...(stored.shared || stored.personal ? { secrets: stored } : {}),
    };
    const asset_category = String(body.asset_category ?? 'USER').toUpperCase();
    if (opts.persist === false) {
      const now = new Date().toISOString();
      const draft: Asset = {
        asset_id: '',
        container,
        asset_type: 'connection',
        name,
        description,
        tags: tags ?? [],
        owner_id: principal.iamId,
        creator_id: principal.iamId,
        created_at: now,
        updated_at: now,
        asset_state: 'available',
        asset_category,
        ...(origin ? { origin_country: origin } : {}),
        version: 0,
        rov: { mode: 0, collaborator_ids: {}, member_roles: {} },
        usage: {
          last_update_time: now,
          last_updater_id: principal.iamId,
          last_access_time: now,
          last_accessor_id: principal.iamId,
          access_count: 0,
        },
        entity,
      };
      return this.present(draft, type, principal, {}, true);
    }
    await this.reindex(container);
    const asset = await this.assets.transaction(async (trx) => {
      const a = await this.assets.createAsset(
        {
          container,
          asset_type: 'connection',
          name,
          description,
          tags,
          creator_id: principal.iamId,
          asset_category,
          origin_country: origin,
          rov_mode: typeof body.rov?.mode === 'number' ? body.rov.mode : undefined,
          entity,
        },
        trx,
      );
      return a;
    });
    return this.present(asset, type, principal, {}, true);
  }

  async get(principal: Principal, container: ContainerRef, id: string, q: PresentOptions) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    const asset = await this.find(container, id);
    const type = await this.typeOf(asset);
    checkPersona(type, q.persona);
    return this.present(asset, type, principal, q);
  }

  async delete(principal: Principal, container: ContainerRef, id: string) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    await this.find(container, id);
    const res = await this.assets.deleteAsset(container, id);
    if (!res.deleted) throw connectionNotFound(id);
  }

  async update(
    principal: Principal,
    container: ContainerRef,
    id: string,
    ops: Operation[],
    opts: { test?: boolean; persist?: boolean },
  ) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    const asset = await this.find(container, id);
    const oldType = await this.typeOf(asset);
    const e = asset.entity;
    const mine = this.visibleSecrets(e, principal, true);
    const doc: Record<string, unknown> = {
      name: asset.name,
      description: asset.description,
      datasource_type: oldType.id,
      properties: { ...(e.properties as Record<string, string>), ...mine },
      flags: Array.isArray(e.flags) ? e.flags : [],
      tags: asset.tags,
      ...(asset.origin_country ? { origin_country: asset.origin_country } : {}),
      ...this.extras(e as ConnectionBody),
    };
    let next: ConnectionBody;
    try {
      next = jsonpatch.applyPatch(jsonpatch.deepClone(doc), ops, true, false, true)
        .newDocument as ConnectionBody;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw badRequest(`Invalid patch: ${reason.slice(0, 200)}`, field('body'));
    }
    const name = checkString(next.name, 'name', 255, true)!.trim();
    const description = checkString(next.description ?? '', 'description', 4000) ?? '';
    const flags = checkFlags(next.flags);
    const personal = flags.includes(PERSONAL);
    const { type, props } = await this.checkDefinition(next, personal);
    const tags = checkTags(next.tags);
    const origin = checkString(next.origin_country, 'origin_country', 10);
    if (opts.test !== false) await this.test(type, props);
    const { plain, secrets } = splitSecrets(type, props);
    const old = (e.secrets ?? {}) as StoredSecrets;
    const stored: StoredSecrets = {};
    const sealed = Object.keys(secrets).length ? this.ctx.secrets.seal(secrets) : undefined;
    if (personal) {
      // everyone keeps their own credentials; the caller's are replaced by what the patch left
      const others = { ...(old.personal ?? {}) };
      delete others[principal.iamId];
      stored.personal = sealed ? { ...others, [principal.iamId]: sealed } : others;
    } else if (sealed) stored.shared = sealed;
    const entity = {
      datasource_type: type.id,
      properties: plain,
      flags,
      context: context(type),
      ...this.extras(next),
      ...(stored.shared || Object.keys(stored.personal ?? {}).length ? { secrets: stored } : {}),
    };
    if (opts.persist === false) {
      return this.present({ ...asset, name, description, entity }, type, principal, {}).entity;
    }
    const updated = await this.assets.transaction(async (trx) => {
      const u = await this.assets.updateAsset(
        container,
        id,
        { updater_id: principal.iamId, name, description, tags, entity, origin_country: origin ?? null },
        trx,
      );
      if (!u) throw connectionNotFound(id);
      return u;
    });
    return this.present(updated, type, principal, {}).entity;
  }

  async list(principal: Principal, container: ContainerRef, q: ListQuery) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    await this.reindex(container);
    let sort: SortField = 'created_at';
    let desc = false;
    if (q.sort !== undefined) {
      // a '+' in a query string arrives as a space
      const m = /^\s*([+-]?)\s*(entity\.name|metadata\.create_time)\s*$/.exec(q.sort);
      if (!m)
        throw badRequest(
          `Invalid sort '${q.sort.slice(0, 100)}': sort on entity.name or metadata.create_time, prefixed with + or -.`,
          param('sort'),
        );
      sort = m[2] === 'entity.name' ? 'name' : 'created_at';
      desc = m[1] === '-';
    }
    let properties: Record<string, string> | undefined;
    if (q['entity.properties'] !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(q['entity.properties']);
      } catch {
        parsed = undefined;
      }
      if (
        !parsed ||
        typeof parsed !== 'object' ||
        Array.isArray(parsed) ||
        Object.values(parsed).some((v) => !['string', 'number', 'boolean'].includes(typeof v))
      )
        throw badRequest(
          'Invalid entity.properties: give a JSON object of property names and values, e.g. {"host":"db.example.com"}.',
          param('entity.properties'),
        );
      properties = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
    const addFlags: string[] = [];
    const removeFlags: string[] = [];
    for (const item of csv(q['entity.flags'])) {
      const m = /^([+-]?)\s*([A-Za-z][A-Za-z0-9_]{0,63})$/.exec(item);
      if (!m) throw badRequest(`Invalid entity.flags item '${item.slice(0, 100)}'.`, param('entity.flags'));
      (m[1] === '-' ? removeFlags : addFlags).push(m[2]);
    }
    const context = q['entity.context'];
    if (context !== undefined && !['source', 'target', 'source,target'].includes(context.replace(/\s/g, '')))
      throw badRequest(
        "Invalid entity.context: one of 'source', 'target' or 'source,target'.",
        param('entity.context'),
      );
    // a connection stores its type's id; one changed through the asset API may hold a name
    const typeIds = (
      await Promise.all(
        csv(q['entity.datasource_type']).map(async (t) => {
          const type = await this.types.resolve(t);
          return type ? [t, type.id, type.name] : [t];
        }),
      )
    ).flat();
    if (q.persona !== undefined && !(await this.types.resolve(q.persona)))
      throw badRequest(
        `The persona '${q.persona.slice(0, 100)}' is not a data source type.`,
        param('persona'),
      );
    const limit = Math.min(q.limit ?? 100, MAX_LIMIT);
    const offset = q.offset ?? 0;
    const listKey = `connections:${sort}:${desc ? 'd' : 'a'}`;
    const after = decodeBookmark(listKey, q.start, isStringPair, 'start');
    const { rows, total } = await this.repo.list(
      {
        container,
        name: q['entity.name'],
        datasourceTypes: typeIds,
        dsdAssetIds: csv(q['entity.data_source_definition_asset_id']),
        context: context?.replace(/\s/g, ''),
        properties,
        creatorIds: [q['metadata.creator'], q['metadata.creator_id']].filter(
          (v): v is string => v !== undefined,
        ),
        addFlags,
        removeFlags,
      },
      { sort, desc, limit: limit + 1, offset, after },
    );
    const page = rows.slice(0, limit);
    const typeCache = new Map<string, Promise<DatasourceType>>();
    const resources = await Promise.all(
      page.map(async (row) => {
        const asset = rowToAsset(row);
        const tid = String(asset.entity.datasource_type);
        if (!typeCache.has(tid)) typeCache.set(tid, this.typeOf(asset));
        return this.present(asset, await typeCache.get(tid)!, principal, q);
      }),
    );
    // the links repeat every parameter of the request but the position
    const kept = new URLSearchParams();
    for (const [k, v] of Object.entries(q as Record<string, unknown>))
      if (v !== undefined && k !== 'start' && k !== 'offset' && k !== 'limit') kept.set(k, String(v));
    kept.set('limit', String(limit));
    const base = `/v2/connections?${kept.toString()}`;
    const last = page[page.length - 1];
    return {
      resources,
      first: { href: base },
      ...(rows.length > limit && last
        ? {
            next: {
              href: `${base}&start=${encodeBookmark(listKey, [sort === 'name' ? last.name : last.created_at, last.asset_id])}`,
            },
          }
        : {}),
      total_count: total,
    };
  }

  /** The connection, its type and the properties (secrets included) the caller may connect with. */
  async resolveForUse(principal: Principal, container: ContainerRef, id: string) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    const asset = await this.find(container, id);
    const type = await this.typeOf(asset);
    const props = {
      ...((asset.entity.properties as Record<string, string>) ?? {}),
      ...this.visibleSecrets(asset.entity, principal, true),
    };
    return { asset, type, props };
  }

  async find(container: ContainerRef, id: string): Promise<Asset> {
    const asset = await this.assets.getAsset(container, id);
    if (!asset || asset.asset_type !== 'connection') throw connectionNotFound(id);
    return asset;
  }

  async typeOf(asset: Asset): Promise<DatasourceType> {
    const id = String(asset.entity.datasource_type ?? '');
    const type = await this.types.resolve(id);
    if (type) return type;
    // the type was deleted: the connection still shows, with no definitions to check against
    return {
      id,
      name: id,
      label: id,
      description: '',
      type: 'database',
      builtIn: false,
      shape: 'table',
      dsd: id,
      identity: [],
      tags: [],
      extensible: false,
      connection_properties: [],
      interaction_properties: { source: [], target: [] },
      actions: [],
    };
  }

  /** Secrets the caller may read: shared ones for any member, personal ones for their owner only. */
  visibleSecrets(
    entity: Record<string, unknown>,
    principal: Principal,
    decrypt: boolean,
  ): Record<string, string> {
    if (!decrypt) return {};
    const s = (entity.secrets ?? {}) as StoredSecrets;
    const flags = Array.isArray(entity.flags) ? entity.flags : [];
    const sealed = flags.includes(PERSONAL) ? s.personal?.[principal.iamId] : s.shared;
    if (typeof sealed !== 'string') return {};
    try {
      return this.ctx.secrets.open<Record<string, string>>(sealed);
    } catch {
      return {}; // sealed with another key: shown as missing, never as garbage
    }
  }

  present(asset: Asset, type: DatasourceType, principal: Principal, q: PresentOptions, created = false) {
    const e = asset.entity;
    const c = asset.container;
    const props = {
      ...((e.properties as Record<string, string>) ?? {}),
      ...this.visibleSecrets(e, principal, q.decrypt_secrets !== false),
    };
    const entity: Record<string, unknown> = {
      datasource_type: type.id,
      name: asset.name,
      ...(asset.description ? { description: asset.description } : {}),
      data_source_definition_searchable: type.identity.map((n) => props[n] ?? '').join('|'),
      ...(asset.origin_country ? { origin_country: asset.origin_country } : {}),
      owner_id: asset.owner_id,
      rov: { mode: asset.rov.mode, member_roles: asset.rov.member_roles },
      flags: Array.isArray(e.flags) ? e.flags : [],
      ...(asset.tags.length ? { tags: asset.tags } : {}),
      asset_category: asset.asset_category,
      ...this.extras(e as ConnectionBody),
    };
    if (q.include_properties !== false) {
      entity.properties = props;
      if (q.interaction_properties !== false) entity.interaction_properties = type.interaction_properties;
    }
    if (created) {
      entity.derived_properties = {
        data_source_definition_id: type.dsd,
        data_source_identity_properties: type.identity.map((n) => ({ name: n, value: props[n] ?? null })),
        data_source_identity_mapping: Object.fromEntries(type.identity.map((n) => [n, n])),
      };
    }
    const metadata: Record<string, unknown> = {
      asset_type: 'connection',
      asset_category: asset.asset_category,
      create_time: asset.created_at,
      creator_id: asset.creator_id,
      [CONTAINER_PARAM[c.kind]]: c.id,
      usage: {
        last_access_time: asset.usage.last_access_time,
        last_accessor_id: asset.usage.last_accessor_id,
        access_count: asset.usage.access_count,
      },
    };
    if (asset.asset_id) metadata.asset_id = asset.asset_id;
    return { metadata, entity };
  }

  /** Indexes connection assets that arrived without this service (imports, archives). */
  async reindex(container: ContainerRef): Promise<void> {
    const missing = await this.repo.unindexed(container);
    for (const row of missing) {
      const asset = rowToAsset(row);
      await this.assets.transaction((trx) => this.repo.putEntry(trx, indexEntry(asset)));
    }
  }

  /** Fields kept as given (gateway, references, source system...). */
  private extras(b: ConnectionBody): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of [
      'gateway_id',
      'ref_asset_id',
      'ref_catalog_id',
      'data_source_definition_asset_id',
    ] as const) {
      const v = checkString(b[k], k, 255);
      if (v !== undefined) out[k] = v;
    }
    for (const k of ['source_system', 'location_definition'] as const) {
      const v = b[k];
      if (v === undefined) continue;
      if (!v || typeof v !== 'object' || Array.isArray(v) || JSON.stringify(v).length > 16_384)
        throw badRequest(`Invalid field '${k}': must be an object (up to 16 KiB).`, field(k));
      out[k] = v;
    }
    if (b.child_source_systems !== undefined) {
      if (!Array.isArray(b.child_source_systems) || JSON.stringify(b.child_source_systems).length > 16_384)
        throw badRequest(
          "Invalid field 'child_source_systems': must be an array (up to 16 KiB).",
          field('child_source_systems'),
        );
      out.child_source_systems = b.child_source_systems;
    }
    return out;
  }
}

/**
 * The list entry of a connection asset, from the asset alone (no type lookup): the hook that
 * writes it runs inside the writer's transaction.
 */
export function indexEntry(asset: Asset): IndexEntry {
  const e = asset.entity;
  const props = (e.properties ?? {}) as Record<string, unknown>;
  return {
    asset_id: asset.asset_id,
    container: asset.container,
    name: asset.name,
    datasource_type: typeof e.datasource_type === 'string' ? e.datasource_type : '',
    dsd_asset_id:
      typeof e.data_source_definition_asset_id === 'string' ? e.data_source_definition_asset_id : '',
    context:
      e.context === 'source' || e.context === 'target' || e.context === 'source,target'
        ? e.context
        : 'source,target',
    flags: Array.isArray(e.flags) ? e.flags.filter((f): f is string => typeof f === 'string') : [],
    creator_id: asset.creator_id,
    created_at: asset.created_at,
    properties: Object.fromEntries(
      Object.entries(props)
        .filter(([, v]) => typeof v === 'string' && v.length <= 2000)
        .map(([k, v]) => [k, v as string]),
    ),
  };
}

const context = (type: DatasourceType) => (type.shape === 'http' ? 'source' : 'source,target');

function stripMasked(type: DatasourceType, props: Record<string, string>) {
  const masked = new Set(type.connection_properties.filter((d) => d.masked).map((d) => d.name));
  return Object.fromEntries(Object.entries(props).filter(([k]) => !masked.has(k)));
}

function checkPersona(type: DatasourceType, persona: string | undefined) {
  if (persona !== undefined && persona !== type.id && persona !== type.name)
    throw badRequest(
      `The data source type '${type.name}' has no persona '${persona.slice(0, 100)}': its only persona is itself.`,
      param('persona'),
    );
}

function rowToAsset(row: AssetRow): Asset {
  return {
    asset_id: row.asset_id,
    container: { kind: row.container_kind as ContainerRef['kind'], id: row.container_id },
    asset_type: row.asset_type,
    name: row.name,
    description: row.description,
    tags: JSON.parse(row.tags || '[]'),
    owner_id: row.owner_id,
    creator_id: row.creator_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    asset_state: row.asset_state,
    asset_category: row.asset_category,
    ...(row.origin_country ? { origin_country: row.origin_country } : {}),
    version: Number(row.version),
    rov: JSON.parse(row.rov || '{}'),
    usage: JSON.parse(row.usage || '{}'),
    entity: entityOf(row),
  };
}
