// Asset exports (/v2/asset_exports...). Same service family as spaces.
import { ref, str, bool, int, arr, obj, dateTime } from './common.mjs';

export const schemas = {
  AssetTransferStatus: obj(
    {
      state: str({ enum: ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] }),
      failure: obj({ message: str() }, [], { description: 'Why it failed (state failed).' }),
      progress: obj(
        {
          assets: int({ minimum: 0 }),
          attachments: int({ minimum: 0 }),
          total_assets: int({ minimum: 0 }),
          total_attachments: int({ minimum: 0 }),
          bytes: int({ minimum: 0, description: 'Size of the completed export zip.' }),
          archive_bytes: int({ minimum: 0, description: 'Size of the uploaded archive.' }),
        },
        [],
        { description: 'Assets and attachments done so far.' },
      ),
    },
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
  AssetExportSelection: obj(
    {
      all_assets: bool(),
      asset_ids: arr(str({ minLength: 1, maxLength: 128 }), { maxItems: 1000 }),
      asset_types: arr(str({ minLength: 1, maxLength: 128 }), { maxItems: 100 }),
    },
    [],
    {
      description:
        'Which assets: all of them, or those of the given types together with those of the given ids (one of the three is required).',
    },
  ),
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
      encryption_key: str({
        minLength: 1,
        maxLength: 1024,
        description:
          'Secrets of exported assets (connection credentials) are encrypted with this key; without it they are left out.',
      }),
      format: str({ description: 'json (the only format this server writes).' }),
      module_keys: arr(str()),
    },
    ['assets'],
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
  'DELETE /v2/asset_exports/{export_id}': {
    operationId: 'cancelAssetExport',
    description:
      'Cancels a pending or in-progress export; with hard_delete=true the export and its content are deleted whatever their state.',
  },
  'GET /v2/asset_exports/{export_id}': {
    operationId: 'getAssetExport',
    responses: { 200: ref('AssetExport') },
  },
  'GET /v2/asset_exports/{export_id}/content': {
    operationId: 'getAssetExportContent',
    responses: { 200: zip },
  },
};
