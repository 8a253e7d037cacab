import crypto from 'node:crypto';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { deleteContainerContents } from '../asset-containers/contents.ts';
import { decodeBookmark, encodeBookmark, isString } from '../containers/bookmark.ts';
import { catalogNotFound, requireCatalogRole, requireUserPrincipal, type CatalogRole } from './access.ts';
import type { CatalogRepository } from './repository.ts';
import type { CatalogMemberRow, CatalogRow } from './tables.ts';

/** The account of catalogs created without one (a single local account). */
export const LOCAL_ACCOUNT = 'cpdaccount';
const DEFAULT_LIMIT = 25;

export interface CatalogCreateBody {
  name: string;
  description?: string;
  generator?: string;
  bss_account_id?: string;
  capacity_limit?: number;
  is_governed?: boolean;
  subtype?: string;
}

const href = (id: string) => `/v2/catalogs/${id}`;

export function presentCatalog(row: CatalogRow) {
  return {
    metadata: {
      guid: row.id,
      url: href(row.id),
      creator_id: row.creator_iam_id,
      create_time: row.created_at,
    },
    entity: {
      name: row.name,
      description: row.description,
      generator: row.generator,
      bss_account_id: row.bss_account_id,
      capacity_limit: Number(row.capacity_limit),
      is_governed: row.is_governed === 1,
      ...(row.subtype ? { subtype: row.subtype } : {}),
    },
    href: href(row.id),
  };
}

const presentMember = (m: CatalogMemberRow) => ({
  user_iam_id: m.iam_id,
  role: m.role,
  create_time: m.created_at,
  href: `${href(m.catalog_id)}/members/${encodeURIComponent(m.iam_id)}`,
});

const memberNotFound = (catalogId: string, id: string) =>
  notFound(`${id} is not a member of catalog ${catalogId}.`, { parameters: [catalogId, id] });
const lastAdmin = (catalogId: string) =>
  conflict(`Catalog ${catalogId} must keep at least one admin.`, { parameters: [catalogId] });

