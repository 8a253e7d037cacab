import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  BadRequestError,
  CommonCoreV2,
  ForbiddenError,
  NotFoundError,
} from '../../packages/common-core-sdk/src/index.ts';
import { clientFor, rejection } from '../../packages/common-core-sdk/test/helpers.ts';
import { createAsset, createWorld, type World } from '../assets/helpers.ts';

let s: TestServer;
let w: World;
let admin: CommonCoreV2;
let viewer: CommonCoreV2;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  admin = clientFor(s, w.admin.apikey);
  viewer = clientFor(s, w.viewer.apikey);
});
afterAll(async () => s?.close());

async function waitFor(catalogId: string, status: string) {
  for (let i = 0; i < 300; i++) {
    const { result } = await viewer.getAssetContainerArchiveInfo({ catalogId });
    if (result.status === status) return result;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never ${status}`);
}

describe('asset containers through the SDK', () => {
  it('archives, reads the archive information, restores', async () => {
    const catalogId = w.containers.catalog.id;
    await createAsset(s, w.editor.token, w.containers.catalog, { name: 'kept' });
    // The request body is optional: without one, no Content-Type is sent either (the server would answer 400).
    const accepted = await admin.archiveAssetContainer({ catalogId });
    expect(accepted.status).toBe(202);
    expect(accepted.result.container).toEqual({ id: catalogId, type: 'catalog' });
    const archived = await waitFor(catalogId, 'archived');
    expect(archived.archived).toBe(true);
    expect(archived.asset_count).toBe(1);
    expect(
      await rejection(admin.archiveAssetContainer({ catalogId, assetContainerArchiveRequest: {} })),
    ).toBeInstanceOf(BadRequestError);
    expect(await rejection(viewer.restoreAssetContainer({ catalogId }))).toBeInstanceOf(ForbiddenError);
    const restored = await admin.restoreAssetContainer({ catalogId });
    expect(restored.status).toBe(202);
    expect((await waitFor(catalogId, 'active')).restored_by).toBe(w.admin.iam_id);
  });

  it('replaces and reads configurations', async () => {
    const projectId = w.containers.project.id;
    expect(await rejection(viewer.getAssetContainerConfigurations({ projectId }))).toBeInstanceOf(
      NotFoundError,
    );
    const put = await admin.replaceAssetContainerConfigurations({
      projectId,
      assetContainerConfigurations: { review: { required: true } },
    });
    expect(put.status).toBe(200);
    expect((await viewer.getAssetContainerConfigurations({ projectId })).result).toEqual({
      review: { required: true },
    });
    expect(
      await rejection(
        viewer.replaceAssetContainerConfigurations({ projectId, assetContainerConfigurations: {} }),
      ),
    ).toBeInstanceOf(ForbiddenError);
  });
});
