import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { deleteContainerContents } from '../asset-containers/contents.ts';
import { badRequest, forbidden } from '../../platform/errors.ts';
import { requireSpaceRole, requireUserPrincipal, resourceNotFound } from './access.ts';
import type { SpaceActivator } from './lifecycle.ts';
import {
  PREPARING_MS,
  SPACE_ACCOUNT,
  splitList,
  spaceView,
  stableJson,
  timeOrderedUuid,
  type MemberRow,
  type SpaceRole,
  type SpaceRow,
  type StoredEntity,
} from './model.ts';
import { decodeStart, pageLimit, type Page } from './paging.ts';
import type { SpaceFilter, SpaceRepository } from './repository.ts';
import { SPACE_PATCH_PATHS, applyJsonPatch, newSpaceOf, patchableOf, patchedSpaceOf } from './validation.ts';

/** `include=members` shows at most this many members per space, as the seed says. */
const INCLUDED_MEMBERS = 100;
/** Upper bound on the `id` and `tags` lists of one query. */
const MAX_LIST_ITEMS = 200;

export interface SpaceListQuery {
  start?: string;
  limit?: number;
  total_count?: boolean;
  id?: string;
  tags?: string;
  include?: string;
  member?: string;
  roles?: string;
  bss_account_id?: string;
  name?: string;
  sub_name?: string;
  'compute.crn'?: string;
  type?: string;
}

function includes(value: string | undefined) {
  const parts = splitList(value);
  return { members: parts.includes('members'), nothing: parts.includes('nothing') };
}

function boundedList(value: string | undefined, name: string): string[] {
  const list = splitList(value);
  if (list.length > MAX_LIST_ITEMS) {
    throw badRequest(`Invalid query parameter '${name}': at most ${MAX_LIST_ITEMS} values.`, {
      parameters: [name],
    });
  }
  return list;
}

/** The rules of spaces themselves: create, list, read, update, delete. */
export class SpaceService {
  constructor(
    private readonly repo: SpaceRepository,
    private readonly activator: SpaceActivator,
    private readonly ctx: Pick<AppContext, 'store' | 'config'>,
  ) {}

  /** Any user may create a space and becomes its admin; it is `preparing` until `ready_at`. */
  async create(principal: Principal, body: unknown): Promise<Record<string, unknown>> {
    requireUserPrincipal(principal);
    const input = newSpaceOf(body);
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    const row: SpaceRow = {
      id: timeOrderedUuid(now),
      name: input.name,
      type: input.type,
      bss_account_id: SPACE_ACCOUNT,
      state: 'preparing',
      ready_at: new Date(now + PREPARING_MS).toISOString(),
      creator_iam_id: principal.iamId,
      entity: JSON.stringify(input.entity),
      created_at: createdAt,
      updated_at: null,
    };
    const creator: MemberRow = {
      space_id: row.id,
      iam_id: principal.iamId,
      role: 'admin',
      state: 'active',
      type: 'user',
      created_at: createdAt,
      updated_at: createdAt,
    };
    await this.repo.transaction((trx) =>
      this.repo.insertSpace(
        trx,
        row,
        creator,
        input.entity.tags,
        input.entity.compute.map((c) => c.crn),
      ),
    );
    this.activator.schedule(row.id, row.ready_at);
    return spaceView(row, { members: [creator] });
  }

  async list(principal: Principal, q: SpaceListQuery): Promise<Page> {
    requireUserPrincipal(principal);
    const limit = pageLimit(q.limit);
    const after = decodeStart('spaces', q.start);
    const roles = boundedList(q.roles, 'roles') as SpaceRole[];
    if (roles.length && !q.member) {
      throw badRequest("Query parameter 'roles' must be used together with 'member'.", {
        parameters: ['roles'],
      });
    }
    const filter: SpaceFilter = {
      visibleTo: principal.iamId,
      ids: boundedList(q.id, 'id'),
      tags: boundedList(q.tags, 'tags'),
      member: q.member || undefined,
      roles,
      name: q.name,
      subName: q.sub_name || undefined,
      computeCrn: q['compute.crn'],
      type: q.type,
    };
    if (q.bss_account_id !== undefined) {
      // Only accredited services (here: platform administrators) filter by account, and they
      // see every space of the account, member or not.
      if (!principal.isAdmin) {
        throw forbidden('Filtering by bss_account_id is allowed only for accredited services.', {
          parameters: ['bss_account_id'],
        });
      }
      filter.visibleTo = undefined;
      filter.bssAccountId = q.bss_account_id;
    }
    const rows = await this.repo.listSpaces(filter, after, limit);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const include = includes(q.include);
    const members = include.members
      ? await this.repo.membersOf(
          page.map((r) => r.id),
          INCLUDED_MEMBERS,
        )
      : undefined;
    const body: Record<string, unknown> = { limit };
    if (q.total_count) body.total_count = await this.repo.countSpaces(filter);
    body.resources = page.map((r) => spaceView(r, { nothing: include.nothing, members: members?.get(r.id) }));
    return { body, nextKey: more ? page[page.length - 1].id : undefined };
  }

  async get(principal: Principal, spaceId: string, include?: string) {
    await requireSpaceRole(this.repo, principal, spaceId, 'viewer');
    const row = await this.repo.findSpace(spaceId);
    if (!row) throw resourceNotFound(spaceId);
    const inc = includes(include);
    // `credentials` would add object storage keys; local spaces keep their files on this server.
    const members = inc.members
      ? (await this.repo.membersOf([spaceId], INCLUDED_MEMBERS)).get(spaceId)
      : undefined;
    return spaceView(row, { nothing: inc.nothing, members });
  }

  /** JSON Patch on the seed's paths: editors change content, admins also the settings. */
  async update(principal: Principal, spaceId: string, ops: unknown) {
    const touchesSettings =
      Array.isArray(ops) &&
      ops.some((op) => typeof op?.path === 'string' && (op.path as string).startsWith('/settings/'));
    await requireSpaceRole(this.repo, principal, spaceId, touchesSettings ? 'admin' : 'editor');
    const row = await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockSpace(trx, spaceId))) throw resourceNotFound(spaceId);
      const current = (await this.repo.findSpace(spaceId, trx)) as SpaceRow;
      const before = JSON.parse(current.entity) as StoredEntity;
      const patched = applyJsonPatch(patchableOf(current.name, current.type, before), ops, SPACE_PATCH_PATHS);
      const next = patchedSpaceOf(patched, before);
      const entity = JSON.stringify(next.entity);
      const unchanged = stableJson(next.entity) === stableJson(before);
      if (unchanged && next.name === current.name && next.type === current.type) return current;
      const change = { name: next.name, type: next.type, entity, updated_at: new Date().toISOString() };
      await this.repo.updateSpace(trx, spaceId, change);
      await this.repo.replaceComputes(
        trx,
        spaceId,
        next.entity.compute.map((c) => c.crn),
      );
      return { ...current, ...change };
    });
    return spaceView(row);
  }

  /** Admins delete a space; its members, tags, compute links and assets go with it, in one transaction. */
  async delete(principal: Principal, spaceId: string): Promise<void> {
    await requireSpaceRole(this.repo, principal, spaceId, 'admin');
    const removeContent = await this.repo.transaction(async (trx) => {
      const remove = await deleteContainerContents(this.ctx, trx, { kind: 'space', id: spaceId });
      if (!(await this.repo.deleteSpace(trx, spaceId))) throw resourceNotFound(spaceId);
      return remove;
    });
    await removeContent();
  }
}
