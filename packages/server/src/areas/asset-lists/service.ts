import crypto from 'node:crypto';
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { fromJson, toJson } from '../../store/db.ts';
import { newAssetId } from '../assets/model.ts';
import { decodeBookmark, encodeBookmark } from '../containers/bookmark.ts';
import {
  CONTAINER_KINDS,
  requireContainerRole,
  type ContainerKind,
  type ContainerRef,
} from '../containers/access.ts';
import { SPACE_ACCOUNT } from '../spaces/model.ts';
import { compileQuery, type ListFacts } from './query.ts';
import type { AssetListRepository } from './repository.ts';
import type { AssetListRow } from './tables.ts';

export const DEFAULT_STATE = 'default_state';
const DEFAULT_LIMIT = 200;
const MAX_ITEMS = 1000;

interface AssetRef {
  id: string;
  type: string;
  container: { id: string; type: ContainerKind };
}
interface Item {
  asset: AssetRef;
  properties: Record<string, unknown>;
}

/** Times as the seed shows them: to the second, `Z`. */
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const listNotFound = (id: string) => notFound(`Asset list ${id} does not exist.`, { parameters: [id] });

function text(value: unknown, field: string, max: number, min = 1): string {
  if (typeof value !== 'string' || value.trim().length < min || value.length > max) {
    throw badRequest(
      `Invalid field '${field}': must be a string of ${min ? `${min} to ` : 'up to '}${max} characters${min ? ', not only spaces' : ''}.`,
      { parameters: [field] },
    );
  }
  return min ? value.trim() : value;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw badRequest(`Invalid field '${field}': must be an object.`, { parameters: [field] });
  return value as Record<string, unknown>;
}

/** `{id, type, container: {id, type}}`, given directly or under `metadata` (the seed shows both). */
function assetRef(value: unknown, field: string): AssetRef {
  const given = object(value, field);
  const a = given.metadata !== undefined ? object(given.metadata, `${field}.metadata`) : given;
  const where = given.metadata !== undefined ? `${field}.metadata` : field;
  const container = object(a.container, `${where}.container`);
  if (!CONTAINER_KINDS.includes(container.type as ContainerKind))
    throw badRequest(`Invalid field '${where}.container.type': must be catalog, project or space.`, {
      parameters: [`${where}.container.type`],
    });
  return {
    id: text(a.id, `${where}.id`, 128),
    type: text(a.type, `${where}.type`, 128),
    container: {
      id: text(container.id, `${where}.container.id`, 128),
      type: container.type as ContainerKind,
    },
  };
}

function items(value: unknown): Item[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_ITEMS)
    throw badRequest(`Invalid field 'items': must be an array of up to ${MAX_ITEMS} items.`, {
      parameters: ['items'],
    });
  return value.map((item, i) => {
    const it = object(item, `items[${i}]`);
    return {
      asset: assetRef(it.asset, `items[${i}].asset`),
      properties: it.properties === undefined ? {} : object(it.properties, `items[${i}].properties`),
    };
  });
}

export function presentList(row: AssetListRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    state: row.state,
    ...(row.message !== null ? { message: row.message } : {}),
    properties: fromJson<Record<string, unknown>>(row.properties, {}),
    archived: Boolean(Number(row.archived)),
    ...(row.asset ? { asset: fromJson<AssetRef>(row.asset, {} as AssetRef) } : {}),
    access_control: { owner: row.owner_id, bss_account_id: row.bss_account_id },
    created_at: row.created_at,
    last_updated_at: row.last_updated_at,
    last_updated_by: row.last_updated_by,
    item_count: fromJson<Item[]>(row.items, []).length,
  };
}

function factsOf(row: AssetListRow): ListFacts {
  const p = presentList(row);
  return {
    ...p,
    message: p.message ?? '',
    asset: (p.asset ?? {}) as unknown as Record<string, unknown>,
    access_control: p.access_control,
  };
}

/** `created_at`, `-last_updated_at`... (repeated, or comma-separated): a comparator. */
const SORTABLE = ['created_at', 'last_updated_at', 'name'] as const;
function comparatorOf(sort: string[] | undefined) {
  const keys = (sort ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const desc = s.startsWith('-');
      const field = s.replace(/^[-+]/, '').toLowerCase() as (typeof SORTABLE)[number];
      if (!SORTABLE.includes(field))
        throw badRequest(
          `Invalid query parameter 'sort': '${s}'; sort by ${SORTABLE.join(', ')}, with - for descending.`,
          {
            parameters: ['sort'],
          },
        );
      return { field, desc };
    });
  return (a: AssetListRow, b: AssetListRow) => {
    for (const { field, desc } of keys) {
      const c = a[field] < b[field] ? -1 : a[field] > b[field] ? 1 : 0;
      if (c) return desc ? -c : c;
    }
    // creation order last: ids are time-ordered
    return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1;
  };
}

const isOffset = (k: unknown): k is number => Number.isSafeInteger(k) && (k as number) > 0;

