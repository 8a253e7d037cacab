import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { addMembers, MISSING, newProject } from './projects-fixtures.ts';

let s: TestServer;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
beforeAll(async () => {
  s = await startTestServer();
  [admin, editor, viewer, outsider] = await Promise.all(
    ['admin', 'editor', 'viewer', 'outsider'].map((p) => s.createUser(p)),
  );
});
afterAll(async () => s?.close());

async function project(tags: string[] = []): Promise<string> {
  const id = await newProject(s, admin.token, { tags });
  await addMembers(s, admin.token, id, [
    { user: editor, role: 'editor' },
    { user: viewer, role: 'viewer' },
  ]);
  return id;
}
const tagsUrl = (id: string) => `/v2/projects/${id}/tags`;
const tagUrl = (id: string, tag: string) => `/v2/projects/${id}/tags/${encodeURIComponent(tag)}`;
const tagsOf = async (id: string) => (await s.call('GET', tagsUrl(id), { token: admin.token })).body;

describe('GET /v2/projects/{project_id}/tags', () => {
  it('lists the tags, sorted, to any member', async () => {
    const id = await project(['test', 'development', 'production']);
    const res = await s.call('GET', tagsUrl(id), { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(['development', 'production', 'test']);
    expect((await s.call('GET', tagsUrl(id), { token: outsider.token })).status).toBe(403);
    expect((await s.call('GET', tagsUrl(MISSING), { token: admin.token })).status).toBe(404);
    expect((await s.call('GET', tagsUrl('bad-id'), { token: admin.token })).status).toBe(400);
    expect((await s.call('GET', tagsUrl(id), { token: null })).status).toBe(401);
  });
});

describe('POST /v2/projects/{project_id}/tags', () => {
  it('adds tags (201) and answers all the tags; existing ones stay once', async () => {
    const id = await project(['test']);
    const res = await s.call('POST', tagsUrl(id), {
      token: editor.token,
      body: ['development', 'test', 'only-here', 'a&amp;b'],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(['a&amp;b', 'development', 'only-here', 'test']);
    // The list filter sees the new tag.
    const listed = await s.call('GET', '/v2/projects?tag_names=only-here', { token: admin.token });
    expect(listed.body.resources.map((r: any) => r.metadata.guid)).toEqual([id]);
  });

  it('refuses invalid tags (400), viewers (403), more than 100 tags (422), changing nothing', async () => {
    const id = await project(['keep']);
    for (const body of [['a,b'], ['<b>'], ["it's"], ['x'.repeat(31)], [''], 'dev', [5]]) {
      const res = await s.call('POST', tagsUrl(id), { token: admin.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await s.call('POST', tagsUrl(id), { token: viewer.token, body: ['x'] })).status).toBe(403);
    expect((await s.call('POST', tagsUrl(id), { token: outsider.token, body: ['x'] })).status).toBe(403);
    expect((await s.call('POST', tagsUrl(MISSING), { token: admin.token, body: ['x'] })).status).toBe(404);
    const huge = Array.from({ length: 1001 }, (_, i) => `h${i}`);
    expect((await s.call('POST', tagsUrl(id), { token: admin.token, body: huge })).status).toBe(400);
    const many = Array.from({ length: 100 }, (_, i) => `t${i}`);
    const tooMany = await s.call('POST', tagsUrl(id), { token: admin.token, body: many });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: '422', error: 'Unprocessable Entity' });
    expect(await tagsOf(id)).toEqual(['keep']);
  });
});

describe('POST and DELETE /v2/projects/{project_id}/tags/{tag_name}', () => {
  it('adds one tag (201) and deletes one tag (204)', async () => {
    const id = await project(['test']);
    const added = await s.call('POST', tagUrl(id, 'development'), { token: editor.token, body: {} });
    expect(added.status).toBe(201);
    expect(added.body).toEqual(['development', 'test']);
    expect((await s.call('POST', tagUrl(id, 'prod'), { token: editor.token, body: {} })).status).toBe(201);
    const removed = await s.call('DELETE', tagUrl(id, 'development'), { token: editor.token });
    expect(removed.status).toBe(204);
    expect(await tagsOf(id)).toEqual(['prod', 'test']);
  });

  it('answers 404 for a tag the project lacks, 400 for an invalid name, 403 for viewers', async () => {
    const id = await project(['test']);
    expect((await s.call('DELETE', tagUrl(id, 'absent'), { token: admin.token })).status).toBe(404);
    expect((await s.call('POST', tagUrl(id, 'a,b'), { token: admin.token, body: {} })).status).toBe(400);
    expect((await s.call('POST', tagUrl(id, '<x>'), { token: admin.token, body: {} })).status).toBe(400);
    expect((await s.call('POST', tagUrl(id, 'x'.repeat(31)), { token: admin.token, body: {} })).status).toBe(
      400,
    );
    expect((await s.call('POST', tagUrl(id, 'new'), { token: viewer.token, body: {} })).status).toBe(403);
    expect((await s.call('DELETE', tagUrl(id, 'test'), { token: viewer.token })).status).toBe(403);
    expect((await s.call('DELETE', tagUrl(MISSING, 'test'), { token: admin.token })).status).toBe(404);
    expect((await s.call('DELETE', tagUrl(id, 'test'), { token: null })).status).toBe(401);
    expect(await tagsOf(id)).toEqual(['test']);
  });
});

describe('DELETE /v2/projects/{project_id}/tags', () => {
  it('deletes the named tags, ignoring absent ones (204)', async () => {
    const id = await project(['development', 'test', 'production']);
    const res = await s.call('DELETE', `${tagsUrl(id)}?tag_names=development,absent,production`, {
      token: editor.token,
    });
    expect(res.status).toBe(204);
    expect(await tagsOf(id)).toEqual(['test']);
  });

  it('deletes every tag without tag_names (204); viewers get 403', async () => {
    const id = await project(['development', 'test']);
    expect((await s.call('DELETE', tagsUrl(id), { token: viewer.token })).status).toBe(403);
    expect(await tagsOf(id)).toEqual(['development', 'test']);
    expect((await s.call('DELETE', tagsUrl(id), { token: admin.token })).status).toBe(204);
    expect(await tagsOf(id)).toEqual([]);
    expect((await s.call('DELETE', tagsUrl(MISSING), { token: admin.token })).status).toBe(404);
  });
});

describe('PATCH /v2/projects/{project_id}/tags', () => {
  it('applies add and remove operations in order (200) and answers the tags', async () => {
    const id = await project(['production', 'old']);
    const res = await s.call('PATCH', tagsUrl(id), {
      token: editor.token,
      body: [
        { op: 'add', tags: ['development', 'test'] },
        { op: 'remove', tags: ['production'] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(['development', 'old', 'test']);
    const again = await s.call('PATCH', tagsUrl(id), {
      token: editor.token,
      body: [
        { op: 'remove', tags: ['old'] },
        { op: 'add', tags: ['old'] },
      ],
    });
    expect(again.body).toEqual(['development', 'old', 'test']);
  });

  it('is all or nothing: invalid operations (400), too many tags (422), viewers (403)', async () => {
    const id = await project(['keep']);
    const bad = [
      [],
      [{ op: 'replace', tags: ['x'] }],
      [{ op: 'add', tags: [] }],
      [{ op: 'add' }],
      [
        { op: 'add', tags: ['ok'] },
        { op: 'add', tags: ['not,ok'] },
      ],
      [{ op: 'add', tags: ['x'], extra: 1 }],
      { op: 'add', tags: ['x'] },
    ];
    for (const body of bad) {
      expect(
        (await s.call('PATCH', tagsUrl(id), { token: admin.token, body })).status,
        JSON.stringify(body),
      ).toBe(400);
    }
    const many = Array.from({ length: 100 }, (_, i) => `t${i}`);
    const tooMany = await s.call('PATCH', tagsUrl(id), {
      token: admin.token,
      body: [
        { op: 'remove', tags: ['keep'] },
        { op: 'add', tags: many },
        { op: 'add', tags: ['one-more'] },
      ],
    });
    expect(tooMany.status).toBe(422);
    const body = [{ op: 'add', tags: ['x'] }];
    expect((await s.call('PATCH', tagsUrl(id), { token: viewer.token, body })).status).toBe(403);
    expect((await s.call('PATCH', tagsUrl(MISSING), { token: admin.token, body })).status).toBe(404);
    expect((await s.call('PATCH', tagsUrl(id), { token: null, body })).status).toBe(401);
    expect(await tagsOf(id)).toEqual(['keep']);
  });
});
