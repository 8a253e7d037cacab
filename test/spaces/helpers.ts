import { expect } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';
import { expectErrorShape } from '../helpers/error-shapes.ts';

export const WML_CRN = 'crn:v1:cpd:private:pm-20:private:a/cpduser:99999999-9999-9999-9999-999999999999::';
export const COS_CRN =
  'crn:v1:bluemix:public:cloud-object-storage:global:a/0123456789abcdef:11111111-2222-3333-4444-555555555555::';

/** Creates a space as `token` and returns its id. */
export async function createSpace(s: TestServer, token: string, body: Record<string, unknown> = {}) {
  const res = await s.call('POST', '/v2/spaces', { token, body: { name: 'space', ...body } });
  expect(res.status, res.text).toBe(202);
  return res.body.metadata.id as string;
}

/** Adds `user` to the space with `role`, as the admin `token`. */
export async function addMember(
  s: TestServer,
  token: string,
  spaceId: string,
  user: TestUser,
  role: 'admin' | 'editor' | 'viewer',
) {
  const res = await s.call('POST', `/v2/spaces/${spaceId}/members`, {
    token,
    body: { members: [{ id: user.iam_id, role }] },
  });
  expect(res.status, res.text).toBe(200);
}

/** Asserts a spaces-family error with `status` (and `code` when given). */
export function expectSpacesError(
  res: { status: number; body: any; text: string },
  status: number,
  code?: string,
) {
  expect(res.status, res.text).toBe(status);
  expectErrorShape('spaces', status, res.body);
  if (code) expect(res.body.errors[0].code).toBe(code);
}

/** Polls until `check` passes or `ms` elapse. */
export async function eventually<T>(
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  ms = 5000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (check(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Path and query of an absolute `href`, to call it on the test server. */
export const relative = (href: string) => {
  const url = new URL(href);
  return url.pathname + url.search;
};