/** Catalogs and their members. The creator is the first admin; a catalog keeps at least one. */
export class CatalogService {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: CatalogRepository,
  ) {}

  async create(principal: Principal, body: CatalogCreateBody) {
    requireUserPrincipal(principal);
    const name = body.name.trim();
    if (!name)
      throw badRequest("Invalid request body field 'name': must not be blank.", { parameters: ['name'] });
    const now = new Date().toISOString();
    const row: CatalogRow = {
      id: crypto.randomUUID(),
      name,
      description: body.description ?? '',
      generator: body.generator ?? 'api',
      bss_account_id: body.bss_account_id ?? LOCAL_ACCOUNT,
      capacity_limit: body.capacity_limit ?? 0,
      is_governed: body.is_governed ? 1 : 0,
      subtype: body.subtype ?? null,
      creator_iam_id: principal.iamId,
      created_at: now,
    };
    const taken = () =>
      conflict(`A catalog named '${name}' already exists in account ${row.bss_account_id}.`, {
        parameters: [name, row.bss_account_id],
      });
    if (await this.repo.findByName(row.bss_account_id, name)) throw taken();
    try {
      await this.repo.transaction((trx) =>
        this.repo.insertCatalog(trx, row, {
          catalog_id: row.id,
          iam_id: principal.iamId,
          role: 'admin',
          created_at: now,
        }),
      );
    } catch (err) {
      // two creates of one name at once: the unique index decides
      if (await this.repo.findByName(row.bss_account_id, name)) throw taken();
      throw err;
    }
    return presentCatalog(row);
  }

  async list(principal: Principal, q: { limit?: number; bookmark?: string }) {
    requireUserPrincipal(principal);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeBookmark('catalogs', q.bookmark, isString);
    const rows = await this.repo.listForMember(principal.iamId, limit + 1, after);
    const page = rows.slice(0, limit);
    return {
      catalogs: page.map(presentCatalog),
      ...(rows.length > limit ? { nextBookmark: encodeBookmark('catalogs', page[page.length - 1].id) } : {}),
    };
  }

  async get(principal: Principal, id: string) {
    await requireCatalogRole(this.repo, principal, id, 'viewer');
    const row = await this.repo.findCatalog(id);
    if (!row) throw catalogNotFound(id);
    return presentCatalog(row);
  }

  /** Deletes the catalog, its members and its assets (with their attachments) in one transaction. */
  async delete(principal: Principal, id: string) {
    await requireCatalogRole(this.repo, principal, id, 'admin');
    const removeContent = await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockCatalog(trx, id))) throw catalogNotFound(id);
      const remove = await deleteContainerContents(this.ctx, trx, { kind: 'catalog', id });
      await this.repo.deleteCatalog(trx, id);
      return remove;
    });
    await removeContent();
  }

  async listMembers(principal: Principal, id: string, q: { limit?: number; bookmark?: string }) {
    await requireCatalogRole(this.repo, principal, id, 'viewer');
    const limit = q.limit ?? DEFAULT_LIMIT;
    const list = `members:${id}`;
    const after = decodeBookmark(list, q.bookmark, isString);
    const rows = await this.repo.listMembers(id, limit + 1, after);
    const page = rows.slice(0, limit);
    return {
      members: page.map(presentMember),
      ...(rows.length > limit ? { nextBookmark: encodeBookmark(list, page[page.length - 1].iam_id) } : {}),
    };
  }

  /** Adds users of the directory, all or none; someone already a member is a 409. */
  async addMembers(
    principal: Principal,
    id: string,
    body: { members: { user_iam_id: string; role: CatalogRole }[] },
  ) {
    await requireCatalogRole(this.repo, principal, id, 'admin');
    const seen = new Set<string>();
    for (const [i, m] of body.members.entries()) {
      if (seen.has(m.user_iam_id))
        throw badRequest(`Invalid request body field 'members[${i}].user_iam_id': given twice.`, {
          parameters: [`members[${i}].user_iam_id`],
        });
      seen.add(m.user_iam_id);
      if (!(await this.ctx.users.findUser({ iamId: m.user_iam_id })))
        throw badRequest(
          `Invalid request body field 'members[${i}].user_iam_id': no user ${m.user_iam_id}.`,
          {
            parameters: [`members[${i}].user_iam_id`],
          },
        );
    }
    const now = new Date().toISOString();
    const rows: CatalogMemberRow[] = body.members.map((m) => ({
      catalog_id: id,
      iam_id: m.user_iam_id,
      role: m.role,
      created_at: now,
    }));
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockCatalog(trx, id))) throw catalogNotFound(id);
      for (const r of rows) {
        if (await this.repo.findMember(id, r.iam_id, trx))
          throw conflict(`${r.iam_id} is already a member of catalog ${id}.`, { parameters: [id, r.iam_id] });
      }
      await this.repo.insertMembers(trx, rows);
    });
    return { members: rows.map(presentMember) };
  }

  async getMember(principal: Principal, id: string, memberId: string) {
    await requireCatalogRole(this.repo, principal, id, 'viewer');
    const m = await this.repo.findMember(id, memberId);
    if (!m) throw memberNotFound(id, memberId);
    return presentMember(m);
  }

  async updateMember(principal: Principal, id: string, memberId: string, body: { role: CatalogRole }) {
    await requireCatalogRole(this.repo, principal, id, 'admin');
    return this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockCatalog(trx, id))) throw catalogNotFound(id);
      const m = await this.repo.findMember(id, memberId, trx);
      if (!m) throw memberNotFound(id, memberId);
      if (m.role === 'admin' && body.role !== 'admin' && (await this.repo.countAdmins(trx, id)) <= 1)
        throw lastAdmin(id);
      await this.repo.setRole(trx, id, memberId, body.role);
      return presentMember({ ...m, role: body.role });
    });
  }

  /** Admins remove anyone; members may leave. The last admin stays. */
  async removeMember(principal: Principal, id: string, memberId: string) {
    const self = principal.kind === 'user' && principal.iamId === memberId;
    await requireCatalogRole(this.repo, principal, id, self ? 'viewer' : 'admin');
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockCatalog(trx, id))) throw catalogNotFound(id);
      const m = await this.repo.findMember(id, memberId, trx);
      if (!m) throw memberNotFound(id, memberId);
      if (m.role === 'admin' && (await this.repo.countAdmins(trx, id)) <= 1) throw lastAdmin(id);
      await this.repo.deleteMember(trx, id, memberId);
    });
  }
}
