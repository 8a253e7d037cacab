import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { addMember, createProject, deleteProject, projectsError } from './settings-fixtures.ts';

let s: TestServer;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let projectId: string;
let otherProjectId: string;

beforeAll(async () => {
  s = await startTestServer();
  [admin, editor, viewer, outsider] = await Promise.all([
    s.createUser('admin'),
    s.createUser('editor'),
    s.createUser('viewer'),
    s.createUser('outsider'),
  ]);
  projectId = await createProject(s, admin, 'Tokens');
  otherProjectId = await createProject(s, admin, 'Tokens other');
  await addMember(s, projectId, admin, editor, 'editor');
  await addMember(s, projectId, admin, viewer, 'viewer');
});
afterAll(async () => s?.close());

type Role = 'admin' | 'editor' | 'viewer';
const tokensUrl = (id = projectId) => `/v2/projects/${id}/tokens`;
const scope = (role: Role, guid = projectId) => ({ audience: 'project', guid, role });
const db = () => s.built.ctx.store.db as unknown as Kysely<any>;

async function issue(role: Role, id = projectId, name = `${role} token`) {
  const res = await s.call('POST', tokensUrl(id), {
    token: admin.token,
    body: { name, scopes: [scope(role, id)] },
  });
  expect(res.status).toBe(201);
  return res.body as { guid: string; token: string };
}

async function tokenCount(id = projectId): Promise<number> {
  const rows = await db().selectFrom('project_tokens').select('id').where('project_id', '=', id).execute();
  return rows.length;
}

