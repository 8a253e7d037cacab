// Asset containers (/v2/asset_containers...). The seed documents no bodies for
// this area: the schemas are open objects, described as such.
import { map } from './common.mjs';

export const schemas = {
  AssetContainerArchiveRequest: map({
    description: 'Archive request. Its fields are not documented in the seed.',
  }),
  AssetContainerArchiveInfo: map({
    description: 'Archive information. Its fields are not documented in the seed.',
  }),
  AssetContainerConfigurations: map({
    description: 'Configurations of the asset container. Their fields are not documented in the seed.',
  }),
};

export const operations = {
  'POST /v2/asset_containers/archive': {
    operationId: 'archiveAssetContainer',
    requestBody: { schema: { $ref: '#/components/schemas/AssetContainerArchiveRequest' } },
  },
  'GET /v2/asset_containers/archive_info': {
    operationId: 'getAssetContainerArchiveInfo',
    responses: { 200: { $ref: '#/components/schemas/AssetContainerArchiveInfo' } },
  },
  'GET /v2/asset_containers/configurations': {
    operationId: 'getAssetContainerConfigurations',
    responses: { 200: { $ref: '#/components/schemas/AssetContainerConfigurations' } },
  },
  'PUT /v2/asset_containers/configurations': {
    operationId: 'replaceAssetContainerConfigurations',
    requestBody: { schema: { $ref: '#/components/schemas/AssetContainerConfigurations' } },
    responses: { 200: { $ref: '#/components/schemas/AssetContainerConfigurations' } },
  },
  'POST /v2/asset_containers/restore': { operationId: 'restoreAssetContainer' },
};
