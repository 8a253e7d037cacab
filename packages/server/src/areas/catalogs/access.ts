import type { Principal } from '../../platform/auth/principal.ts';
import { forbidden, notFound } from '../../platform/errors.ts';
import type { CatalogRepository } from './repository.ts';

export type CatalogRole = 'viewer' | 'editor' | 'admin';
export const CATALOG_ROLES: CatalogRole[] = ['viewer', 'editor', 'admin'];
const RANK: Record<CatalogRole, number> = { viewer: 1, editor: 2, admin: 3 };

export const catalogNotFound = (id: string) =>
  notFound(`Catalog ${id} does not exist.`, { parameters: [id] });

/** Project tokens act inside their own project only; catalogs are out of their reach. */
export function requireUserPrincipal(principal: Principal): void {
  if (principal.kind !== 'user') {
    throw forbidden('Permission Denied: a project token cannot act on catalogs.', {
      parameters: [principal.projectId],
    });
  }
}

/**
 * The caller's role in a catalog, or a 404 (no such catalog) / 403 (not a member, a role below
 * `needed`, or a project token). Viewers read, editors change assets, admins manage members.
 */
export async function requireCatalogRole(
  repo: CatalogRepository,
  principal: Principal,
  catalogId: string,
  needed: CatalogRole,
): Promise<CatalogRole> {
  requireUserPrincipal(principal);
  const row = await repo.catalogWithRole(catalogId, principal.iamId);
  if (!row) throw catalogNotFound(catalogId);
  const role = row.role as CatalogRole | null;
  if (!role) {
    throw forbidden(`Permission Denied: ${principal.username} is not a member of catalog ${catalogId}.`, {
      parameters: [catalogId],
    });
  }
  if (RANK[role] < RANK[needed]) {
    throw forbidden(
      `Permission Denied: ${principal.username} has the ${role} role in catalog ${catalogId}; ` +
        `this operation needs ${needed}.`,
      { parameters: [catalogId, needed] },
    );
  }
  return role;
}
