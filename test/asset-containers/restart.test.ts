import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createAsset, expectPlatformError, type Container } from '../assets/helpers.ts';
import { newProject } from '../projects/projects-fixtures.ts';
import { snapshotContainer, waitForStatus } from './helpers.ts';

let s: TestServer | undefined;
afterAll(async () => s?.close());

/** A server whose archive work waits an hour before it starts: it is still pending at close. */
async function startStalling(database?: TestServer['database']) {
  process.env.ASSET_CONTAINER_ARCHIVE_DELAY_MS = '3600000';
  try {
    return await startTestServer({}, { database });
  } finally {
    delete process.env.ASSET_CONTAINER_ARCHIVE_DELAY_MS;
  }
}

describe('archive and restore across a restart', () => {
  it('work left pending by a stopped server is done by the next one', async () => {
    s = await startStalling();
    const projectId = await newProject(s, s.adminToken);
    const c: Container = { kind: 'project', id: projectId, q: `project_id=${projectId}` };
    for (let i = 0; i < 3; i++) await createAsset(s, s.adminToken, c, { name: `a${i}`, tags: ['t'] });
    const before = await snapshotContainer(s, c);

    const accepted = await s.call('POST', `/v2/asset_containers/archive?${c.q}`, {});
    expect(accepted.status, accepted.text).toBe(202);
    expect(accepted.body.status).toBe('archiving');
    // while pending: assets out of reach, no restore yet
    expectPlatformError(await s.call('GET', `/v2/assets/${before.assets[0].asset_id}?${c.q}`), 403);
    expectPlatformError(await s.call('POST', `/v2/asset_containers/restore?${c.q}`), 400);
    await s.close({ keepData: true });

    s = await startTestServer({}, { database: s.database });
    const archived = await waitForStatus(s, s.adminToken, c, 'archived');
    expect(archived.asset_count).toBe(3);
    expect((await snapshotContainer(s, c)).assets).toEqual([]);
    await s.close({ keepData: true });

    s = await startStalling(s.database);
    const restoring = await s.call('POST', `/v2/asset_containers/restore?${c.q}`);
    expect(restoring.status, restoring.text).toBe(202);
    expect(restoring.body.status).toBe('restoring');
    // asking again while the restore is pending: 200 with its progress
    const again = await s.call('POST', `/v2/asset_containers/restore?${c.q}`);
    expect(again.status, again.text).toBe(200);
    expect(again.body.status).toBe('restoring');
    await s.close({ keepData: true });

    s = await startTestServer({}, { database: s.database });
    await waitForStatus(s, s.adminToken, c, 'active');
    expect(await snapshotContainer(s, c)).toEqual(before);
  });
});
