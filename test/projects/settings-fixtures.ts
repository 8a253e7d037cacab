import crypto from 'node:crypto';
import { expect } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';

/** Projects and members for the settings and token suites, made through the projects API. */
export async function createProject(s: TestServer, owner: TestUser, name = 'Settings test'): Promise<string> {
  const res = await s.call('POST', '/transactional/v2/projects', {
    token: owner.token,
    body: { name: `${name} ${crypto.randomBytes(4).toString('hex')}`, generator: 'settings-tests' },
  });
  if (res.status !== 201) throw new Error(`project creation failed: ${res.status} ${res.text}`);
  return String(res.body.location).split('/').pop() as string;
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
  if (res.status !== 200) throw new Error(`adding a member failed: ${res.status} ${res.text}`);
}

export async function deleteProject(s: TestServer, projectId: string, admin: TestUser): Promise<void> {
  const res = await s.call('DELETE', `/transactional/v2/projects/${projectId}`, { token: admin.token });
  if (res.status !== 204) throw new Error(`project deletion failed: ${res.status} ${res.text}`);
}

/** The projects-family error body. */
export const projectsError = (status: number) => ({
  code: String(status),
  error: expect.any(String),
  reason: expect.any(String),
  message: expect.any(String),
});
