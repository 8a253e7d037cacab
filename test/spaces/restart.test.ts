import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createSpace, eventually } from './helpers.ts';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers.reverse()) await s.close().catch(() => undefined);
});

const storedState = async (s: TestServer, id: string) =>
  (
    await (s.built.ctx.store.db as any)
      .selectFrom('spaces')
      .select('state')
      .where('id', '=', id)
      .executeTakeFirst()
  )?.state as string | undefined;

describe('spaces across a restart', () => {
  it('a space left preparing by a stopped server becomes active, and is stored so, after a restart', async () => {
    const first = await startTestServer();
    const user = await first.createUser('restart');
    const id = await createSpace(first, user.token, { name: 'survivor' });
    // Stop at once: the activation timer of the first server never fires.
    await first.close({ keepData: true });

    const second = await startTestServer({}, { database: first.database });
    servers.push(second);
    // No request touches the space: the start-up sweep alone must store the activation.
    const state = await eventually(
      () => storedState(second, id),
      (v) => v === 'active',
    );
    expect(state).toBe('active');
    const token = await second.tokenFor(user.apikey);
    const res = await second.call('GET', `/v2/spaces/${id}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.entity).toMatchObject({ name: 'survivor', status: { state: 'active' } });
    expect(res.body.entity.members).toBeUndefined();
    const members = await second.call('GET', `/v2/spaces/${id}/members`, { token });
    expect(members.body.resources).toEqual([
      { id: user.iam_id, role: 'admin', state: 'active', type: 'user' },
    ]);
  });

  it('a space whose preparation time passed long ago is active at once, even before it is stored', async () => {
    const first = await startTestServer();
    const user = await first.createUser('overdue');
    const id = await createSpace(first, user.token, { name: 'overdue' });
    await first.close({ keepData: true });

    const second = await startTestServer({}, { database: first.database });
    servers.push(second);
    const token = await second.tokenFor(user.apikey);
    // Whatever the stored state, a reader after ready_at sees active.
    await new Promise((r) => setTimeout(r, 800));
    const res = await second.call('GET', `/v2/spaces?id=${id}`, { token });
    expect(res.body.resources[0].entity.status.state).toBe('active');
    expect(res.body.resources[0].metadata.updated_at).toBeDefined();
    expect(
      await eventually(
        () => storedState(second, id),
        (v) => v === 'active',
      ),
    ).toBe('active');
  });
});
