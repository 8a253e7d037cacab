// Asset lists (/v2/asset_lists...). Shapes follow the seed's examples. The
// seed ends inside GET /v2/asset_lists/{asset_list_id}/items.
import { ref, str, int, arr, obj, map, dateTime, jsonPatch } from './common.mjs';

// The seed's pattern for the CEL `query` parameter lacks < > and !, which its own
// example needs once URL-decoded (created_at>="..."); the server sees decoded values.
const queryParam = {
  query: {
    schema: { pattern: '^[\\w\\.,:$%&=|\\(\\)\\s\\-_\\^"<>!]+$' },
    description: 'CEL expression, e.g. created_at>="2023-08-23T21:10:40Z".',
  },
};

const container = () => obj({ id: str(), type: str({ description: 'e.g. catalog.' }) });
const assetRef = () => obj({ id: str(), type: str(), container: container() });

export const schemas = {
  AssetList: obj(
    {
      id: str(),
      name: str(),
      description: str(),
      type: str({ description: 'e.g. order.' }),
      state: str(),
      asset: assetRef(),
      access_control: obj({ owner: str(), bss_account_id: str() }),
      created_at: dateTime(),
      last_updated_at: dateTime(),
      last_updated_by: str(),
    },
    ['id'],
  ),
  AssetListCollection: obj(
    {
      limit: int({ minimum: 1 }),
      total_count: int({ minimum: 0 }),
      first: ref('HrefLink'),
      next: ref('NextLink'),
      asset_lists: arr(ref('AssetList')),
    },
    ['asset_lists'],
  ),
  AssetListItem: obj(
    {
      asset: obj(
        {
          id: str(),
          type: str(),
          container: container(),
          metadata: assetRef(),
        },
        [],
        {
          description:
            'The asset: id, type and container, given directly (documented example) or under metadata (seed curl).',
        },
      ),
      properties: map(),
    },
    ['asset'],
  ),
  AssetListCreate: obj(
    {
      name: str(),
      description: str(),
      type: str({ description: 'e.g. order.' }),
      items: arr(ref('AssetListItem')),
    },
    [],
  ),
  AssetListItemCollection: obj(
    {
      limit: int({ minimum: 1 }),
      total_count: int({ minimum: 0 }),
      first: ref('HrefLink'),
      next: ref('NextLink'),
      items: arr(ref('AssetListItem')),
    },
    [],
    {
      description:
        'Items of an asset list. Not documented in the seed (which ends here); assumed by analogy.',
    },
  ),
  AssetListPatch: jsonPatch({ description: 'RFC 6902 JSON Patch, e.g. replace /state.' }),
};

export const operations = {
  'GET /v2/asset_lists': {
    operationId: 'listAssetLists',
    parameters: queryParam,
    responses: { 200: ref('AssetListCollection') },
  },
  'POST /v2/asset_lists': {
    operationId: 'createAssetList',
    requestBody: { schema: ref('AssetListCreate') },
    responses: { 201: ref('AssetList') },
  },
  'DELETE /v2/asset_lists': { operationId: 'deleteAssetLists', parameters: queryParam },
  'GET /v2/asset_lists/{asset_list_id}': {
    operationId: 'getAssetList',
    responses: { 200: ref('AssetList') },
  },
  'DELETE /v2/asset_lists/{asset_list_id}': { operationId: 'deleteAssetList' },
  'PATCH /v2/asset_lists/{asset_list_id}': {
    operationId: 'updateAssetList',
    requestBody: { schema: ref('AssetListPatch'), jsonPatch: true },
    responses: { 200: ref('AssetList') },
  },
  'GET /v2/asset_lists/{asset_list_id}/items': {
    operationId: 'listAssetListItems',
    // the seed ends before this operation's statuses; assume those of GET /v2/asset_lists/{asset_list_id}
    undocumentedResponses: [
      { status: 200, meaning: 'request succeeded', inferred: true },
      { status: 400, meaning: 'bad request', inferred: true },
      { status: 401, meaning: 'missing or invalid token', inferred: true },
      { status: 403, meaning: 'caller not permitted', inferred: true },
      { status: 404, meaning: 'asset list not found', inferred: true },
      { status: 500, meaning: 'internal server error', inferred: true },
    ],
    responses: { 200: ref('AssetListItemCollection') },
  },
};
