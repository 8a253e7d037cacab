import type { Store } from '../../store/db.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { forbidden, notFound } from '../../platform/errors.ts';
import type { ProjectTables } from './tables.ts';

export type ProjectRole = 'viewer' | 'editor' | 'admin';
const RANK: Record<ProjectRole, number> = { viewer: 1, editor: 2, admin: 3 };

export const roleAtLeast = (role: ProjectRole, needed: ProjectRole): boolean => RANK[role] >= RANK[needed];

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
  const db = store.db.withTables<ProjectTables>();
  const row = await db
    .selectFrom('projects')
    .leftJoin('project_members', (j) =>
      j
        .onRef('project_members.project_id', '=', 'projects.id')
        .on('project_members.iam_id', '=', principal.iamId),
    )
    .select(['projects.id', 'project_members.role'])
    .where('projects.id', '=', projectId)
    .executeTakeFirst();
  if (!row) throw notFound(`Project ${projectId} does not exist.`, { parameters: [projectId] });
  let role = row.role as ProjectRole | null;
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
