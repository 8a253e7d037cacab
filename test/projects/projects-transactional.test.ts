import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import {
  onProjectDeletion,
  removeProjectDeletionHook,
} from '../../packages/server/src/areas/projects/lifecycle.ts';
import { addMembers, countRows, idOf, MISSING, newProject, rawDb, uniqueName } from './projects-fixtures.ts';

let s: TestServer;
let owner: TestUser;
let other: TestUser;
beforeAll(async () => {
  s = await startTestServer();
  owner = await s.createUser('owner');
  other = await s.createUser('other');
});
afterAll(async () => s?.close());

const create = (body: unknown, token = owner.token, query = '') =>
  s.call('POST', `/transactional/v2/projects${query}`, { token, body });

describe('POST /transactional/v2/projects', () => {
  it('creates the project with the seed body, answers 201 with its location, and makes the creator admin', async () => {
    const name = uniqueName('Seed body');
    const res = await create({
      name,
      description: 'A project description.',
      type: 'wx',
      generator: 'Transactional-API_Swagger_Docs',
      storage: { type: 'assetfiles' },
      catalog: { public: false },
      enforce_members: true,
      tags: ['development', 'test', 'development'],
      tools: ['jupyter'],
      compute: [{ type: 'code-assistant', guid: 'g1', name: 'IBM watsonx Code Assistant' }],
      settings: {
        access_restrictions: { data: true, reporting: { authorized: false } },
        audit_events: { enabled: true },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ location: expect.stringMatching(/^\/v2\/projects\/[0-9a-f-]{36}$/) });
    expect(res.headers.get('location')).toBe(res.body.location);
    const id = idOf(res.body.location);

    const got = await s.call('GET', `/v2/projects/${id}?include=everything`, { token: owner.token });
    expect(got.status).toBe(200);
    expect(got.body.metadata).toEqual({
      guid: id,
      url: `/v2/projects/${id}`,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(got.body.entity).toMatchObject({
      name,
      description: 'A project description.',
      type: 'wx',
      generator: 'Transactional-API_Swagger_Docs',
      public: false,
      creator: owner.username,
      creator_iam_id: owner.iam_id,
      storage: { type: 'assetfiles', guid: expect.any(String), properties: {} },
      scope: { bss_account_id: '999', enforce_members: true },
      catalog: { public: false, guid: expect.any(String) },
      tools: ['jupyter'],
      compute: [{ type: 'code-assistant', guid: 'g1', name: 'IBM watsonx Code Assistant' }],
      tags: ['development', 'test'],
      settings: {
        access_restrictions: {
          data: true,
          data_permissions: { editor: false },
          reporting: { authorized: false },
        },
        audit_events: { enabled: true },
        folders: { enabled: false },
      },
      members: [
        { user_name: owner.username, id: owner.iam_id, role: 'admin', state: 'ACTIVE', type: 'user' },
      ],
    });
  });

  it('defaults the type to cpd, the storage to assetfiles and public to false', async () => {
    const id = await newProject(s, owner.token);
    const got = await s.call('GET', `/v2/projects/${id}`, { token: owner.token });
    expect(got.body.entity).toMatchObject({
      type: 'cpd',
      public: false,
      description: '',
      storage: { type: 'assetfiles' },
    });
  });

  it('provisions a bucket and per-role credentials for bmcos_object_storage', async () => {
    const id = await newProject(s, owner.token, {
      storage: { type: 'bmcos_object_storage', resource_crn: 'crn:x' },
    });
    const got = await s.call('GET', `/v2/projects/${id}?include=credentials`, { token: owner.token });
    expect(got.status).toBe(200);
    const storage = got.body.entity.storage;
    expect(storage).toMatchObject({ type: 'bmcos_object_storage', resource_crn: 'crn:x' });
    expect(storage.properties.bucket_name).toMatch(/-donotdelete-pr-/);
    expect(Object.keys(storage.properties.credentials).sort()).toEqual(['admin', 'editor', 'viewer']);
    expect(storage.properties.credentials.editor.resource_key_crn).toMatch(/^crn:/);
  });

  it('refuses a duplicate name in the same account (400) unless verify_unique_name=false', async () => {
    const name = uniqueName('Dup');
    expect((await create({ name, generator: 'g' })).status).toBe(201);
    const dup = await create({ name, generator: 'g' }, other.token);
    expect(dup.status).toBe(400);
    expect(dup.body).toMatchObject({
      code: '400',
      error: 'Bad Request',
      reason: expect.stringContaining(name),
    });
    expect(dup.body.description).toMatch(/^\[400\] Bad Request: /);
    const projects = await rawDb(s).selectFrom('projects').select('id').where('name', '=', name).execute();
    expect(projects).toHaveLength(1);
    expect((await create({ name, generator: 'g' }, owner.token, '?verify_unique_name=false')).status).toBe(
      201,
    );
    // Another account may use the name.
    expect((await create({ name, generator: 'g', scope: { bss_account_id: 'abc123' } })).status).toBe(201);
  });

  it('answers 400 for invalid bodies and creates nothing', async () => {
    const before = (await rawDb(s).selectFrom('projects').select('id').execute()).length;
    const bad: unknown[] = [
      { generator: 'g' },
      { name: 'n' },
      { name: '', generator: 'g' },
      { name: '   ', generator: 'g' },
      { name: 'a<b>', generator: 'g' },
      { name: 'x'.repeat(101), generator: 'g' },
      { name: 'n', generator: 'g', type: 'nope' },
      { name: 'n', generator: 'g', tags: ['a,b'] },
      { name: 'n', generator: 'g', storage: { type: 'floppy' } },
      { name: 'n', generator: 'g', scope: { bss_account_id: 'NOT AN ACCOUNT' } },
      [],
    ];
    for (const body of bad) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('400');
    }
    const malformed = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      raw: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect((await rawDb(s).selectFrom('projects').select('id').execute()).length).toBe(before);
  });

  it('answers 401 without a valid token, in the transactional error format', async () => {
    const res = await s.call('POST', '/transactional/v2/projects', {
      token: null,
      body: { name: 'n', generator: 'g' },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      code: '401',
      error: 'Unauthorized',
      description: expect.stringMatching(/^\[401\]/),
    });
    expect((await s.call('POST', '/transactional/v2/projects', { token: 'garbage', body: {} })).status).toBe(
      401,
    );
  });

  it('records a transaction whose status can be read by members only', async () => {
    const name = uniqueName('Tx');
    const res = await create({ name, generator: 'g' });
    const id = idOf(res.body.location);
    const [tx] = await rawDb(s)
      .selectFrom('project_transactions')
      .selectAll()
      .where('project_id', '=', id)
      .execute();
    expect(tx).toMatchObject({ kind: 'create', status: 'succeeded' });
    const url = `/transactional/v2/projects/${id}/transactions/${tx.id}`;
    const got = await s.call('GET', url, { token: owner.token });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: tx.id,
      project_id: id,
      type: 'create',
      status: 'succeeded',
      location: `/v2/projects/${id}`,
      links: { self: url },
    });
    expect((await s.call('GET', url, { token: other.token })).status).toBe(403);
    expect((await s.call('GET', url, { token: null })).status).toBe(401);
    const otherProject = await newProject(s, owner.token);
    const wrong = await s.call('GET', `/transactional/v2/projects/${otherProject}/transactions/${tx.id}`, {
      token: owner.token,
    });
    expect(wrong.status).toBe(404);
    expect(wrong.body.reason).toBe(`Transaction ${tx.id} is not associated with project ${otherProject}`);
    expect((await s.call('GET', `/transactional/v2/projects/${MISSING}/transactions/${tx.id}`)).status).toBe(
      404,
    );
  });
});

