import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { nowIso } from '../../store/db.ts';
import { requireProjectRole, type ProjectRole } from './access.ts';
import { MAX_ITEMS_PER_REQUEST, memberView, type MemberRow } from './model.ts';
import {
  countAdmins,
  deleteMembers,
  findProject,
  insertMembers,
  listMembers,
  projectDb,
  setMemberRole,
  updateProject,
  type ProjectDb,
} from './repository.ts';

export interface MemberInput {
  user_name: string;
  id?: string;
  role: ProjectRole;
  state?: string;
  type?: string;
}

const LAST_ADMIN = 'A project must always have at least one admin';

/** Fails (rolling back the caller's transaction) when the change left the project without an admin. */
async function keepAnAdmin(trx: ProjectDb, projectId: string): Promise<void> {
  if ((await countAdmins(trx, projectId)) === 0) {
    throw badRequest(`${LAST_ADMIN}: the change would leave project ${projectId} without one.`);
  }
}

function noRepeats(names: string[]): void {
  if (names.length > MAX_ITEMS_PER_REQUEST) {
    throw badRequest(
      `A request may name at most ${MAX_ITEMS_PER_REQUEST} members; it named ${names.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw badRequest(`Member ${name} appears more than once in the request.`);
    seen.add(name);
  }
}

/**
 * Project members. Viewers read the list; only admins add, change or remove members. Every
 * change is one database transaction: all members of a request, or none.
 */
export class MemberService {
  constructor(private readonly ctx: AppContext) {}

  private get db() {
    return projectDb(this.ctx.store);
  }

  async list(principal: Principal, projectId: string, filter: { roles?: string[]; userNames?: string[] }) {
    await requireProjectRole(this.ctx.store, principal, projectId, 'viewer');
    return { members: (await listMembers(this.db, projectId, filter)).map(memberView) };
  }

  async get(principal: Principal, projectId: string, userName: string) {
    await requireProjectRole(this.ctx.store, principal, projectId, 'viewer');
    const [member] = await listMembers(this.db, projectId, { userNames: [userName] });
    if (!member) throw notFound(`User ${userName} is not a member of project ${projectId}.`);
    return memberView(member);
  }

  /** Adds users of the directory; a user who is already a member is refused, not updated. */
  async add(principal: Principal, projectId: string, inputs: MemberInput[]) {
    await requireProjectRole(this.ctx.store, principal, projectId, 'admin');
    noRepeats(inputs.map((m) => m.user_name));
    const now = nowIso();
    const rows: MemberRow[] = [];
    for (const m of inputs) {
      if (m.type !== undefined && m.type !== 'user') {
        throw badRequest(`Member ${m.user_name}: type '${m.type}' is not supported; members are users.`);
      }
      if (m.state !== undefined && m.state !== 'ACTIVE') {
        throw badRequest(
          `Member ${m.user_name}: state '${m.state}' is not supported; new members are ACTIVE.`,
        );
      }
      const user = await this.ctx.users.findUser(m.id ? { iamId: m.id } : { username: m.user_name });
      if (!user) {
        throw badRequest(`User ${m.id ?? m.user_name} does not exist in the user directory.`);
      }
      if (user.username !== m.user_name) {
        throw badRequest(`Member id ${m.id} belongs to ${user.username}, not to ${m.user_name}.`);
      }
      rows.push({
        project_id: projectId,
        iam_id: user.iam_id,
        user_name: user.username,
        role: m.role,
        type: 'user',
        state: 'ACTIVE',
        bss_account_id: '',
        project_type: '',
        created_at: now,
        updated_at: now,
      });
    }
    await this.db.transaction().execute(async (trx) => {
      const project = await findProject(trx, projectId);
      if (!project) throw notFound(`Failed to retrieve project: ${projectId}.`);
      for (const row of rows) {
        row.bss_account_id = project.bss_account_id;
        row.project_type = project.type;
      }
      const existing = await listMembers(trx, projectId, { userNames: rows.map((r) => r.user_name) });
      if (existing.length) {
        throw badRequest(
          `Already members of project ${projectId}: ${existing.map((e) => e.user_name).join(', ')}. ` +
            'Use PATCH to change a role.',
        );
      }
      await insertMembers(trx, rows);
      await updateProject(trx, projectId, { updated_at: now });
    });
    return { members: rows.map(memberView) };
  }

  /** Changes roles; never leaves the project without an admin. */
  async update(principal: Principal, projectId: string, inputs: MemberInput[]) {
    await requireProjectRole(this.ctx.store, principal, projectId, 'admin');
    noRepeats(inputs.map((m) => m.user_name));
    const now = nowIso();
    return this.db.transaction().execute(async (trx) => {
      const current = await listMembers(trx, projectId, { userNames: inputs.map((m) => m.user_name) });
      const byName = new Map(current.map((m) => [m.user_name, m]));
      const updated: MemberRow[] = [];
      for (const m of inputs) {
        const member = byName.get(m.user_name);
        if (!member) throw notFound(`User ${m.user_name} is not a member of project ${projectId}.`);
        if (m.id !== undefined && m.id !== member.iam_id) {
          throw badRequest(`Member id ${m.id} does not belong to ${m.user_name}.`);
        }
        if (m.state !== undefined && m.state !== 'ACTIVE') {
          throw badRequest(`Member ${m.user_name}: state '${m.state}' is not supported.`);
        }
        await setMemberRole(trx, projectId, member.iam_id, { role: m.role, updated_at: now });
        updated.push({ ...member, role: m.role, updated_at: now });
      }
      await keepAnAdmin(trx, projectId);
      await updateProject(trx, projectId, { updated_at: now });
      return { members: updated.map(memberView) };
    });
  }

  /** Removes members by user name; every name must be a member, and an admin must remain. */
  async remove(principal: Principal, projectId: string, userNames: string[]): Promise<void> {
    await requireProjectRole(this.ctx.store, principal, projectId, 'admin');
    const names = [...new Set(userNames)];
    if (!names.length) throw badRequest('No user names were given.');
    noRepeats(names);
    await this.db.transaction().execute(async (trx) => {
      const current = await listMembers(trx, projectId, { userNames: names });
      const found = new Set(current.map((m) => m.user_name));
      const missing = names.filter((n) => !found.has(n));
      if (missing.length) {
        throw notFound(`Not members of project ${projectId}: ${missing.join(', ')}.`);
      }
      await deleteMembers(
        trx,
        projectId,
        current.map((m) => m.iam_id),
      );
      await keepAnAdmin(trx, projectId);
      await updateProject(trx, projectId, { updated_at: nowIso() });
    });
  }
}