describe('POST /v2/projects/{project_id}/tokens', () => {
  it('issues a token with the documented fields; the value is shown once and only its hash is stored', async () => {
    const before = Date.now();
    const res = await s.call('POST', tokensUrl(), {
      token: admin.token,
      body: { name: 'Tenant Access Token Name', scopes: [scope('viewer')] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      guid: expect.stringMatching(/^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$/),
      name: 'Tenant Access Token Name',
      scopes: [{ audience: 'project', guid: projectId, role: 'viewer' }],
      creator: { username: admin.username, id: admin.iam_id },
      created_at: expect.any(String),
      last_used_at: res.body.created_at,
      schema_version: '2.0.0',
      token: expect.stringMatching(/^cpt_[A-Za-z0-9_-]{43}$/),
    });
    expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before - 1000);

    const row = await db()
      .selectFrom('project_tokens')
      .selectAll()
      .where('id', '=', res.body.guid)
      .executeTakeFirst();
    expect(row?.token_hash).toBe(crypto.createHash('sha256').update(res.body.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(res.body.token);

    const got = await s.call('GET', `${tokensUrl()}/${res.body.guid}`, { token: admin.token });
    expect(got.status).toBe(200);
    const { token: _value, ...metadata } = res.body;
    expect(got.body).toEqual(metadata);
  });

  it('validates the name and the scopes, and creates nothing when it refuses', async () => {
    const before = await tokenCount();
    const bodies: unknown[] = [
      {},
      { scopes: [scope('viewer')] },
      { name: 'n' },
      { name: '', scopes: [scope('viewer')] },
      { name: '   ', scopes: [scope('viewer')] },
      { name: 'bad\u0007name', scopes: [scope('viewer')] },
      { name: 'x'.repeat(256), scopes: [scope('viewer')] },
      { name: 'n', scopes: [] },
      { name: 'n', scopes: [scope('viewer'), scope('admin')] },
      { name: 'n', scopes: [{ ...scope('viewer'), audience: 'space' }] },
      { name: 'n', scopes: [scope('viewer', otherProjectId)] },
      { name: 'n', scopes: [{ ...scope('viewer'), role: 'owner' }] },
      { name: 'n', scopes: [{ audience: 'project', role: 'viewer' }] },
      { name: 42, scopes: [scope('viewer')] },
    ];
    for (const body of bodies) {
      const res = await s.call('POST', tokensUrl(), { token: admin.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual(projectsError(400));
    }
    expect((await s.call('POST', tokensUrl(), { token: admin.token, raw: '{"name":' })).status).toBe(400);
    expect(await tokenCount()).toBe(before);
  });

  it('lets only project admins issue tokens (403 otherwise), 404 for a missing project, 401 without auth', async () => {
    const before = await tokenCount();
    for (const user of [editor, viewer, outsider]) {
      const res = await s.call('POST', tokensUrl(), {
        token: user.token,
        body: { name: 'n', scopes: [scope('viewer')] },
      });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(projectsError(403));
    }
    const missing = crypto.randomUUID();
    const res = await s.call('POST', tokensUrl(missing), {
      token: admin.token,
      body: { name: 'n', scopes: [scope('viewer', missing)] },
    });
    expect(res.status).toBe(404);
    expect(res.body.reason).toContain(missing);
    expect(
      (await s.call('POST', tokensUrl(), { token: null, body: { name: 'n', scopes: [scope('viewer')] } }))
        .status,
    ).toBe(401);
    expect(await tokenCount()).toBe(before);
  });
});

describe('listing, reading and revoking tokens', () => {
  it('lists the project tokens without their values, oldest first, and only to admins', async () => {
    const id = await createProject(s, admin, 'Token list');
    const empty = await s.call('GET', tokensUrl(id), { token: admin.token });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ tokens: [] });
    const first = await issue('viewer', id, 'first');
    const second = await issue('admin', id, 'second');
    const list = await s.call('GET', tokensUrl(id), { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.body.tokens.map((t: any) => t.guid)).toEqual([first.guid, second.guid]);
    expect(list.body.tokens.map((t: any) => t.scopes[0].role)).toEqual(['viewer', 'admin']);
    for (const t of list.body.tokens) expect(t).not.toHaveProperty('token');
    expect(list.text).not.toContain(first.token);

    for (const user of [editor, viewer, outsider]) {
      expect((await s.call('GET', tokensUrl(), { token: user.token })).status).toBe(403);
      expect((await s.call('GET', `${tokensUrl(id)}/${first.guid}`, { token: user.token })).status).toBe(403);
    }
    expect((await s.call('GET', tokensUrl(crypto.randomUUID()), { token: admin.token })).status).toBe(404);
    expect((await s.call('GET', tokensUrl('nope'), { token: admin.token })).status).toBe(400);
  });

  it('answers 404 for an unknown token or a token of another project, 400 for a malformed id', async () => {
    const mine = await issue('viewer');
    const unknown = await s.call('GET', `${tokensUrl()}/${crypto.randomUUID()}`, { token: admin.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(projectsError(404));
    expect(
      (await s.call('GET', `${tokensUrl(otherProjectId)}/${mine.guid}`, { token: admin.token })).status,
    ).toBe(404);
    expect(
      (await s.call('DELETE', `${tokensUrl(otherProjectId)}/${mine.guid}`, { token: admin.token })).status,
    ).toBe(404);
    expect((await s.call('GET', `${tokensUrl()}/bad-id`, { token: admin.token })).status).toBe(400);
    // The refused delete left the token alive.
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: mine.token })).status).toBe(200);
  });

  it('revokes one token: it stops authenticating at once, other tokens keep working', async () => {
    const doomed = await issue('viewer');
    const kept = await issue('viewer');
    expect(
      (await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: doomed.token })).status,
    ).toBe(200);

    for (const user of [editor, viewer, outsider]) {
      expect((await s.call('DELETE', `${tokensUrl()}/${doomed.guid}`, { token: user.token })).status).toBe(
        403,
      );
    }
    expect(
      (await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: doomed.token })).status,
    ).toBe(200);

    const del = await s.call('DELETE', `${tokensUrl()}/${doomed.guid}`, { token: admin.token });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    const after = await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: doomed.token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual(projectsError(401));
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: doomed.token })).status).toBe(401);
    expect((await s.call('GET', `${tokensUrl()}/${doomed.guid}`, { token: admin.token })).status).toBe(404);
    expect((await s.call('DELETE', `${tokensUrl()}/${doomed.guid}`, { token: admin.token })).status).toBe(
      404,
    );
    expect(
      (await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: kept.token })).status,
    ).toBe(200);
  });

  it('revokes all tokens of a project and only of that project', async () => {
    const id = await createProject(s, admin, 'Revoke all');
    const a = await issue('viewer', id);
    const b = await issue('admin', id);
    const elsewhere = await issue('viewer', otherProjectId);
    for (const user of [outsider]) {
      expect((await s.call('DELETE', tokensUrl(id), { token: user.token })).status).toBe(403);
    }
    expect(await tokenCount(id)).toBe(2);
    const del = await s.call('DELETE', tokensUrl(id), { token: admin.token });
    expect(del.status).toBe(204);
    for (const t of [a, b]) {
      expect((await s.call('GET', `/v2/projects/${id}/settings/folders`, { token: t.token })).status).toBe(
        401,
      );
    }
    expect((await s.call('GET', tokensUrl(id), { token: admin.token })).body).toEqual({ tokens: [] });
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: elsewhere.token })).status).toBe(
      200,
    );
    // Nothing left to revoke is still a success.
    expect((await s.call('DELETE', tokensUrl(id), { token: admin.token })).status).toBe(204);
    expect((await s.call('DELETE', tokensUrl(crypto.randomUUID()), { token: admin.token })).status).toBe(404);
  });

  it('revokes the tokens of a deleted project', async () => {
    const id = await createProject(s, admin, 'Deleted');
    const t = await issue('admin', id);
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: t.token })).status).toBe(200);
    await deleteProject(s, id, admin);
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: t.token })).status).toBe(401);
    expect((await s.call('GET', `/v2/projects/${id}/settings/folders`, { token: t.token })).status).toBe(401);
    expect(await tokenCount(id)).toBe(0);
  });
});

