import { expect } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';
import { expectErrorShape } from '../helpers/error-shapes.ts';
import { addMembers as addProjectMembers, newProject } from '../projects/projects-fixtures.ts';
import { addMember as addSpaceMember, createSpace } from '../spaces/helpers.ts';

export type Kind = 'project' | 'space' | 'catalog';
export const KINDS: Kind[] = ['project', 'space', 'catalog'];
export const PARAM: Record<Kind, string> = {
  project: 'project_id',
  space: 'space_id',
  catalog: 'catalog_id',
};

/** A container with an admin (its creator), an editor, a viewer, and an outsider. */
export interface Container {
  kind: Kind;
  id: string;
  /** `project_id=...` */
  q: string;
}

export interface World {
  admin: TestUser;
  editor: TestUser;
  viewer: TestUser;
  outsider: TestUser;
  containers: Record<Kind, Container>;
}

export async function createCatalog(s: TestServer, token: string, name = `catalog ${Math.random()}`) {
  const res = await s.call('POST', '/v2/catalogs', { token, body: { name } });
  expect(res.status, res.text).toBe(201);
  return res.body.metadata.guid as string;
}

export async function addCatalogMember(
  s: TestServer,
  token: string,
  id: string,
  user: TestUser,
  role: string,
) {
  const res = await s.call('POST', `/v2/catalogs/${id}/members`, {
    token,
    body: { members: [{ user_iam_id: user.iam_id, role }] },
  });
  expect(res.status, res.text).toBe(201);
}

const container = (kind: Kind, id: string): Container => ({ kind, id, q: `${PARAM[kind]}=${id}` });

/** One project, one space and one catalog, each with the same four users in the same roles. */
export async function createWorld(s: TestServer): Promise<World> {
  const [admin, editor, viewer, outsider] = await Promise.all([
    s.createUser('admin'),
    s.createUser('editor'),
    s.createUser('viewer'),
    s.createUser('outsider'),
  ]);
  const projectId = await newProject(s, admin.token);
  await addProjectMembers(s, admin.token, projectId, [
    { user: editor, role: 'editor' },
    { user: viewer, role: 'viewer' },
  ]);
  const spaceId = await createSpace(s, admin.token);
  await addSpaceMember(s, admin.token, spaceId, editor, 'editor');
  await addSpaceMember(s, admin.token, spaceId, viewer, 'viewer');
  const catalogId = await createCatalog(s, admin.token);
  await addCatalogMember(s, admin.token, catalogId, editor, 'editor');
  await addCatalogMember(s, admin.token, catalogId, viewer, 'viewer');
  return {
    admin,
    editor,
    viewer,
    outsider,
    containers: {
      project: container('project', projectId),
      space: container('space', spaceId),
      catalog: container('catalog', catalogId),
    },
  };
}

/** Asserts the platform areas' error body (the spaces family) with `status`. */
export function expectPlatformError(res: { status: number; body: any; text: string }, status: number) {
  expect(res.status, res.text).toBe(status);
  expectErrorShape('spaces', status, res.body);
}

export async function createAsset(
  s: TestServer,
  token: string,
  c: Container,
  metadata: Record<string, unknown> = {},
  entity: Record<string, unknown> = {},
) {
  const res = await s.call('POST', `/v2/assets?${c.q}`, {
    token,
    body: { metadata: { name: 'asset', asset_type: 'data_asset', ...metadata }, entity },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Number of assets in a container, read straight from the database. */
export async function countAssets(s: TestServer, c: Container): Promise<number> {
  const db = s.built.ctx.store.db as any;
  const rows = await db
    .selectFrom('assets')
    .select('asset_id')
    .where('container_kind', '=', c.kind)
    .where('container_id', '=', c.id)
    .execute();
  return rows.length;
}
