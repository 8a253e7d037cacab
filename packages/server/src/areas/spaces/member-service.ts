import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest } from '../../platform/errors.ts';
import { requireSpaceRole, resourceNotFound } from './access.ts';
import { MEMBER_STATES, MEMBER_TYPES, SPACE_ROLES, memberView, type MemberRow } from './model.ts';
import { decodeStart, pageLimit, type Page } from './paging.ts';
import type { SpaceRepository } from './repository.ts';
import { MEMBER_PATCH_PATHS, applyJsonPatch, patchedMemberOf } from './validation.ts';

export interface MemberListQuery {
  start?: string;
  limit?: number;
  total_count?: boolean;
  type?: string;
  role?: string;
  state?: string;
}

const lastAdminError = (spaceId: string) =>
  badRequest(`Space ${spaceId} must keep at least one active admin.`, { parameters: [spaceId] });

const isActiveAdmin = (m: Pick<MemberRow, 'role' | 'state'>) => m.role === 'admin' && m.state === 'active';

/** Members of a space: viewers read them, admins add, change and remove them. */
export class MemberService {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: SpaceRepository,
  ) {}

  async list(principal: Principal, spaceId: string, q: MemberListQuery): Promise<Page> {
    await requireSpaceRole(this.repo, principal, spaceId, 'viewer');
    const limit = pageLimit(q.limit);
    const after = decodeStart(`members:${spaceId}`, q.start);
    const filter = { type: q.type, role: q.role, state: q.state };
    const rows = await this.repo.listMembers(spaceId, filter, after, limit);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const body: Record<string, unknown> = { limit };
    if (q.total_count) body.total_count = await this.repo.countMembers(spaceId, filter);
    body.resources = page.map(memberView);
    return { body, nextKey: more ? page[page.length - 1].iam_id : undefined };
  }

  /** Adds users of the directory, all or none; someone already a member is a 400. */
  async add(principal: Principal, spaceId: string, body: unknown) {
    await requireSpaceRole(this.repo, principal, spaceId, 'admin');
    const items = (body as { members?: unknown })?.members;
    if (!Array.isArray(items) || items.length === 0) {
      throw badRequest("Invalid request body field 'members': must be a non-empty array.", {
        parameters: ['members'],
      });
    }
    const now = new Date().toISOString();
    const rows: MemberRow[] = [];
    for (const [i, item] of items.entries()) {
      const { id, role, state = 'active', type = 'user' } = (item ?? {}) as Record<string, unknown>;
      if (typeof id !== 'string' || !id.trim()) {
        throw badRequest(`Invalid request body field 'members[${i}].id': must be a member id.`, {
          parameters: [`members[${i}].id`],
        });
      }
      if (!SPACE_ROLES.includes(role as MemberRow['role'])) {
        throw badRequest(
          `Invalid request body field 'members[${i}].role': must be admin, editor or viewer.`,
          {
            parameters: [`members[${i}].role`],
          },
        );
      }
      if (!MEMBER_STATES.includes(state as (typeof MEMBER_STATES)[number])) {
        throw badRequest(
          `Invalid request body field 'members[${i}].state': must be one of ${MEMBER_STATES.join(', ')}.`,
          { parameters: [`members[${i}].state`] },
        );
      }
      if (!MEMBER_TYPES.includes(type as (typeof MEMBER_TYPES)[number])) {
        throw badRequest(
          `Invalid request body field 'members[${i}].type': must be one of ${MEMBER_TYPES.join(', ')}.`,
          { parameters: [`members[${i}].type`] },
        );
      }
      if (rows.some((r) => r.iam_id === id)) {
        throw badRequest(`Member ${id} is listed more than once.`, { parameters: [id] });
      }
      // Our IAM stand-in knows users only; a service id is never found.
      const user = await this.ctx.users.findUser({ iamId: id });
      if (!user || type !== 'user') throw resourceNotFound(id);
      rows.push({
        space_id: spaceId,
        iam_id: id,
        role: role as MemberRow['role'],
        state: state as string,
        type: type as string,
        created_at: now,
        updated_at: now,
      });
    }
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockSpace(trx, spaceId))) throw resourceNotFound(spaceId);
      for (const row of rows) {
        if (await this.repo.findMember(spaceId, row.iam_id, trx)) {
          throw badRequest(`${row.iam_id} is already a member of space ${spaceId}.`, {
            parameters: [row.iam_id, spaceId],
          });
        }
      }
      await this.repo.insertMembers(trx, rows);
    });
    return { resources: rows.map(memberView) };
  }

  async get(principal: Principal, spaceId: string, memberId: string) {
    await requireSpaceRole(this.repo, principal, spaceId, 'viewer');
    const member = await this.repo.findMember(spaceId, memberId);
    if (!member) throw resourceNotFound(memberId);
    return memberView(member);
  }

  /** JSON Patch on `/role` and `/state`; the space keeps at least one active admin. */
  async update(principal: Principal, spaceId: string, memberId: string, ops: unknown) {
    await requireSpaceRole(this.repo, principal, spaceId, 'admin');
    const updated = await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockSpace(trx, spaceId))) throw resourceNotFound(spaceId);
      const member = await this.repo.findMember(spaceId, memberId, trx);
      if (!member) throw resourceNotFound(memberId);
      const patched = applyJsonPatch({ role: member.role, state: member.state }, ops, MEMBER_PATCH_PATHS);
      const next = patchedMemberOf(patched);
      if (next.role === member.role && next.state === member.state) return member;
      if (
        isActiveAdmin(member) &&
        !isActiveAdmin(next) &&
        (await this.repo.countActiveAdmins(trx, spaceId)) <= 1
      ) {
        throw lastAdminError(spaceId);
      }
      const change = { ...next, updated_at: new Date().toISOString() };
      await this.repo.updateMember(trx, spaceId, memberId, change);
      return { ...member, ...change };
    });
    return memberView(updated);
  }

  /** Admins remove anyone; any member may remove themselves (leave the space). */
  async remove(principal: Principal, spaceId: string, memberId: string): Promise<void> {
    const self = principal.iamId === memberId;
    await requireSpaceRole(this.repo, principal, spaceId, self ? 'viewer' : 'admin');
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.lockSpace(trx, spaceId))) throw resourceNotFound(spaceId);
      const member = await this.repo.findMember(spaceId, memberId, trx);
      if (!member) throw resourceNotFound(memberId);
      if (isActiveAdmin(member) && (await this.repo.countActiveAdmins(trx, spaceId)) <= 1) {
        throw lastAdminError(spaceId);
      }
      await this.repo.deleteMember(trx, spaceId, memberId);
    });
  }
}
