import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import {
  BadRequestError,
  CommonCoreV2,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../../packages/common-core-sdk/src/index.ts';
import { clientFor, rejection } from '../../packages/common-core-sdk/test/helpers.ts';

let s: TestServer;
let owner: TestUser;
let client: CommonCoreV2;
let stranger: CommonCoreV2;

beforeAll(async () => {
  s = await startTestServer();
  owner = await s.createUser('owner');
  client = clientFor(s, owner.apikey);
  stranger = clientFor(s, (await s.createUser('stranger')).apikey);
});
afterAll(async () => s?.close());

describe('asset lists through the SDK', () => {
  it('creates, lists, reads, patches, pages items and deletes', async () => {
    const created = await client.createAssetList({
      name: 'my_order',
      type: 'order',
      description: 'Order of multiple items',
      items: [1, 2, 3].map((i) => ({
        asset: { id: `asset-${i}`, type: 'data_asset', container: { id: 'c1', type: 'catalog' } },
        properties: { n: i },
      })),
    });
    expect(created.status).toBe(201);
    const id = created.result.id;
    expect(created.result.access_control?.owner).toBe(owner.iam_id);
    expect(await rejection(client.createAssetList({ name: 'my_order', type: 'order' }))).toBeInstanceOf(
      ConflictError,
    );

    const listed = await client.listAssetLists({
      query: 'type == "order"',
      limit: 10,
      sort: ['-created_at'],
    });
    expect(listed.result.asset_lists.map((l) => l.id)).toEqual([id]);
    expect(await rejection(client.listAssetLists({ query: 'type == ' }))).toBeInstanceOf(BadRequestError);

    expect((await client.getAssetList({ assetListId: id })).result.name).toBe('my_order');
    expect(await rejection(stranger.getAssetList({ assetListId: id }))).toBeInstanceOf(ForbiddenError);

    const patched = await client.updateAssetList({
      assetListId: id,
      jsonPatch: [{ op: 'replace', path: '/description', value: 'changed' }],
    });
    expect(patched.result.description).toBe('changed');

    const items = [];
    for await (const item of new CommonCoreV2.AssetListItemsPager(client, { assetListId: id, limit: 2 }))
      items.push(item.asset.id);
    expect(items).toEqual(['asset-1', 'asset-2', 'asset-3']);

    expect((await client.deleteAssetList({ assetListId: id })).status).toBe(204);
    expect(await rejection(client.getAssetList({ assetListId: id }))).toBeInstanceOf(NotFoundError);

    await client.createAssetList({ name: 'cart', type: 'cart' });
    expect((await client.deleteAssetLists({ query: 'type == "cart"' })).status).toBe(204);
    expect(await rejection(client.deleteAssetLists({ query: 'type == "cart"' }))).toBeInstanceOf(
      NotFoundError,
    );
  });
});