describe('DELETE /transactional/v2/projects/{project_id}', () => {
  it('deletes the project and everything under it (204), admins only', async () => {
    const editor = await s.createUser('editor');
    const id = await newProject(s, owner.token, { tags: ['a', 'b'] });
    await addMembers(s, owner.token, id, [{ user: editor, role: 'editor' }]);

    const refused = await s.call('DELETE', `/transactional/v2/projects/${id}`, { token: editor.token });
    expect(refused.status).toBe(403);
    expect(refused.body.description).toMatch(/^\[403\] Forbidden/);
    expect((await s.call('DELETE', `/transactional/v2/projects/${id}`, { token: other.token })).status).toBe(
      403,
    );
    expect((await s.call('DELETE', `/transactional/v2/projects/${id}`, { token: null })).status).toBe(401);
    expect((await s.call('GET', `/v2/projects/${id}`, { token: owner.token })).status).toBe(200);

    const res = await s.call('DELETE', `/transactional/v2/projects/${id}`, { token: owner.token });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    for (const table of ['project_members', 'project_tags', 'project_transactions']) {
      expect(await countRows(s, table, id)).toBe(0);
    }
    expect((await s.call('GET', `/v2/projects/${id}`, { token: owner.token })).status).toBe(404);
    const again = await s.call('DELETE', `/transactional/v2/projects/${id}`, { token: owner.token });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({
      code: '404',
      description: expect.stringMatching(/^\[404\] Not Found/),
    });
  });

  it('answers 404 for an id that names no project', async () => {
    expect(
      (await s.call('DELETE', '/transactional/v2/projects/not-a-project', { token: owner.token })).status,
    ).toBe(404);
    expect(
      (await s.call('DELETE', `/transactional/v2/projects/${MISSING}`, { token: owner.token })).status,
    ).toBe(404);
  });
});

describe('project deletion hooks', () => {
  it('run inside the deletion transaction; a failing hook rolls the deletion back', async () => {
    const seen: string[] = [];
    const id = await newProject(s, owner.token, { tags: ['kept'] });
    onProjectDeletion('test-recorder', async (trx, projectId) => {
      // The project is still visible to the hook, inside the transaction.
      const row = await trx
        .selectFrom('projects')
        .select('id')
        .where('id', '=', projectId)
        .executeTakeFirst();
      seen.push(row?.id ?? 'gone');
      if (projectId === id) throw new Error('refused by a module');
    });
    try {
      const failed = await s.call('DELETE', `/transactional/v2/projects/${id}`, { token: owner.token });
      expect(failed.status).toBe(500);
      expect(failed.body).toMatchObject({ code: '500', error: 'Internal Server Error' });
      expect(seen).toEqual([id]);
      expect((await s.call('GET', `/v2/projects/${id}/tags`, { token: owner.token })).body).toEqual(['kept']);

      const other = await newProject(s, owner.token);
      expect(
        (await s.call('DELETE', `/transactional/v2/projects/${other}`, { token: owner.token })).status,
      ).toBe(204);
      expect(seen).toEqual([id, other]);
    } finally {
      removeProjectDeletionHook('test-recorder');
    }
    expect((await s.call('DELETE', `/transactional/v2/projects/${id}`, { token: owner.token })).status).toBe(
      204,
    );
  });
});
