// Asset lists (/v2/asset_lists...). Shapes follow the seed's examples. The
// seed ends inside GET /v2/asset_lists/{asset_list_id}/items.
import { ref, str, int, bool, arr, obj, map, dateTime, jsonPatch } from './common.mjs';

// The seed's pattern for the CEL `query` parameter lacks < > and !, which its own
// example needs once URL-decoded (created_at>="..."); the server sees decoded values.
// The seed's example (`created_at>="..."&&limit=10&&archived="false"`) is not CEL (`=` is not
// an operator); the contract shows the CEL it means.
const queryParam = {
  query: {
    schema: { pattern: '^[\\w\\.,:$%&=|\\(\\)\\s\\-_\\^"<>!]+$' },
    example: 'created_at>="2023-08-23T21:10:40Z"&&archived==false',
    description:
      'CEL expression over the fields id, name, description, type, state, message, archived (bool), created_at, last_updated_at, last_updated_by (strings; times compare as ISO text), asset, access_control and properties (maps), e.g. created_at>="2023-08-23T21:10:40Z" && access_control.owner=="IBMid-1". A malformed expression or an unknown field is a 400 that says where.',
  },
};

const container = () => obj({ id: str(), type: str({ enum: ['catalog', 'project', 'space'] }) });
const assetRef = () => obj({ id: str(), type: str(), container: container() });

export const schemas = {
  AssetList: obj(
    {
      id: str(),
      name: str(),
      description: str(),
      type: str({ description: 'e.g. order.' }),
      state: str({ description: 'default_state until an approver or a functional user changes it.' }),
      message: str({ description: 'Set by approvers and functional users.' }),
      properties: map({ description: 'Set by functional users.' }),
      archived: bool(),
      asset: assetRef(),
      access_control: obj({ owner: str(), bss_account_id: str() }),
      created_at: dateTime(),
      last_updated_at: dateTime(),
      last_updated_by: str(),
      item_count: int({ minimum: 0, description: 'Number of items (GET .../items lists them).' }),
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
      name: str({ minLength: 1, maxLength: 255 }),
      description: str({ maxLength: 4000 }),
      type: str({ minLength: 1, maxLength: 64, description: 'e.g. order.' }),
      state: str({ minLength: 1, maxLength: 64, description: 'default_state when not given.' }),
      asset: assetRef(),
      items: arr(ref('AssetListItem'), { maxItems: 1000 }),
    },
    ['name', 'type'],
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
    parameters: {
      ...queryParam,
      // "This parameter can be repeated": an array (a single value is one item)
      sort: {
        schema: {
          type: 'array',
          items: {
            type: 'string',
            minLength: 1,
            maxLength: 1024,
            pattern: '^[\\w\\.,:$&\\(\\)\\s\\-_\\^"]+$',
          },
          pattern: undefined,
          minLength: undefined,
          maxLength: undefined,
        },
        description:
          'created_at, -created_at, last_updated_at, -last_updated_at or name, -name; repeat it (or separate with commas) to sort by several.',
      },
    },
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
