import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../test/helpers/server.ts';
import {
  BadRequestError,
  BearerTokenAuthenticator,
  CommonCoreV2,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  waitForTransaction,
} from '../src/index.ts';
import { clientFor, idOf, MISSING_PROJECT, rejection, uniqueName } from './helpers.ts';

let s: TestServer;
let admin: CommonCoreV2;
let viewer: TestUser;
let outsider: TestUser;
let asViewer: CommonCoreV2;
let asOutsider: CommonCoreV2;
let projectId: string;

async function newProject(client = admin, name = uniqueName('Project')): Promise<string> {
  const res = await client.transactionalPostProject({ name, generator: 'sdk-tests' });
  expect(res.status).toBe(201);
  return idOf(res.result.location);
}

beforeAll(async () => {
  s = await startTestServer();
  admin = clientFor(s, s.adminKey);
  [viewer, outsider] = await Promise.all([s.createUser('viewer'), s.createUser('outsider')]);
  asViewer = clientFor(s, viewer.apikey);
  asOutsider = clientFor(s, outsider.apikey);
  projectId = await newProject();
});
afterAll(async () => s?.close());

describe('transactional projects through the SDK', () => {
  it('creates a project, waits for its transaction and deletes it', async () => {
    const created = await admin.transactionalPostProject({
      name: uniqueName('Tx'),
      generator: 'sdk-tests',
      description: 'made by the SDK',
      verifyUniqueName: true,
    });
    expect(created.status).toBe(201);
    expect(created.result.location).toMatch(/^\/v2\/projects\/[0-9a-f-]{36}$/);
    const id = idOf(created.result.location);
    // The server answers only the location today; the transaction id is in its database.
    const transactionId =
      created.result.transaction_detail?.id ??
      (
        await (s.built.ctx.store.db as unknown as Kysely<any>)
          .selectFrom('project_transactions')
          .select('id')
          .where('project_id', '=', id)
          .executeTakeFirstOrThrow()
      ).id;
    const done = await waitForTransaction(admin, { projectId: id, transactionId, timeoutMs: 5000 });
    expect(done.status).toBe('succeeded');

    const status = await admin.transactionalImportStatus({ projectId: id, transactionId });
    expect(status.status).toBe(200);

    const deleted = await admin.transactionalDeleteProject({ projectId: id });
    expect(deleted.status).toBe(204);
    const gone = await rejection(admin.getProject({ projectId: id }));
    expect(gone).toBeInstanceOf(NotFoundError);
  });

  it('answers typed errors: a missing name is a BadRequestError, nothing is created', async () => {
    const before = (await admin.getProjectTotal()).result;
    const err = await rejection(
      admin.transactionalPostProject({
        name: '',
        generator: 'sdk-tests',
      } as CommonCoreV2.TransactionalPostProjectParams),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.status).toBe(400);
    expect((await admin.getProjectTotal()).result).toEqual(before);
    const missing = await rejection(admin.transactionalDeleteProject({ projectId: MISSING_PROJECT }));
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it('checks required parameters before sending, as IBM SDKs do', async () => {
    const err = await rejection(admin.getProject({} as CommonCoreV2.GetProjectParams));
    expect(err.message).toBe('Missing required parameters: projectId');
    const invalid = await rejection(admin.getProject({ projectId, bogus: 1 } as any));
    expect(invalid.message).toBe('Found invalid parameters: bogus');
  });
});

describe('projects through the SDK', () => {
  it('gets, lists, counts and updates a project', async () => {
    const got = await admin.getProject({ projectId, include: 'members' });
    expect(got.status).toBe(200);
    expect(got.result.metadata?.guid).toBe(projectId);

    const list = await admin.listProjects({ limit: 10 });
    expect(list.result.resources?.some((p) => p.metadata?.guid === projectId)).toBe(true);

    const total = await admin.getProjectTotal();
    expect(total.status).toBe(200);
    expect(JSON.stringify(total.result)).toMatch(/\d/);

    const updated = await admin.updateProject({ projectId, description: 'updated through the SDK' });
    expect(updated.status).toBe(200);
    expect((await admin.getProject({ projectId })).result.entity?.description).toBe(
      'updated through the SDK',
    );
  });

  it('rejects with typed errors: 404 NotFoundError, 403 ForbiddenError, 401 UnauthorizedError', async () => {
    const missing = await rejection(admin.getProject({ projectId: MISSING_PROJECT }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.status).toBe(404);
    expect(missing.result).toMatchObject({ code: '404' });

    const forbidden = await rejection(asOutsider.updateProject({ projectId, name: 'taken over' }));
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect((await admin.getProject({ projectId })).result.entity?.name).not.toBe('taken over');

    const bad = new CommonCoreV2({
      authenticator: new BearerTokenAuthenticator({ bearerToken: 'not-a-token' }),
      serviceUrl: s.url,
    });
    expect(await rejection(bad.getProject({ projectId }))).toBeInstanceOf(UnauthorizedError);
  });

  it('pages over every project with ProjectsPager and for await', async () => {
    const mine = await Promise.all([1, 2, 3, 4, 5].map(() => newProject(asViewer)));
    const seen: string[] = [];
    for await (const project of new CommonCoreV2.ProjectsPager(asViewer, { limit: 2 }))
      seen.push(project.metadata!.guid!);
    expect(seen.sort()).toEqual([...mine].sort());

    const pager = new CommonCoreV2.ProjectsPager(asViewer, { limit: 2 });
    expect(pager.hasNext()).toBe(true);
    const first = await pager.getNext();
    expect(first).toHaveLength(2);
    const rest = await pager.getAll();
    expect(first.length + rest.length).toBe(5);
    expect(pager.hasNext()).toBe(false);
    expect(() => new CommonCoreV2.ProjectsPager(asViewer, { bookmark: 'x' })).toThrow(/bookmark/);
  });
});

describe('project members through the SDK', () => {
  it('adds, lists, reads, changes and removes members', async () => {
    const id = await newProject();
    const [a, b] = await Promise.all([s.createUser('m1'), s.createUser('m2')]);
    const added = await admin.createMembers({
      projectId: id,
      members: [
        { user_name: a.username, id: a.iam_id, role: 'viewer' },
        { user_name: b.username, id: b.iam_id, role: 'viewer' },
      ],
    });
    expect(added.status).toBe(200);

    const listed = await admin.listMembers({ projectId: id, roles: ['viewer'] });
    expect(listed.result.members?.map((m) => m.user_name).sort()).toEqual([a.username, b.username].sort());

    const one = await admin.getMember({ projectId: id, userName: a.username });
    expect(one.result.role).toBe('viewer');

    const changed = await admin.updateMembers({
      projectId: id,
      members: [{ user_name: a.username, role: 'editor' }],
    });
    expect(changed.status).toBe(200);
    expect((await admin.getMember({ projectId: id, userName: a.username })).result.role).toBe('editor');

    const viewerCannot = await rejection(
      clientFor(s, b.apikey).deleteMember({ projectId: id, userName: a.username }),
    );
    expect(viewerCannot).toBeInstanceOf(ForbiddenError);

    expect((await admin.deleteMember({ projectId: id, userName: a.username })).status).toBe(204);
    expect((await admin.deleteMembers({ projectId: id, userNames: [b.username] })).status).toBe(204);
    const left = await admin.listMembers({ projectId: id });
    expect(left.result.members?.map((m) => m.user_name)).not.toContain(a.username);
    expect(await rejection(admin.getMember({ projectId: id, userName: a.username }))).toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('project tags, storage, settings and integrations through the SDK', () => {
  it('manages tags', async () => {
    const id = await newProject();
    expect((await admin.createProjectTags({ projectId: id, tagList: ['alpha', 'beta'] })).status).toBe(201);
    expect((await admin.createProjectTag({ projectId: id, tagName: 'gamma' })).status).toBe(201);
    const patched = await admin.updateProjectTags({
      projectId: id,
      tagPatchOperations: [{ op: 'remove', tags: ['beta'] }],
    });
    expect(patched.status).toBe(200);
    expect(JSON.stringify((await admin.listProjectTags({ projectId: id })).result)).toMatch(/alpha/);
    expect((await admin.deleteProjectTag({ projectId: id, tagName: 'gamma' })).status).toBe(204);
    expect((await admin.deleteProjectTags({ projectId: id, tagNames: ['alpha'] })).status).toBe(204);
    const tags = JSON.stringify((await admin.listProjectTags({ projectId: id })).result);
    expect(tags).not.toMatch(/alpha|beta|gamma/);
    const bad = await rejection(admin.createProjectTags({ projectId: id, tagList: ['a,b'] }));
    expect(bad).toBeInstanceOf(BadRequestError);
  });

  it('reads and changes settings and the JupyterLab integration', async () => {
    const id = await newProject();
    const audit = await admin.updateAuditEventsSettings({ projectId: id, enabled: true });
    expect(audit.result.enabled).toBe(true);
    expect((await admin.getAuditEventsSettings({ projectId: id })).result.enabled).toBe(true);

    const folders = await admin.updateFoldersSettings({ projectId: id, enabled: true });
    expect(folders.result.enabled).toBe(true);
    expect((await admin.getFoldersSettings({ projectId: id })).result.enabled).toBe(true);

    const restrictions = await admin.updateAccessRestrictionsSettings({ projectId: id, data: false });
    expect(restrictions.status).toBe(200);
    expect((await admin.getAccessRestrictionsSettings({ projectId: id })).result).toMatchObject({
      data: false,
    });

    const jl = await admin.updateJupyterlabIntegration({ projectId: id, guid: 'jl-guid' });
    expect(jl.result).toMatchObject({ guid: 'jl-guid' });
    expect((await admin.getJupyterlabIntegration({ projectId: id })).result).toMatchObject({
      guid: 'jl-guid',
    });
    expect((await admin.deleteJupyterlabIntegration({ projectId: id })).status).toBe(204);

    const storage = await rejection(
      asOutsider.updateProjectStorageProperties({ projectId: id, repository: { kind: 'x' } }),
    );
    expect(storage).toBeInstanceOf(ForbiddenError);
    const notFound = await rejection(admin.getFoldersSettings({ projectId: MISSING_PROJECT }));
    expect(notFound).toBeInstanceOf(NotFoundError);
  });
});

describe('project tokens through the SDK', () => {
  it('issues, lists, reads, introspects and revokes tokens', async () => {
    const id = await newProject();
    const issued = await admin.createToken({
      projectId: id,
      name: 'sdk token',
      scopes: [{ audience: 'project', guid: id, role: 'viewer' }],
    });
    expect(issued.status).toBe(201);
    const { guid, token } = issued.result as { guid: string; token: string };
    expect(token).toMatch(/^cpt_/);

    expect(JSON.stringify((await admin.listTokens({ projectId: id })).result)).toContain(guid);
    expect((await admin.getProjectToken({ projectId: id, tokenId: guid })).result.name).toBe('sdk token');

    const asToken = new CommonCoreV2({
      authenticator: new BearerTokenAuthenticator({ bearerToken: token }),
      serviceUrl: s.url,
    });
    const introspected = await asToken.getToken();
    expect(introspected.status).toBe(200);

    expect((await admin.deleteToken({ projectId: id, tokenId: guid })).status).toBe(204);
    expect(await rejection(asToken.getToken())).toBeInstanceOf(UnauthorizedError);
    expect(await rejection(admin.getProjectToken({ projectId: id, tokenId: guid }))).toBeInstanceOf(
      NotFoundError,
    );
    expect((await admin.deleteTokens({ projectId: id })).status).toBe(204);
  });
});
