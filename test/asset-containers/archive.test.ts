import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createWorld, expectPlatformError, KINDS, type Container, type World } from '../assets/helpers.ts';
import { countRows, fillContainer, snapshotContainer, waitForStatus } from './helpers.ts';

let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

const archive = (c: Container, token: string) =>
  s.call('POST', `/v2/asset_containers/archive?${c.q}`, { token, body: {} });
const restore = (c: Container, token: string) =>
  s.call('POST', `/v2/asset_containers/restore?${c.q}`, { token });
const info = (c: Container, token: string) =>
  s.call('GET', `/v2/asset_containers/archive_info?${c.q}`, { token });

/** The content of every attachment of the container's assets, by attachment id. */
async function contents(c: Container, ids: string[]) {
  const out: Record<string, string> = {};
  for (const id of ids) {
    const asset = await s.call('GET', `/v2/assets/${id}?${c.q}`, { token: w.viewer.token });
    expect(asset.status, asset.text).toBe(200);
    for (const a of asset.body.attachments) {
      const res = await fetch(`${s.url}/v2/assets/${id}/attachments/${a.attachment_id}/content?${c.q}`, {
        headers: { authorization: `Bearer ${w.viewer.token}` },
      });
      expect(res.status).toBe(200);
      out[a.attachment_id] = await res.text();
    }
  }
  return out;
}

describe.each(KINDS)('archiving a %s', (kind) => {
  it('archives (202), refuses every asset operation meanwhile (403), restores everything intact', async () => {
    const c = w.containers[kind];
    const ids = await fillContainer(s, w.editor.token, c);
    const files = await contents(c, ids);
    const before = await snapshotContainer(s, c);
    expect(before.assets).toHaveLength(3);
    expect(before.attachments).toHaveLength(3);

    const first = await info(c, w.viewer.token);
    expect(first.body).toEqual({ container: { id: c.id, type: kind }, status: 'active', archived: false });

    const accepted = await archive(c, w.admin.token);
    expect(accepted.status, accepted.text).toBe(202);
    expect(accepted.body).toMatchObject({
      container: { id: c.id, type: kind },
      requested_by: w.admin.iam_id,
    });
    expect(['archiving', 'archived']).toContain(accepted.body.status);

    const archived = await waitForStatus(s, w.viewer.token, c, 'archived');
    expect(archived).toMatchObject({
      archived: true,
      asset_count: 3,
      attachment_count: 3,
      archived_by: w.admin.iam_id,
    });
    expect(Date.parse(archived.archived_at)).toBeGreaterThanOrEqual(Date.parse(archived.requested_at));
    // out of the live tables, into the archive
    expect((await snapshotContainer(s, c)).assets).toHaveLength(0);

    // every asset operation, of every role, answers the archived container's 403
    const id = ids[0];
    const refused = [
      await s.call('GET', `/v2/assets/${id}?${c.q}`, { token: w.viewer.token }),
      await s.call('PATCH', `/v2/assets/${id}?${c.q}`, {
        token: w.editor.token,
        body: [{ op: 'replace', path: '/metadata/name', value: 'changed' }],
      }),
      await s.call('DELETE', `/v2/assets/${id}?${c.q}`, { token: w.admin.token }),
      await s.call('POST', `/v2/assets?${c.q}`, {
        token: w.editor.token,
        body: { metadata: { name: 'new', asset_type: 'data_asset' } },
      }),
      await s.call('GET', `/v2/asset_types?${c.q}`, { token: w.viewer.token }),
      await s.call('POST', `/v2/asset_types/data_asset/search?${c.q}`, {
        token: w.viewer.token,
        body: { query: '*:*' },
      }),
      await s.call('POST', `/v2/assets/${id}/attachments?${c.q}`, {
        token: w.editor.token,
        body: { asset_type: 'data_asset', name: 'x' },
      }),
      await s.call(
        'GET',
        `/v2/assets/${id}/attachments/${before.attachments[0].attachment_id}/content?${c.q}`,
        {
          token: w.viewer.token,
        },
      ),
    ];
    for (const res of refused) {
      expectPlatformError(res, 403);
      expect(res.body.errors[0].code).toBe('asset_container_archived');
      expect(res.body.errors[0].message).toContain('restore');
    }
    // outsiders still learn nothing more than before
    expectPlatformError(await s.call('GET', `/v2/assets/${id}?${c.q}`, { token: w.outsider.token }), 403);

    // archiving twice is a 400; only admins restore
    expectPlatformError(await archive(c, w.admin.token), 400);
    expectPlatformError(await restore(c, w.editor.token), 403);
    expectPlatformError(await restore(c, w.viewer.token), 403);

    const restoring = await restore(c, w.admin.token);
    expect(restoring.status, restoring.text).toBe(202);
    expect(['restoring', 'active']).toContain(restoring.body.status);
    const restored = await waitForStatus(s, w.viewer.token, c, 'active');
    expect(restored).toMatchObject({
      archived: false,
      restored_by: w.admin.iam_id,
      archived_by: w.admin.iam_id,
    });
    expect(restored.asset_count).toBeUndefined();

    // every row back exactly as it was, and every attachment's content
    expect(await snapshotContainer(s, c)).toEqual(before);
    expect(await contents(c, ids)).toEqual(files);
    expectPlatformError(await restore(c, w.admin.token), 400);

    // and the container works again, archive after archive
    const patched = await s.call('PATCH', `/v2/assets/${id}?${c.q}`, {
      token: w.editor.token,
      body: [{ op: 'replace', path: '/metadata/name', value: 'changed' }],
    });
    expect(patched.status, patched.text).toBe(200);
    expect((await archive(c, w.admin.token)).status).toBe(202);
    await waitForStatus(s, w.viewer.token, c, 'archived');
    expect((await restore(c, w.admin.token)).status).toBe(202);
    await waitForStatus(s, w.viewer.token, c, 'active');
    expect((await snapshotContainer(s, c)).assets).toHaveLength(3);
  });

  it('checks roles and the container: editors and viewers may not archive, outsiders see nothing', async () => {
    const c = w.containers[kind];
    expectPlatformError(await archive(c, w.editor.token), 403);
    expectPlatformError(await archive(c, w.viewer.token), 403);
    expectPlatformError(await archive(c, w.outsider.token), 403);
    expectPlatformError(await info(c, w.outsider.token), 403);
    expectPlatformError(await restore(c, w.outsider.token), 403);
    const missing: Container = { kind, id: '00000000-0000-4000-8000-00000000dead', q: '' };
    missing.q = `${c.q.split('=')[0]}=${missing.id}`;
    expectPlatformError(await archive(missing, w.admin.token), 404);
    expectPlatformError(await info(missing, w.admin.token), 404);
    expectPlatformError(await restore(missing, w.admin.token), 404);
    expectPlatformError(await archive(c, ''), 401);
    expect((await info(c, w.viewer.token)).body.status).toBe('active');
  });
});

