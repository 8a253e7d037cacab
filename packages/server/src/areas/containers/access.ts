import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Store } from '../../store/db.ts';
import { requireProjectRole } from '../projects/access.ts';
import { requireSpaceRole } from '../spaces/access.ts';
import { SpaceRepository } from '../spaces/repository.ts';
import { requireCatalogRole } from '../catalogs/access.ts';
import { CatalogRepository } from '../catalogs/repository.ts';
import { forbidden } from '../../platform/errors.ts';
import { containerRepositoryOf } from '../asset-containers/store.ts';

/** The three kinds of asset container: projects, spaces and catalogs. */
export type ContainerKind = 'project' | 'space' | 'catalog';
export const CONTAINER_KINDS: ContainerKind[] = ['project', 'space', 'catalog'];

export interface ContainerRef {
  kind: ContainerKind;
  id: string;
}

export type ContainerRole = 'viewer' | 'editor' | 'admin';

/** The query parameter naming each kind of container (`project_id=...`). */
export const CONTAINER_PARAM: Record<ContainerKind, 'project_id' | 'space_id' | 'catalog_id'> = {
  project: 'project_id',
  space: 'space_id',
  catalog: 'catalog_id',
};

/**
 * The container of a request's query. The contract's one-of check has already made sure exactly one
 * of catalog_id/project_id/space_id is given when the operation declares it.
 */
export function containerOfQuery(
  query: Partial<Record<'catalog_id' | 'project_id' | 'space_id', unknown>>,
): ContainerRef {
  for (const kind of CONTAINER_KINDS) {
    const id = query[CONTAINER_PARAM[kind]];
    if (typeof id === 'string' && id !== '') return { kind, id };
  }
  throw new Error('containerOfQuery: no container in the query (the route must declare x-required-one-of)');
}

/** `project_id=...` for hrefs. */
export const containerQueryString = (c: ContainerRef): string =>
  `${CONTAINER_PARAM[c.kind]}=${encodeURIComponent(c.id)}`;

const spaceRepos = new WeakMap<Store, SpaceRepository>();
const catalogRepos = new WeakMap<Store, CatalogRepository>();

function cached<T>(map: WeakMap<Store, T>, store: Store, make: () => T): T {
  let v = map.get(store);
  if (!v) map.set(store, (v = make()));
  return v;
}

export interface ContainerRoleOptions {
  /**
   * `allow` for the few operations on the container itself that work while it is archived
   * (archive information, restore, configurations). Everything else, and above all any access to
   * asset content, is refused while the container is archived (or being archived or restored).
   */
  archived?: 'refuse' | 'allow';
}

const ARCHIVE_STATES: Record<string, string> = {
  archived: 'archived',
  archiving: 'being archived',
  restoring: 'being restored',
};

/** The 403 of every asset operation on an archived container. */
export const containerArchived = (c: ContainerRef, status: string) =>
  forbidden(
    `The ${c.kind} ${c.id} is ${ARCHIVE_STATES[status] ?? status}: ` +
      'its assets cannot be read or changed until it is restored (POST /v2/asset_containers/restore).',
    { code: 'asset_container_archived', parameters: [c.id, status] },
  );

/**
 * The caller's role in a project, space or catalog, or a 404 (no such container) / 403 (not a
 * member, or a role below `needed`). Viewers read, editors write, admins manage members.
 * A project token passes only for its own project: on a space or a catalog, or on another
 * project, it gets a 403. Once the role is known, an archived container (or one being archived
 * or restored) is a 403 too, unless `options.archived` is `allow`.
 */
export async function requireContainerRole(
  ctx: Pick<AppContext, 'store'>,
  principal: Principal,
  container: ContainerRef,
  needed: ContainerRole,
  options: ContainerRoleOptions = {},
): Promise<ContainerRole> {
  const role = await roleIn(ctx, principal, container, needed);
  if (options.archived !== 'allow') {
    const status = await containerRepositoryOf(ctx.store).statusOf(container);
    if (status !== 'active') throw containerArchived(container, status);
  }
  return role;
}

async function roleIn(
  ctx: Pick<AppContext, 'store'>,
  principal: Principal,
  container: ContainerRef,
  needed: ContainerRole,
): Promise<ContainerRole> {
  switch (container.kind) {
    case 'project':
      return requireProjectRole(ctx.store, principal, container.id, needed);
    case 'space':
      return requireSpaceRole(
        cached(spaceRepos, ctx.store, () => new SpaceRepository(ctx.store)),
        principal,
        container.id,
        needed,
      );
    case 'catalog':
      return requireCatalogRole(
        cached(catalogRepos, ctx.store, () => new CatalogRepository(ctx.store)),
        principal,
        container.id,
        needed,
      );
  }
}
