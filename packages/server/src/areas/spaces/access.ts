import type { Principal } from '../../platform/auth/principal.ts';
import { forbidden, notFound } from '../../platform/errors.ts';
import type { SpaceRole } from './model.ts';
import type { SpaceRepository } from './repository.ts';

const RANK: Record<SpaceRole, number> = { viewer: 1, editor: 2, admin: 3 };

export const roleAtLeast = (role: SpaceRole, needed: SpaceRole): boolean => RANK[role] >= RANK[needed];

/** The seed's not-found error for a space or a member. */
export const resourceNotFound = (id: string) =>
  notFound(`Resource with given id '${id}' could not be found.`, { code: 'SPACES0007E', parameters: [id] });

/** Project tokens act inside their own project only; spaces are out of their reach. */
export function requireUserPrincipal(principal: Principal): void {
  if (principal.kind !== 'user') {
    throw forbidden('Permission Denied: a project token cannot act on spaces.', {
      parameters: [principal.projectId],
    });
  }
}

/**
 * The caller's role in a space, or a 404 (no such space) / 403 (not an active member, or a role
 * below `needed`). Viewers read, editors change content, admins change members and settings.
 */
export async function requireSpaceRole(
  repo: SpaceRepository,
  principal: Principal,
  spaceId: string,
  needed: SpaceRole,
): Promise<SpaceRole> {
  requireUserPrincipal(principal);
  const row = await repo.spaceWithMembership(spaceId, principal.iamId);
  if (!row) throw resourceNotFound(spaceId);
  if (!row.role || row.state !== 'active') {
    throw forbidden(`Permission Denied: ${principal.username} is not a member of space ${spaceId}.`, {
      parameters: [spaceId],
    });
  }
  const role = row.role as SpaceRole;
  if (!roleAtLeast(role, needed)) {
    throw forbidden(
      `Permission Denied: ${principal.username} has the ${role} role in space ${spaceId}; ` +
        `this operation needs ${needed}.`,
      { parameters: [spaceId, needed] },
    );
  }
  return role;
}