describe('asset container requests', () => {
  it('need exactly one container (400)', async () => {
    const { project, space } = w.containers;
    for (const op of [
      ['POST', '/v2/asset_containers/archive'],
      ['GET', '/v2/asset_containers/archive_info'],
      ['POST', '/v2/asset_containers/restore'],
    ]) {
      expectPlatformError(await s.call(op[0], op[1], { token: w.admin.token }), 400);
      expectPlatformError(
        await s.call(op[0], `${op[1]}?${project.q}&${space.q}`, { token: w.admin.token }),
        400,
      );
    }
  });

  it('refuse an archive body that is not an object (400) and change nothing', async () => {
    const c = w.containers.project;
    const before = await countRows(s, 'asset_container_archives');
    for (const raw of ['[]', '"x"', '{']) {
      const res = await s.call('POST', `/v2/asset_containers/archive?${c.q}`, { token: w.admin.token, raw });
      expectPlatformError(res, 400);
    }
    expect(await countRows(s, 'asset_container_archives')).toBe(before);
  });

  it('a project token cannot archive its project (403)', async () => {
    const c = w.containers.project;
    const tok = await s.call('POST', `/v2/projects/${c.id}/tokens`, {
      token: w.admin.token,
      body: { name: 'archiver', scopes: [{ audience: 'project', guid: c.id, role: 'admin' }] },
    });
    expect(tok.status, tok.text).toBe(201);
    const res = await archive(c, tok.body.token);
    expectPlatformError(res, 403);
  });
});
