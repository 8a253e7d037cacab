import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CE, READY_MS, expectCodeEngineError, sleep, startCodeEngineServer } from './helpers.ts';

let s: TestServer | undefined;
afterAll(() => s?.close());

describe('lifecycle across a restart', () => {
  it('finishes transitions and deletions left pending, and still opens sealed secrets', async () => {
    const first = await startCodeEngineServer();
    const created = await first.call('POST', `${CE}/projects`, { body: { name: 'survivor' } });
    const doomed = await first.call('POST', `${CE}/projects`, { body: { name: 'doomed' } });
    await sleep(READY_MS + 50);
    const p = `${CE}/projects/${created.body.id}`;
    expect(
      (await first.call('POST', `${p}/secrets`, { body: { name: 'k', format: 'generic', data: { a: 'b' } } }))
        .status,
    ).toBe(201);
    const dest = await first.call('POST', `${p}/allowed_outbound_destinations`, {
      body: { type: 'cidr_block', name: 'net', cidr_block: '10.0.0.0/8' },
    });
    expect(dest.body.status).toBe('deploying');
    expect((await first.call('DELETE', `${CE}/projects/${doomed.body.id}`)).status).toBe(202);
    // Stop before the timers fire; the rows stay pending in the database.
    await first.close({ keepData: true });

    await sleep(READY_MS + 50);
    s = await startTestServer({}, { database: first.database });
    const token = await s.tokenFor(first.adminKey);
    const got = await s.call('GET', `${p}/allowed_outbound_destinations/net`, { token });
    expect(got.body.status).toBe('ready');
    expect((await s.call('GET', `${p}/secrets/k`, { token })).body.data).toEqual({ a: 'b' });
    expectCodeEngineError(await s.call('GET', `${CE}/projects/${doomed.body.id}`, { token }), 404);

    // The start-up sweep stored the outcomes, not only the readers.
    const db = s.built.ctx.store.db as any;
    await sleep(50);
    const row = await db.selectFrom('ce_resources').selectAll().where('name', '=', 'net').executeTakeFirst();
    expect(row).toMatchObject({ status: 'ready', ready_status: null, ready_at: null });
    const gone = await db.selectFrom('ce_projects').select('id').where('id', '=', doomed.body.id).execute();
    expect(gone).toEqual([]);
  });
});
