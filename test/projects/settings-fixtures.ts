import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';

/**
 * Projects and members for the settings and token suites, made through the API when the
 * projects area answers, otherwise written straight into its tables.
 */
export async function createProject(s: TestServer, owner: TestUser, name = 'Settings test'): Promise<string> {
  const res = await s.call('POST', '/transactional/v2/projects', {
    token: owner.token,
    body: { name: `${name} ${crypto.randomBytes(4).toString('hex')}`, generator: 'settings-tests' },
  });
  if (res.status === 201) return String(res.body.location).split('/').pop() as string;
  if (res.status !== 404) throw new Error(`project creation failed: ${res.status} ${res.text}`);
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const db = s.built.ctx.store.db as unknown as Kysely<any>;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('projects')
      .values({
        id,
        name,
        description: '',
        type: 'cpd',
        generator: 'settings-tests',
        public: 0,
        creator: owner.username,
        creator_iam_id: owner.iam_id,
        bss_account_id: 'local',
        entity: '{}',
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('project_members')
      .values(memberRow(id, owner, 'admin', now))
      .execute();
  });
  return id;
}

export async function addMember(
  s: TestServer,
  projectId: string,
  admin: TestUser,
  user: TestUser,
  role: 'admin' | 'editor' | 'viewer',
): Promise<void> {
  const res = await s.call('POST', `/v2/projects/${projectId}/members`, {
    token: admin.token,
    body: { members: [{ user_name: user.username, id: user.iam_id, role, type: 'user', state: 'ACTIVE' }] },
  });
  if (res.status === 200) return;
  if (res.status !== 404) throw new Error(`adding a member failed: ${res.status} ${res.text}`);
  const db = s.built.ctx.store.db as unknown as Kysely<any>;
  await db
    .insertInto('project_members')
    .values(memberRow(projectId, user, role, new Date().toISOString()))
    .execute();
}

export async function deleteProject(s: TestServer, projectId: string, admin: TestUser): Promise<void> {
  const res = await s.call('DELETE', `/transactional/v2/projects/${projectId}`, { token: admin.token });
  if (res.status === 204) return;
  if (res.status !== 404) throw new Error(`project deletion failed: ${res.status} ${res.text}`);
  const db = s.built.ctx.store.db as unknown as Kysely<any>;
  await db.deleteFrom('projects').where('id', '=', projectId).execute();
}

function memberRow(projectId: string, user: TestUser, role: string, now: string) {
  return {
    project_id: projectId,
    iam_id: user.iam_id,
    user_name: user.username,
    role,
    type: 'user',
    state: 'ACTIVE',
    created_at: now,
    updated_at: now,
  };
}

/** The projects-family error body. */
export const projectsError = (status: number) => ({
  code: String(status),
  error: expect.any(String),
  reason: expect.any(String),
  message: expect.any(String),
});
