// Asset exports (/v2/asset_exports...). Same service family as spaces.
import { ref, str, bool, int, arr, obj, map, dateTime } from './common.mjs';

export const schemas = {
  AssetTransferStatus: obj(
    { state: str({ description: 'e.g. pending, running, completed, failed.' }), failure: map() },
    ['state'],
  ),
  AssetTransferMetadata: obj(
    {
      id: str(),
      name: str(),
      description: str(),
      url: str(),
      project_id: str(),
      space_id: str(),
      catalog_id: str(),
      creator_id: str(),
      created_at: dateTime(),
      updated_at: dateTime(),
    },
    ['id'],
    { description: 'Metadata of an export or import.' },
  ),
  AssetExportSelection: obj({
    all_assets: bool(),
    asset_ids: arr(str()),
    asset_types: arr(str()),
  }),
  AssetExport: obj(
    {
      entity: obj({
        assets: ref('AssetExportSelection'),
        format: str({ description: 'e.g. json.' }),
        skip_notification: bool(),
        module_keys: arr(str()),
        status: ref('AssetTransferStatus'),
      }),
      metadata: ref('AssetTransferMetadata'),
    },
    ['metadata'],
  ),
  AssetExportList: obj(
    {
      first: ref('HrefLink'),
      next: ref('HrefLink'),
      limit: int({ minimum: 1 }),
      total_count: int({ minimum: 0 }),
      resources: arr(ref('AssetExport')),
    },
    ['resources'],
  ),
  AssetExportCreate: obj(
    {
      name: str(),
      description: str(),
      assets: ref('AssetExportSelection'),
      encryption_key: str(),
      format: str({ description: 'e.g. json.' }),
      module_keys: arr(str()),
    },
    [],
  ),
};

const zip = { content: { 'application/zip': null, 'application/octet-stream': null } };

export const operations = {
  'GET /v2/asset_exports': { operationId: 'listAssetExports', responses: { 200: ref('AssetExportList') } },
  'POST /v2/asset_exports': {
    operationId: 'createAssetExport',
    requestBody: { schema: ref('AssetExportCreate') },
    responses: { 200: ref('AssetExport') },
  },
  'DELETE /v2/asset_exports/{export_id}': { operationId: 'cancelAssetExport' },
  'GET /v2/asset_exports/{export_id}': {
    operationId: 'getAssetExport',
    responses: { 200: ref('AssetExport') },
  },
  'GET /v2/asset_exports/{export_id}/content': {
    operationId: 'getAssetExportContent',
    responses: { 200: zip },
  },
};
