import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../test/helpers/server.ts';
import {
  BadRequestError,
  CommonCoreV2,
  ForbiddenError,
  NotFoundError,
  WaiterTimeoutError,
  waitForSpaceActive,
} from '../src/index.ts';
import { clientFor, MISSING_SPACE, rejection, uniqueName } from './helpers.ts';

let s: TestServer;
let owner: TestUser;
let stranger: TestUser;
let asOwner: CommonCoreV2;
let asStranger: CommonCoreV2;

beforeAll(async () => {
  s = await startTestServer();
  [owner, stranger] = await Promise.all([s.createUser('owner'), s.createUser('stranger')]);
  asOwner = clientFor(s, owner.apikey);
  asStranger = clientFor(s, stranger.apikey);
});
afterAll(async () => s?.close());

async function newSpace(client = asOwner): Promise<string> {
  const res = await client.createSpace({ name: uniqueName('Space'), description: 'from the SDK' });
  expect(res.status).toBe(202);
  return res.result.metadata!.id!;
}

describe('spaces through the SDK', () => {
  it('creates a space and waits until it is active', async () => {
    const created = await asOwner.createSpace({ name: uniqueName('Space'), tags: ['sdk'] });
    expect(created.status).toBe(202);
    const id = created.result.metadata!.id!;
    const states: string[] = [];
    const space = await waitForSpaceActive(asOwner, {
      spaceId: id,
      initialDelayMs: 50,
      timeoutMs: 10_000,
      onProgress: (sp) => states.push(String(sp.entity?.status?.state)),
    });
    expect(space.entity?.status?.state).toBe('active');
    expect(states.at(-1)).toBe('active');
  });

  it('gives up with WaiterTimeoutError when the deadline passes first', async () => {
    // A new space stays `preparing` for 750 ms, longer than this waiter's 1 ms.
    const id = await newSpace();
    const err = await rejection(
      waitForSpaceActive(asOwner, { spaceId: id, timeoutMs: 1, initialDelayMs: 1 }),
    );
    expect(err).toBeInstanceOf(WaiterTimeoutError);
    expect((err as WaiterTimeoutError<CommonCoreV2.Space>).lastValue?.entity?.status?.state).toBe(
      'preparing',
    );
  });

  it('gets, updates with a JSON Patch and deletes a space', async () => {
    const id = await newSpace();
    const got = await asOwner.getSpace({ spaceId: id, include: 'members' });
    expect(got.result.metadata?.id).toBe(id);

    const patched = await asOwner.updateSpace({
      spaceId: id,
      jsonPatch: [{ op: 'replace', path: '/description', value: 'patched by the SDK' }],
    });
    expect(patched.status).toBe(200);
    expect(patched.result.entity?.description).toBe('patched by the SDK');

    const refused = await rejection(
      asStranger.updateSpace({ spaceId: id, jsonPatch: [{ op: 'replace', path: '/name', value: 'x' }] }),
    );
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect((await asOwner.getSpace({ spaceId: id })).result.entity?.name).not.toBe('x');

    const deleted = await asOwner.deleteSpace({ spaceId: id });
    expect(deleted.status).toBe(202);
  });

  it('rejects with the spaces error body behind typed errors', async () => {
    const missing = await rejection(asOwner.getSpace({ spaceId: MISSING_SPACE }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.codes).toContain('SPACES0007E');
    expect(missing.result.errors[0].code).toBe('SPACES0007E');

    const bad = await rejection(asOwner.createSpace({ name: '' }));
    expect(bad).toBeInstanceOf(BadRequestError);
  });

  it('pages over spaces with SpacesPager and for await', async () => {
    const pager = await s.createUser('pager');
    const asPager = clientFor(s, pager.apikey);
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => newSpace(asPager)));
    const seen: string[] = [];
    for await (const space of new CommonCoreV2.SpacesPager(asPager, { limit: 2 }))
      seen.push(space.metadata!.id!);
    expect(seen.sort()).toEqual([...ids].sort());
    const all = await new CommonCoreV2.SpacesPager(asPager, { limit: 3 }).getAll();
    expect(all).toHaveLength(5);
  });
});

describe('space members through the SDK', () => {
  it('adds, lists, pages, reads, changes and removes members', async () => {
    const id = await newSpace();
    const users = await Promise.all([1, 2, 3].map((i) => s.createUser(`member${i}`)));
    const added = await asOwner.createSpaceMembers({
      spaceId: id,
      members: users.map((u) => ({ id: u.iam_id, role: 'viewer' as const, type: 'user', state: 'active' })),
    });
    expect(added.status).toBe(200);

    const listed = await asOwner.listSpaceMembers({ spaceId: id, role: 'viewer' });
    expect(listed.result.resources?.map((m) => m.id).sort()).toEqual(users.map((u) => u.iam_id).sort());

    const paged: string[] = [];
    for await (const m of new CommonCoreV2.SpaceMembersPager(asOwner, { spaceId: id, limit: 1 }))
      paged.push(m.id!);
    expect(paged.sort()).toEqual([owner.iam_id, ...users.map((u) => u.iam_id)].sort());

    const one = await asOwner.getSpaceMember({ spaceId: id, memberId: users[0].iam_id });
    expect(one.result.role).toBe('viewer');

    const changed = await asOwner.updateSpaceMember({
      spaceId: id,
      memberId: users[0].iam_id,
      jsonPatch: [{ op: 'replace', path: '/role', value: 'editor' }],
    });
    expect(changed.result.role).toBe('editor');

    const viewerCannot = await rejection(
      clientFor(s, users[1].apikey).deleteSpaceMember({ spaceId: id, memberId: users[0].iam_id }),
    );
    expect(viewerCannot).toBeInstanceOf(ForbiddenError);

    expect((await asOwner.deleteSpaceMember({ spaceId: id, memberId: users[0].iam_id })).status).toBe(204);
    const gone = await rejection(asOwner.getSpaceMember({ spaceId: id, memberId: users[0].iam_id }));
    expect(gone).toBeInstanceOf(NotFoundError);
  });
});
