// Package extensions (/v2/package_extensions...). Shapes follow the seed's examples.
import { ref, str, int, arr, obj, pointerMap } from './common.mjs';

const TYPES = ['conda_yml', 'pip_zip'];

export const schemas = {
  PackageExtensionDetails: obj({
    type: str({ enum: TYPES }),
    interpreter: str({ description: 'e.g. mamba.' }),
    object_key: str(),
    href: str({
      description:
        'Where to upload the file: PUT it there as application/octet-stream (with the bearer token), then call upload_complete. Once complete, GET downloads it.',
    }),
  }),
  PackageExtension: obj(
    {
      metadata: ref('RuntimeAssetMetadata'),
      entity: obj({ package_extension: ref('PackageExtensionDetails') }, ['package_extension']),
    },
    ['metadata', 'entity'],
  ),
  PackageExtensionList: obj({ total_results: int({ minimum: 0 }), resources: arr(ref('PackageExtension')) }, [
    'resources',
  ]),
  PackageExtensionCreate: obj(
    {
      name: str({ minLength: 1 }),
      description: str(),
      type: str({ enum: TYPES }),
      interpreter: str(),
    },
    ['name', 'type'],
  ),
  PackageExtensionUpdate: pointerMap({
    '/metadata/name': str(),
    '/metadata/description': str(),
    '/entity/package_extension/type': str({ enum: TYPES }),
  }),
};

export const operations = {
  'GET /v2/package_extensions': {
    operationId: 'listPackageExtensions',
    responses: { 200: ref('PackageExtensionList') },
  },
  'POST /v2/package_extensions': {
    operationId: 'createPackageExtension',
    requestBody: { schema: ref('PackageExtensionCreate') },
    responses: { 201: ref('PackageExtension') },
  },
  'POST /v2/package_extensions/{package_extension_guid}/upload_complete': {
    operationId: 'completePackageExtensionUpload',
    responses: { 200: ref('PackageExtension') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'PATCH /v2/package_extensions/{package_extension_guid}': {
    operationId: 'updatePackageExtension',
    requestBody: { schema: ref('PackageExtensionUpdate') },
    responses: { 200: ref('PackageExtension') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'GET /v2/package_extensions/{package_extension_guid}': {
    operationId: 'getPackageExtension',
    responses: { 200: ref('PackageExtension') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'DELETE /v2/package_extensions/{package_extension_guid}': {
    operationId: 'deletePackageExtension',
    // 409: a software specification of the project or space still uses it.
    extraResponses: [
      { status: 404, meaning: 'not found' },
      { status: 409, meaning: 'still in use' },
    ],
  },
};
