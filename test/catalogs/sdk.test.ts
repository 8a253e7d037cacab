// Catalogs, their members, and the asset operations no other SDK test calls (asset types, type
// search, attachment read and delete, asset delete), through CommonCoreV2 against the real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CommonCoreV2, ConflictError, NotFoundError } from '../../packages/common-core-sdk/src/index.ts';
import { clientFor, rejection, uniqueName } from '../../packages/common-core-sdk/test/helpers.ts';
import { createWorld, type World } from '../assets/helpers.ts';

let s: TestServer;
let w: World;
let admin: CommonCoreV2;
let editor: CommonCoreV2;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  admin = clientFor(s, w.admin.apikey);
  editor = clientFor(s, w.editor.apikey);
});
afterAll(async () => s?.close());

describe('catalogs through the SDK', () => {
  it('creates, reads, lists and deletes a catalog, and manages its members', async () => {
    const name = uniqueName('Catalog');
    const created = await admin.createCatalog({
      name,
      description: 'made by the SDK',
      generator: 'sdk-tests',
    });
    expect(created.status).toBe(201);
    const catalogId = created.result.metadata.guid;
    expect((await admin.getCatalog({ catalogId })).result.entity.name).toBe(name);
    expect(await rejection(admin.createCatalog({ name }))).toBeInstanceOf(ConflictError);

    const listed = await admin.listCatalogs({ limit: 100 });
    expect(listed.result.catalogs.map((c) => c.metadata.guid)).toContain(catalogId);
    const paged = await new CommonCoreV2.CatalogsPager(admin, { limit: 1 }).getAll();
    expect(paged.map((c) => c.metadata.guid)).toContain(catalogId);

    const added = await admin.addCatalogMembers({
      catalogId,
      members: [{ user_iam_id: w.editor.iam_id, role: 'viewer' }],
    });
    expect(added.status).toBe(201);
    const memberId = w.editor.iam_id;
    expect((await admin.getCatalogMember({ catalogId, memberId })).result.role).toBe('viewer');
    const updated = await admin.updateCatalogMember({
      catalogId,
      memberId,
      role: CommonCoreV2.UpdateCatalogMemberConstants.Role.EDITOR,
    });
    expect(updated.result.role).toBe('editor');
    const members = await admin.listCatalogMembers({ catalogId });
    expect(members.result.members.map((m) => m.user_iam_id)).toEqual(
      expect.arrayContaining([w.admin.iam_id, memberId]),
    );
    expect((await admin.deleteCatalogMember({ catalogId, memberId })).status).toBe(204);
    expect(await rejection(admin.getCatalogMember({ catalogId, memberId }))).toBeInstanceOf(NotFoundError);

    expect((await admin.deleteCatalog({ catalogId })).status).toBe(204);
    expect(await rejection(admin.getCatalog({ catalogId }))).toBeInstanceOf(NotFoundError);
  });
});

describe('asset types, attachments and asset deletion through the SDK', () => {
  it('lists and searches asset types, reads and deletes an attachment, deletes the asset', async () => {
    const projectId = w.containers.project.id;
    const name = uniqueName('Typed');
    const asset = await editor.createAsset({
      projectId,
      metadata: { name, asset_type: 'data_asset' },
      entity: { data_asset: { mime_type: 'text/csv' } },
    });
    const assetId = asset.result.metadata.asset_id!;
    // The types in use in the container, with their asset counts.
    const types = await editor.listAssetTypes({ projectId });
    expect(types.result.resources.find((t) => t.name === 'data_asset')?.asset_count).toBeGreaterThan(0);
    const found = await editor.searchAssetType({
      typeName: 'data_asset',
      projectId,
      query: `asset.name:"${name}"`,
    });
    expect(found.result.results.map((r) => r.metadata.asset_id)).toContain(assetId);

    const att = await editor.createAttachment({
      assetId,
      projectId,
      assetType: 'data_asset',
      name: 'file.bin',
      mime: 'application/x-test',
    });
    const attachmentId = att.result.attachment_id!;
    expect((await editor.getAttachment({ assetId, attachmentId, projectId })).result.name).toBe('file.bin');
    expect((await editor.deleteAttachment({ assetId, attachmentId, projectId })).status).toBe(204);
    expect(await rejection(editor.getAttachment({ assetId, attachmentId, projectId }))).toBeInstanceOf(
      NotFoundError,
    );

    expect((await editor.deleteAsset({ assetId, projectId })).status).toBe(204);
    expect(await rejection(editor.getAsset({ assetId, projectId }))).toBeInstanceOf(NotFoundError);
  });
});
