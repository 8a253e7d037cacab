import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TestServer, TestUser } from '../helpers/server.ts';

export const uniqueName = (prefix = 'Project') => `${prefix} ${crypto.randomBytes(4).toString('hex')}`;
export const idOf = (location: string) => location.split('/').pop() as string;
export const MISSING = '00000000-0000-4000-8000-000000000000';

/** Creates a project through the transactional endpoint and answers its id. */
export async function newProject(
  s: TestServer,
  token: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await s.call('POST', '/transactional/v2/projects', {
    token,
    body: { name: uniqueName(), generator: 'core-tests', ...body },
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return idOf(res.body.location);
}

export async function addMembers(
  s: TestServer,
  token: string,
  projectId: string,
  members: { user: TestUser; role: 'admin' | 'editor' | 'viewer' }[],
): Promise<void> {
  const res = await s.call('POST', `/v2/projects/${projectId}/members`, {
    token,
    body: { members: members.map((m) => ({ user_name: m.user.username, id: m.user.iam_id, role: m.role })) },
  });
  if (res.status !== 200) throw new Error(`add members failed: ${res.status} ${res.text}`);
}

/** The test server's database, untyped, to check what a request left behind. */
export const rawDb = (s: TestServer) => s.built.ctx.store.db as unknown as Kysely<any>;

export async function countRows(s: TestServer, table: string, projectId: string): Promise<number> {
  const rows = await rawDb(s)
    .selectFrom(table)
    .select('project_id')
    .where('project_id', '=', projectId)
    .execute();
  return rows.length;
}