describe('a project token authenticates', () => {
  it('a viewer token reads its project but cannot change it', async () => {
    const t = await issue('viewer');
    const read = await s.call('GET', `/v2/projects/${projectId}/settings/audit_events`, { token: t.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ enabled: false });
    const write = await s.call('PUT', `/v2/projects/${projectId}/settings/audit_events`, {
      token: t.token,
      body: { enabled: true },
    });
    expect(write.status).toBe(403);
    expect(write.body).toEqual(projectsError(403));
    const jl = await s.call('PUT', `/v2/projects/${projectId}/integrations/jupyterlab`, {
      token: t.token,
      body: { guid: 'g' },
    });
    expect(jl.status).toBe(403);
    expect(
      (await s.call('GET', `/v2/projects/${projectId}/settings/audit_events`, { token: admin.token })).body,
    ).toEqual({
      enabled: false,
    });
  });

  it('an editor token acts as an editor: still no settings changes', async () => {
    const t = await issue('editor');
    expect(
      (await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: t.token })).status,
    ).toBe(200);
    const write = await s.call('PUT', `/v2/projects/${projectId}/settings/folders`, {
      token: t.token,
      body: { enabled: true },
    });
    expect(write.status).toBe(403);
  });

  it('an admin token changes settings of its project', async () => {
    const t = await issue('admin');
    const write = await s.call('PUT', `/v2/projects/${projectId}/settings/folders`, {
      token: t.token,
      body: { enabled: true },
    });
    expect(write.status).toBe(200);
    expect(
      (await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: viewer.token })).body,
    ).toEqual({
      enabled: true,
    });
    await s.call('PUT', `/v2/projects/${projectId}/settings/folders`, {
      token: admin.token,
      body: { enabled: false },
    });
  });

  it('cannot touch any other project, even one its creator administers (403)', async () => {
    const t = await issue('admin');
    for (const [method, path, body] of [
      ['GET', `/v2/projects/${otherProjectId}/settings/folders`, undefined],
      ['PUT', `/v2/projects/${otherProjectId}/settings/folders`, { enabled: true }],
      ['GET', `/v2/projects/${otherProjectId}/tokens`, undefined],
    ] as const) {
      const res = await s.call(method, path, { token: t.token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual(projectsError(403));
    }
    expect(
      (await s.call('GET', `/v2/projects/${otherProjectId}/settings/folders`, { token: admin.token })).body,
    ).toEqual({
      enabled: false,
    });
  });

  it('cannot manage project tokens, even with the admin role', async () => {
    const t = await issue('admin');
    const before = await tokenCount();
    const create = await s.call('POST', tokensUrl(), {
      token: t.token,
      body: { name: 'n', scopes: [scope('admin')] },
    });
    expect(create.status).toBe(403);
    expect((await s.call('GET', tokensUrl(), { token: t.token })).status).toBe(403);
    expect((await s.call('DELETE', tokensUrl(), { token: t.token })).status).toBe(403);
    expect((await s.call('DELETE', `${tokensUrl()}/${t.guid}`, { token: t.token })).status).toBe(403);
    expect(await tokenCount()).toBe(before);
  });

  it('is refused for anything that only looks like a project token', async () => {
    const t = await issue('viewer');
    for (const bearer of ['cpt_', 'cpt_' + 'A'.repeat(43), t.token + 'x', t.token.slice(0, -1)]) {
      const res = await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: bearer });
      expect(res.status).toBe(401);
    }
  });

  it('stops working when its creator account is disabled', async () => {
    const creator = await s.createUser('creator');
    const id = await createProject(s, creator, 'Creator disabled');
    const res = await s.call('POST', tokensUrl(id), {
      token: creator.token,
      body: { name: 'n', scopes: [scope('viewer', id)] },
    });
    expect(res.status).toBe(201);
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: res.body.token })).status).toBe(
      200,
    );
    await db()
      .updateTable('users')
      .set({ disabled_at: new Date().toISOString() })
      .where('id', '=', creator.id)
      .execute();
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: res.body.token })).status).toBe(
      401,
    );
  });

  it('records when it was last used', async () => {
    const t = await issue('viewer');
    const old = '2020-01-01T00:00:00.000Z';
    await db().updateTable('project_tokens').set({ last_used_at: old }).where('id', '=', t.guid).execute();
    const before = Date.now();
    expect(
      (await s.call('GET', `/v2/projects/${projectId}/settings/folders`, { token: t.token })).status,
    ).toBe(200);
    const got = await s.call('GET', `${tokensUrl()}/${t.guid}`, { token: admin.token });
    expect(Date.parse(got.body.last_used_at)).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('GET /v2/projects/tokens/introspect', () => {
  it('describes the project token it is called with', async () => {
    const t = await issue('editor', projectId, 'introspected');
    const res = await s.call('GET', '/v2/projects/tokens/introspect', { token: t.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      guid: t.guid,
      name: 'introspected',
      scopes: [{ audience: 'project', guid: projectId, role: 'editor' }],
      creator: { username: admin.username, id: admin.iam_id },
      schema_version: '2.0.0',
    });
    expect(res.body).not.toHaveProperty('token');
  });

  it('answers 401 for an IAM access token, no token, or a revoked token', async () => {
    const iam = await s.call('GET', '/v2/projects/tokens/introspect', { token: admin.token });
    expect(iam.status).toBe(401);
    expect(iam.body).toEqual(projectsError(401));
    expect(iam.body.reason).toContain('not a project tenant access token');
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: null })).status).toBe(401);
    const t = await issue('viewer');
    await s.call('DELETE', `${tokensUrl()}/${t.guid}`, { token: admin.token });
    expect((await s.call('GET', '/v2/projects/tokens/introspect', { token: t.token })).status).toBe(401);
  });
});