/** Which fields a JSON Patch may change, and who may change them (the seed's rules). */
const PATCHABLE = {
  name: 'owner',
  description: 'owner',
  type: 'owner',
  state: 'approver',
  message: 'approver',
  properties: 'functional',
  archived: 'archiver',
} as const;
type PatchField = keyof typeof PATCHABLE;
const WHO: Record<(typeof PATCHABLE)[PatchField], string> = {
  owner: 'its owner and functional users',
  approver: 'approvers (admins of the container of the list’s asset) and functional users',
  functional: 'functional users',
  archiver: 'functional users and its owner',
};

export interface ListQuery {
  query?: string;
  start?: string;
  limit?: number;
  sort?: string[];
}

/**
 * Asset lists of the account. Who is who: the owner made the list; functional users are the
 * server's administrators; approvers are admins of the container of the asset a list is about.
 * Owners and functional users see and delete lists; approvers see the lists about their assets.
 */
export class AssetListService {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: AssetListRepository,
  ) {}

  private isFunctional(p: Principal): boolean {
    return p.kind === 'user' && p.isAdmin;
  }

  private async isApprover(p: Principal, row: AssetListRow): Promise<boolean> {
    if (!row.asset_container_kind || !row.asset_container_id) return false;
    const c = { kind: row.asset_container_kind as ContainerKind, id: row.asset_container_id };
    try {
      await requireContainerRole(this.ctx, p, c, 'admin', { archived: 'allow' });
      return true;
    } catch (err) {
      if (err instanceof ApiError) return false;
      throw err;
    }
  }

  /** The list, if the caller may see it: 404 when there is none, 403 when it is someone else's. */
  private async visibleList(p: Principal, id: string) {
    const row = await this.repo.find(id);
    if (!row) throw listNotFound(id);
    const owner = row.owner_id === p.iamId;
    const functional = this.isFunctional(p);
    const approver = !owner && !functional && (await this.isApprover(p, row));
    if (!owner && !functional && !approver)
      throw forbidden(`${p.username} may not see asset list ${id}.`, { parameters: [id] });
    return { row, owner, functional, approver };
  }

  async create(p: Principal, body: Record<string, unknown>) {
    const name = text(body.name, 'name', 255);
    const type = text(body.type, 'type', 64);
    const asset = body.asset === undefined ? undefined : assetRef(body.asset, 'asset');
    const row: AssetListRow = {
      id: newAssetId(),
      name,
      description: body.description === undefined ? '' : text(body.description, 'description', 4000, 0),
      type,
      state: body.state === undefined ? DEFAULT_STATE : text(body.state, 'state', 64),
      message: null,
      properties: toJson({}),
      archived: 0,
      asset: asset ? toJson(asset) : null,
      asset_container_kind: asset?.container.type ?? null,
      asset_container_id: asset?.container.id ?? null,
      items: toJson(items(body.items)),
      owner_id: p.iamId,
      bss_account_id: SPACE_ACCOUNT,
      created_at: now(),
      last_updated_at: now(),
      last_updated_by: p.iamId,
    };
    if (await this.repo.findByOwnerTypeName(p.iamId, type, name))
      throw conflict(`You already have an asset list of type ${type} named ${name}.`, {
        parameters: [type, name],
      });
    await this.repo.insert(row);
    return presentList(row);
  }

  /** Lists the caller may see that the query selects, sorted, a page at a time (`start` is an offset). */
  async list(p: Principal, q: ListQuery) {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const matches = q.query === undefined ? () => true : compileQuery(q.query);
    const compare = comparatorOf(q.sort);
    const key =
      'asset_lists:' +
      crypto
        .createHash('sha256')
        .update(JSON.stringify([q.query ?? '', q.sort ?? []]))
        .digest('base64url')
        .slice(0, 16);
    const offset = decodeBookmark(key, q.start, isOffset, 'start') ?? 0;
    const rows = (await this.visibleRows(p)).filter((r) => matches(factsOf(r))).sort(compare);
    const page = rows.slice(offset, offset + limit);
    const next = offset + limit < rows.length ? encodeBookmark(key, offset + limit) : undefined;
    return { limit, total_count: rows.length, asset_lists: page.map(presentList), next };
  }

  private async visibleRows(p: Principal): Promise<AssetListRow[]> {
    if (this.isFunctional(p)) return this.repo.visible(undefined, []);
    const approved: ContainerRef[] = [];
    for (const c of await this.repo.assetContainers()) {
      try {
        await requireContainerRole(this.ctx, p, c, 'admin', { archived: 'allow' });
        approved.push(c);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
      }
    }
    return this.repo.visible(p.iamId, approved);
  }

  async get(p: Principal, id: string) {
    return presentList((await this.visibleList(p, id)).row);
  }

  async items(p: Principal, id: string, q: { start?: string; limit?: number }) {
    const { row } = await this.visibleList(p, id);
    const all = fromJson<Item[]>(row.items, []);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const key = `asset_list_items:${id}`;
    const offset = decodeBookmark(key, q.start, isOffset, 'start') ?? 0;
    const next = offset + limit < all.length ? encodeBookmark(key, offset + limit) : undefined;
    return { limit, total_count: all.length, items: all.slice(offset, offset + limit), next };
  }

  /** RFC 6902 on the seed's patchable fields, each by whom the seed allows; a failed `test` is a 409. */
  async update(p: Principal, id: string, ops: Operation[]) {
    const { row, owner, functional, approver } = await this.visibleList(p, id);
    const may: Record<(typeof PATCHABLE)[PatchField], boolean> = {
      owner: owner || functional,
      approver: approver || functional,
      functional,
      archiver: owner || functional,
    };
    ops.forEach((op, i) => {
      for (const path of [op.path, (op as { from?: string }).from]) {
        if (path === undefined) continue;
        const field = path.split('/')[1] as PatchField;
        if (!(field in PATCHABLE) || (field !== 'properties' && path !== `/${field}`))
          throw badRequest(
            `Invalid patch operation ${i}: '${path}' cannot be patched; the fields are /${Object.keys(PATCHABLE).join(', /')} (and inside /properties).`,
            { parameters: [String(i), path] },
          );
        if (!may[PATCHABLE[field]])
          throw forbidden(`Only ${WHO[PATCHABLE[field]]} may patch /${field} of asset list ${id}.`, {
            parameters: [id, `/${field}`],
          });
      }
    });
    const current = presentList(row);
    const doc = {
      name: current.name,
      description: current.description,
      type: current.type,
      state: current.state,
      message: current.message ?? '',
      properties: current.properties,
      archived: current.archived,
    };
    let next: Record<string, unknown>;
    try {
      next = jsonpatch.applyPatch(jsonpatch.deepClone(doc), ops, true, false, true).newDocument;
    } catch (err) {
      const e = err as { name?: string; index?: number; message?: string };
      if (e.name === 'TEST_OPERATION_FAILED')
        throw conflict(`Patch operation ${e.index ?? ''} failed its test: the asset list has changed.`, {
          parameters: [String(e.index ?? '')],
        });
      throw badRequest(
        `Invalid patch operation${e.index === undefined ? '' : ` ${e.index}`}: ${String(e.message).split('\n')[0]}`,
        {
          parameters: e.index === undefined ? [] : [String(e.index)],
        },
      );
    }
    if (typeof next.archived !== 'boolean')
      throw badRequest("Invalid field 'archived': must be true or false.", { parameters: ['archived'] });
    const changes: Partial<AssetListRow> = {
      name: text(next.name, 'name', 255),
      description: text(next.description, 'description', 4000, 0),
      type: text(next.type, 'type', 64),
      state: text(next.state, 'state', 64),
      message: next.message === '' && row.message === null ? null : text(next.message, 'message', 4000, 0),
      properties: toJson(object(next.properties, 'properties')),
      archived: next.archived ? 1 : 0,
      last_updated_at: now(),
      last_updated_by: p.iamId,
    };
    if (
      (changes.name !== row.name || changes.type !== row.type) &&
      (await this.repo.findByOwnerTypeName(row.owner_id, changes.type!, changes.name!))
    )
      throw conflict(`The owner already has an asset list of type ${changes.type} named ${changes.name}.`, {
        parameters: [changes.type!, changes.name!],
      });
    await this.repo.update(id, changes);
    return presentList({ ...row, ...changes });
  }

  /**
   * Owners and functional users delete. An owner's list that is in process (its state moved on
   * from the default) and not archived is a 409: archive it first.
   */
  async delete(p: Principal, id: string) {
    const { row, owner, functional } = await this.visibleList(p, id);
    if (!owner && !functional)
      throw forbidden(`Only the owner of asset list ${id} and functional users may delete it.`, {
        parameters: [id],
      });
    if (!functional && inProcess(row))
      throw conflict(
        `Asset list ${id} is in state ${row.state}: archive it first (replace /archived with true), then delete it.`,
        { parameters: [id, row.state] },
      );
    await this.repo.deleteMany([id]);
  }

  /** Deletes the caller's lists (every list, for functional users) that the query selects: all or none. */
  async deleteMany(p: Principal, query: string | undefined) {
    if (query === undefined)
      throw badRequest(
        "Missing query parameter 'query': say which asset lists to delete (`true` for all of yours).",
        {
          parameters: ['query'],
        },
      );
    const matches = compileQuery(query);
    const functional = this.isFunctional(p);
    const rows = (await this.repo.visible(functional ? undefined : p.iamId, [])).filter((r) =>
      matches(factsOf(r)),
    );
    if (!rows.length) throw notFound('No asset list of yours matches the query.', { parameters: ['query'] });
    const busy = functional ? [] : rows.filter(inProcess);
    if (busy.length)
      throw forbidden(
        `The query selects asset lists in process (${busy.map((r) => r.id).join(', ')}): archive them first; nothing was deleted.`,
        { parameters: busy.map((r) => r.id) },
      );
    await this.repo.deleteMany(rows.map((r) => r.id));
  }
}

const inProcess = (row: AssetListRow) => row.state !== DEFAULT_STATE && !Number(row.archived);
