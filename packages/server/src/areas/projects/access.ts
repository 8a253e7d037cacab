import type { Store } from '../../store/db.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { forbidden, notFound } from '../../platform/errors.ts';
import { preparedQuery } from '../../store/prepared.ts';
import type { ProjectTables } from './tables.ts';
import type { ProjectRow } from './model.ts';

export type ProjectRole = 'viewer' | 'editor' | 'admin';
const RANK: Record<ProjectRole, number> = { viewer: 1, editor: 2, admin: 3 };

export const roleAtLeast = (role: ProjectRole, needed: ProjectRole): boolean => RANK[role] >= RANK[needed];

type Lookup<Row> = (projectId: string, iamId: string) => Row[] | Promise<Row[]>;
interface Lookups {
  /** The caller's membership only: most operations need nothing more of the project. */
  role: Lookup<{ id: string; member_role: string | null }>;
  /** The project row with it, for reads of the project itself. */
  row: Lookup<ProjectRow & { member_role: string | null }>;
}
const lookupsOfStore = new WeakMap<Store, Lookups>();

/** The project and the caller's membership in one prepared query (see preparedQuery), per store. */
function lookupsOf(store: Store): Lookups {
  let lookups = lookupsOfStore.get(store);
  if (!lookups) {
    const db = store.db.withTables<ProjectTables>();
    const projectAndMember = (projectId: string, iamId: string) =>
      db
        .selectFrom('projects')
        .leftJoin('project_members', (j) =>
          j.onRef('project_members.project_id', '=', 'projects.id').on('project_members.iam_id', '=', iamId),
        )
        .select('project_members.role as member_role')
        .where('projects.id', '=', projectId);
    lookups = {
      role: preparedQuery(store, 2, (projectId: string, iamId: string) =>
        projectAndMember(projectId, iamId).select('projects.id'),
      ),
      row: preparedQuery(store, 2, (projectId: string, iamId: string) =>
        projectAndMember(projectId, iamId).selectAll('projects'),
      ),
    };
    lookupsOfStore.set(store, lookups);
  }
  return lookups;
}

/**
 * The caller's role in a project, or a 404 (no such project) / 403 (not a member, or a role
 * below `needed`). Viewers read, editors change content, admins change members and settings.
 * A project token acts with its own role, and only inside its own project.
 */
export async function requireProjectRole(
  store: Store,
  principal: Principal,
  projectId: string,
  needed: ProjectRole,
): Promise<ProjectRole> {
  const [row] = await lookupsOf(store).role(projectId, principal.iamId);
  return roleOf(row, principal, projectId, needed);
}

/** requireProjectRole, also answering the project row it read (a read then needs no second query). */
export async function requireProjectAccess(
  store: Store,
  principal: Principal,
  projectId: string,
  needed: ProjectRole,
): Promise<{ role: ProjectRole; project: ProjectRow }> {
  const [row] = await lookupsOf(store).row(projectId, principal.iamId);
  const role = roleOf(row, principal, projectId, needed);
  const { member_role: _, ...project } = row;
  return { role, project };
}

function roleOf(
  row: { member_role: string | null } | undefined,
  principal: Principal,
  projectId: string,
  needed: ProjectRole,
): ProjectRole {
  if (!row) throw notFound(`Project ${projectId} does not exist.`, { parameters: [projectId] });
  let role = row.member_role as ProjectRole | null;
  if (principal.kind === 'project_token') {
    if (principal.projectId !== projectId) {
      throw forbidden(`Permission Denied: the project token is scoped to another project than ${projectId}.`);
    }
    role = principal.role;
  }
  if (!role) {
    throw forbidden(
      `Permission Denied: Authenticated user is not a member of the project: ${principal.username}.`,
    );
  }
  if (!roleAtLeast(role, needed)) {
    throw forbidden(
      `Permission Denied: ${principal.username} has the ${role} role in project ${projectId}; ` +
        `this operation needs ${needed}.`,
    );
  }
  return role;
}
