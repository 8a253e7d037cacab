// Asset imports (/v2/asset_imports...). Same service family as spaces.
import { ref, str, bool, int, arr, obj } from './common.mjs';

export const schemas = {
  AssetImport: obj(
    {
      entity: obj({
        format: str({ enum: ['json', 'csv'] }),
        skip_notification: bool(),
        status: ref('AssetTransferStatus'),
      }),
      metadata: ref('AssetTransferMetadata'),
    },
    ['metadata'],
  ),
  AssetImportList: obj(
    {
      first: ref('HrefLink'),
      next: ref('HrefLink'),
      limit: int({ minimum: 1 }),
      total_count: int({ minimum: 0 }),
      resources: arr(ref('AssetImport')),
    },
    ['resources'],
  ),
  AssetImportForm: obj(
    {
      file: str({
        contentMediaType: 'application/zip',
        description: 'Archive of an export (format json), or a UTF-8 CSV of asset metadata (format csv).',
      }),
      encryption_key: str({ description: 'The key the export was made with (format json only).' }),
      format: str({
        enum: ['json', 'csv'],
        default: 'json',
        description:
          'json: an archive as exports write it. csv: one asset a row, under a header row with Name and Type, and optionally Description, Tag (any number of columns) and "Asset Property: a>>b" (an entity field); other headers are refused.',
      }),
    },
    ['file'],
  ),
};

export const operations = {
  'GET /v2/asset_imports': { operationId: 'listAssetImports', responses: { 200: ref('AssetImportList') } },
  'POST /v2/asset_imports': {
    operationId: 'createAssetImport',
    // multipart form, or the raw archive with Content-Type: application/zip (the seed curl)
    requestBody: { content: { 'multipart/form-data': ref('AssetImportForm'), 'application/zip': null } },
    responses: { 200: ref('AssetImport') },
    // the upload is cut at the archive limit; other media types are refused
    extraResponses: [
      { status: 413, meaning: 'request entity too large' },
      { status: 415, meaning: 'unsupported media type' },
    ],
  },
  'DELETE /v2/asset_imports/{import_id}': {
    operationId: 'cancelAssetImport',
    description:
      'Cancels a pending or in-progress import (every asset it created goes); with hard_delete=true the import is deleted whatever its state.',
  },
  'GET /v2/asset_imports/{import_id}': {
    operationId: 'getAssetImport',
    responses: { 200: ref('AssetImport') },
  },
};
