// Platform operations that the seed does not document but that the rest of the
// common core stands on: assets (with attachments and type search) and catalogs.
// Names and shapes follow the Watson Data API (/v2/assets, /v2/asset_types,
// /v2/catalogs); the seed's hrefs point at /v2/assets/{asset_id}.
//
// Unlike the other modules, these operations are not in the reference file:
// `extraOperations` describes each one completely (parameters, statuses), in
// the reference file's shape, and `operations` gives the schemas as usual.
// Every one is marked `x-source: platform`.
import { ref, str, int, bool, arr, obj, map, any, dateTime } from './common.mjs';

const ROLES = ['viewer', 'editor', 'admin'];
const ID = { minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' };
const TYPE_NAME = { minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' };

// ---------------------------------------------------------------- reference-shaped helpers

const param = (name, where, type, extra = {}) => ({
  in: where,
  name,
  type,
  required: where === 'path' || Boolean(extra.required),
  default: extra.default ?? null,
  enum: extra.enum ?? null,
  source: 'platform',
  confidence: 'high',
  example: extra.example,
});
const CONTAINER_PARAMS = [
  param('catalog_id', 'query', 'string', { example: '0b6f2b4e-7c39-4a39-9ac0-5a1f4c1e1a11' }),
  param('project_id', 'query', 'string', { example: '1dd2aaec-781a-4712-a7ff-ae1862cf7a84' }),
  param('space_id', 'query', 'string', { example: '63dc4cf1-252f-424b-b52d-5cdd9814987f' }),
];
const containerOverrides = {
  catalog_id: { schema: ID, description: 'The catalog that holds the asset.' },
  project_id: { schema: ID, description: 'The project that holds the asset.' },
  space_id: { schema: ID, description: 'The space that holds the asset.' },
};
const ONE_OF = { params: ['catalog_id', 'project_id', 'space_id'], rule: 'exactly one of them (platform)' };

const MEANING = {
  200: 'request succeeded',
  201: 'created',
  204: 'deleted',
  400: 'invalid request',
  401: 'missing or invalid token',
  403: 'caller not permitted',
  404: 'resource not found',
  409: 'conflict with the current state',
  413: 'content larger than the size limit',
  415: 'unsupported media type',
  500: 'internal server error',
};
const statuses = (...codes) => codes.map((status) => ({ status, meaning: MEANING[status], inferred: false }));

const assetIdParam = param('asset_id', 'path', 'string', { example: 'd4cf2284-b64d-43d2-accb-aeb40e6f3fe8' });
const attachmentIdParam = param('attachment_id', 'path', 'string', {
  example: '5c5f4bd4-0dd0-44a8-a0a1-4e7bd10e0a2b',
});
const catalogIdParam = param('catalog_id', 'path', 'string', {
  example: '0b6f2b4e-7c39-4a39-9ac0-5a1f4c1e1a11',
});
const memberIdParam = param('member_id', 'path', 'string', { example: 'IBMid-1000000000' });
const typeNameParam = param('type_name', 'path', 'string', { example: 'data_asset' });

function op(method, path, area, title, params, codes, { oneOf = false } = {}) {
  return {
    method,
    path,
    area,
    title,
    source: 'platform',
    errorSchema: 'SpacesError',
    params,
    requiredOneOf: oneOf ? ONE_OF : null,
    body: null,
    responses: statuses(...codes, 500),
  };
}

const A = 'assets';
const C = 'catalogs';
const assetPath = '/v2/assets/{asset_id}';
const attPath = `${assetPath}/attachments/{attachment_id}`;

/** The platform operations, complete (the reference file has none of them). */
export const extraOperations = [
  op('POST', '/v2/assets', A, 'Create an asset', CONTAINER_PARAMS, [201, 400, 401, 403, 404], {
    oneOf: true,
  }),
  op('GET', assetPath, A, 'Get an asset', [assetIdParam, ...CONTAINER_PARAMS], [200, 400, 401, 403, 404], {
    oneOf: true,
  }),
  op(
    'PATCH',
    assetPath,
    A,
    'Update an asset',
    [assetIdParam, ...CONTAINER_PARAMS],
    [200, 400, 401, 403, 404, 409],
    {
      oneOf: true,
    },
  ),
  op(
    'DELETE',
    assetPath,
    A,
    'Delete an asset',
    [assetIdParam, ...CONTAINER_PARAMS],
    [204, 400, 401, 403, 404],
    {
      oneOf: true,
    },
  ),
  op(
    'GET',
    '/v2/asset_types',
    A,
    'List the asset types present in a container',
    CONTAINER_PARAMS,
    [200, 400, 401, 403, 404],
    { oneOf: true },
  ),
  op(
    'POST',
    '/v2/asset_types/{type_name}/search',
    A,
    'Search the assets of a type',
    [typeNameParam, ...CONTAINER_PARAMS],
    [200, 400, 401, 403, 404],
    { oneOf: true },
  ),
  op(
    'POST',
    `${assetPath}/attachments`,
    A,
    'Create an attachment of an asset',
    [assetIdParam, ...CONTAINER_PARAMS],
    [201, 400, 401, 403, 404],
    { oneOf: true },
  ),
  op(
    'GET',
    attPath,
    A,
    'Get an attachment of an asset',
    [assetIdParam, attachmentIdParam, ...CONTAINER_PARAMS],
    [200, 400, 401, 403, 404],
    { oneOf: true },
  ),
  op(
    'DELETE',
    attPath,
    A,
    'Delete an attachment of an asset',
    [assetIdParam, attachmentIdParam, ...CONTAINER_PARAMS],
    [204, 400, 401, 403, 404],
    { oneOf: true },
  ),
  op(
    'POST',
    `${attPath}/complete`,
    A,
    'Mark the upload of an attachment complete',
    [assetIdParam, attachmentIdParam, ...CONTAINER_PARAMS],
    [200, 400, 401, 403, 404, 409],
    { oneOf: true },
  ),
  op(
    'PUT',
    `${attPath}/content`,
    A,
    'Upload the content of an attachment',
    [assetIdParam, attachmentIdParam, ...CONTAINER_PARAMS],
    [200, 400, 401, 403, 404, 409, 413, 415],
    { oneOf: true },
  ),
  op(
    'GET',
    `${attPath}/content`,
    A,
    'Download the content of an attachment',
    [assetIdParam, attachmentIdParam, ...CONTAINER_PARAMS],
    [200, 400, 401, 403, 404, 409],
    { oneOf: true },
  ),

  op('POST', '/v2/catalogs', C, 'Create a catalog', [], [201, 400, 401, 403, 409]),
  op(
    'GET',
    '/v2/catalogs',
    C,
    'List the catalogs of the caller',
    [
      param('limit', 'query', 'integer', { default: 25, example: 25 }),
      param('bookmark', 'query', 'string', {}),
    ],
    [200, 400, 401, 403],
  ),
  op('GET', '/v2/catalogs/{catalog_id}', C, 'Get a catalog', [catalogIdParam], [200, 400, 401, 403, 404]),
  op(
    'DELETE',
    '/v2/catalogs/{catalog_id}',
    C,
    'Delete a catalog',
    [catalogIdParam],
    [204, 400, 401, 403, 404],
  ),
  op(
    'GET',
    '/v2/catalogs/{catalog_id}/members',
    C,
    'List the members of a catalog',
    [
      catalogIdParam,
      param('limit', 'query', 'integer', { default: 25, example: 25 }),
      param('bookmark', 'query', 'string', {}),
    ],
    [200, 400, 401, 403, 404],
  ),
  op(
    'POST',
    '/v2/catalogs/{catalog_id}/members',
    C,
    'Add members to a catalog',
    [catalogIdParam],
    [201, 400, 401, 403, 404, 409],
  ),
  op(
    'GET',
    '/v2/catalogs/{catalog_id}/members/{member_id}',
    C,
    'Get a member of a catalog',
    [catalogIdParam, memberIdParam],
    [200, 400, 401, 403, 404],
  ),
  op(
    'PATCH',
    '/v2/catalogs/{catalog_id}/members/{member_id}',
    C,
    'Change the role of a member of a catalog',
    [catalogIdParam, memberIdParam],
    [200, 400, 401, 403, 404, 409],
  ),
  op(
    'DELETE',
    '/v2/catalogs/{catalog_id}/members/{member_id}',
    C,
    'Remove a member from a catalog',
    [catalogIdParam, memberIdParam],
    [204, 400, 401, 403, 404, 409],
  ),
];

export const areaTags = {
  assets: ['Assets', 'Assets of a catalog, project or space, their attachments and type search (platform).'],
  catalogs: ['Catalogs', 'Catalogs and their members (platform).'],
};

// ---------------------------------------------------------------- schemas

const tagList = () => arr(str({ minLength: 1, maxLength: 255 }), { maxItems: 200 });

const AssetMetadataCreate = obj(
  {
    name: str({ minLength: 1, maxLength: 255 }),
    description: str({ maxLength: 4000 }),
    asset_type: str(TYPE_NAME),
    tags: tagList(),
    origin_country: str({ maxLength: 8 }),
    asset_category: str({ enum: ['USER', 'SYSTEM'] }),
    rov: obj({ mode: int({ minimum: 0, maximum: 32 }) }),
  },
  ['name', 'asset_type'],
);

const assetPatchPath = str({
  pattern: '^/(metadata/(name|description|tags|origin_country|rov/mode)(/.*)?|entity(/.*)?)$',
});

export const schemas = {
  AssetCreate: obj({ metadata: AssetMetadataCreate, entity: map() }, ['metadata'], {
    description: 'A new asset: its metadata (name and type required) and its type-specific entity.',
  }),
  PlatformAssetMetadata: obj(
    {
      asset_id: str(),
      asset_type: str(),
      name: str(),
      description: str(),
      tags: arr(str()),
      origin_country: str(),
      asset_category: str(),
      asset_state: str({ description: 'e.g. available.' }),
      catalog_id: str(),
      project_id: str(),
      space_id: str(),
      owner_id: str({ description: 'IAM id of the owner.' }),
      creator_id: str({ description: 'IAM id of the creator.' }),
      created_at: dateTime(),
      create_time: dateTime(),
      rov: obj({ mode: int(), collaborator_ids: map(), member_roles: map() }),
      usage: obj({
        last_update_time: dateTime(),
        last_updater_id: str(),
        last_access_time: dateTime(),
        last_accessor_id: str(),
        access_count: int({ minimum: 0 }),
      }),
      version: int({ minimum: 0 }),
      size: int({ minimum: 0 }),
    },
    ['asset_id', 'asset_type', 'name'],
  ),
  Asset: obj(
    {
      metadata: ref('PlatformAssetMetadata'),
      entity: map(),
      attachments: arr(ref('Attachment')),
      href: str({ description: 'Relative URL of the asset, with its container.' }),
    },
    ['metadata', 'entity'],
  ),
  AssetPatch: arr(
    {
      oneOf: [
        obj({ op: str({ enum: ['add', 'replace', 'test'] }), path: assetPatchPath, value: any() }, [
          'op',
          'path',
          'value',
        ]),
        obj({ op: str({ enum: ['remove'] }), path: assetPatchPath }, ['op', 'path']),
      ],
    },
    {
      minItems: 1,
      description:
        'RFC 6902 JSON Patch on the asset: /metadata/name, /metadata/description, /metadata/tags, ' +
        '/metadata/origin_country, /metadata/rov/mode and anything under /entity.',
    },
  ),
  AssetTypeList: obj(
    {
      resources: arr(
        obj({ name: str(), description: str(), asset_count: int({ minimum: 0 }) }, ['name'], {
          description: 'An asset type present in the container, with how many assets it has there.',
        }),
      ),
    },
    ['resources'],
  ),
  AssetSearchRequest: obj(
    {
      query: str({
        minLength: 1,
        maxLength: 2000,
        description:
          'Lucene-style query: `field:value` terms joined by AND / OR (AND binds tighter), NOT, ' +
          'parentheses, "quoted values" and `*` wildcards. Fields: asset.name, asset.description, ' +
          'asset.tags, asset.asset_type, asset.asset_id, asset.owner_id, asset.creator_id, ' +
          'asset.asset_state. `*:*` matches every asset. Text fields match case-insensitively.',
      }),
      limit: int({ minimum: 1, maximum: 200, default: 25 }),
      bookmark: str({ maxLength: 1000, pattern: '^[A-Za-z0-9_-]*$' }),
      include: str({ enum: ['entity', 'none'] }),
    },
    ['query'],
  ),
  AssetSearchResponse: obj(
    {
      total_rows: int({ minimum: 0 }),
      results: arr(ref('Asset')),
      next: obj({ query: str(), limit: int(), bookmark: str() }, ['bookmark'], {
        description: 'The request body that reads the next page; absent on the last page.',
      }),
    },
    ['total_rows', 'results'],
  ),
  AttachmentCreate: obj(
    {
      asset_type: str(TYPE_NAME),
      name: str({ maxLength: 255 }),
      description: str({ maxLength: 4000 }),
      mime: str({ maxLength: 255 }),
      data_partitions: int({ minimum: 1 }),
      is_partitioned: bool(),
      user_data: map(),
    },
    [],
  ),
  Attachment: obj(
    {
      attachment_id: str(),
      asset_type: str(),
      name: str(),
      description: str(),
      mime: str(),
      is_partitioned: bool(),
      data_partitions: int(),
      user_data: map(),
      size: int({ minimum: 0 }),
      transfer_complete: bool(),
      created_at: dateTime(),
      create_time: dateTime(),
      creator_id: str(),
      object_key: str(),
      url1: str({ description: 'Where to PUT the content (while the upload is not complete).' }),
      url: str({ description: 'Where to GET the content (once complete).' }),
      href: str(),
    },
    ['attachment_id', 'transfer_complete'],
  ),
  AttachmentUploaded: obj({ attachment_id: str(), size: int({ minimum: 0 }) }, ['attachment_id', 'size']),
  CatalogCreate: obj(
    {
      name: str({ minLength: 1, maxLength: 255 }),
      description: str({ maxLength: 4000 }),
      generator: str({ maxLength: 255 }),
      bss_account_id: str({ maxLength: 64 }),
      capacity_limit: int({ minimum: 0 }),
      is_governed: bool(),
      subtype: str({ maxLength: 64 }),
    },
    ['name'],
  ),
  Catalog: obj(
    {
      metadata: obj({ guid: str(), url: str(), creator_id: str(), create_time: dateTime() }, ['guid']),
      entity: obj({
        name: str(),
        description: str(),
        generator: str(),
        bss_account_id: str(),
        capacity_limit: int(),
        is_governed: bool(),
        subtype: str(),
      }),
      href: str(),
    },
    ['metadata', 'entity'],
  ),
  CatalogList: obj({ catalogs: arr(ref('Catalog')), nextBookmark: str() }, ['catalogs']),
  CatalogMember: obj(
    {
      user_iam_id: str(),
      role: str({ enum: ROLES }),
      create_time: dateTime(),
      href: str(),
    },
    ['user_iam_id', 'role'],
  ),
  CatalogMemberList: obj({ members: arr(ref('CatalogMember')), nextBookmark: str() }, ['members']),
  CatalogMembersCreate: obj(
    {
      members: arr(
        obj({ user_iam_id: str({ minLength: 1, maxLength: 128 }), role: str({ enum: ROLES }) }, [
          'user_iam_id',
          'role',
        ]),
        { minItems: 1, maxItems: 100 },
      ),
    },
    ['members'],
  ),
  CatalogMemberPatch: obj({ role: str({ enum: ROLES }) }, ['role']),
};

const binary = { type: 'string', format: 'binary' };
const json = (schema) => ({ schema });

export const operations = {
  'POST /v2/assets': {
    operationId: 'createAsset',
    parameters: containerOverrides,
    requestBody: json(ref('AssetCreate')),
    responses: { 201: ref('Asset') },
  },
  'GET /v2/assets/{asset_id}': {
    operationId: 'getAsset',
    parameters: containerOverrides,
    responses: { 200: ref('Asset') },
  },
  'PATCH /v2/assets/{asset_id}': {
    operationId: 'updateAsset',
    description: 'A failed `test` operation answers 409.',
    parameters: containerOverrides,
    requestBody: { schema: ref('AssetPatch'), jsonPatch: true },
    responses: { 200: ref('Asset') },
  },
  'DELETE /v2/assets/{asset_id}': {
    operationId: 'deleteAsset',
    description: 'Deletes the asset and its attachments.',
    parameters: containerOverrides,
  },
  'GET /v2/asset_types': {
    operationId: 'listAssetTypes',
    parameters: containerOverrides,
    responses: { 200: ref('AssetTypeList') },
  },
  'POST /v2/asset_types/{type_name}/search': {
    operationId: 'searchAssetType',
    description: 'The type `asset` searches assets of every type. Results come in creation order.',
    parameters: { ...containerOverrides, type_name: { schema: TYPE_NAME } },
    requestBody: json(ref('AssetSearchRequest')),
    responses: { 200: ref('AssetSearchResponse') },
  },
  'POST /v2/assets/{asset_id}/attachments': {
    operationId: 'createAttachment',
    description: 'Creates the attachment record; PUT the content to `url1`, then mark it complete.',
    parameters: containerOverrides,
    requestBody: json(ref('AttachmentCreate')),
    responses: { 201: ref('Attachment') },
  },
  'GET /v2/assets/{asset_id}/attachments/{attachment_id}': {
    operationId: 'getAttachment',
    parameters: containerOverrides,
    responses: { 200: ref('Attachment') },
  },
  'DELETE /v2/assets/{asset_id}/attachments/{attachment_id}': {
    operationId: 'deleteAttachment',
    parameters: containerOverrides,
  },
  'POST /v2/assets/{asset_id}/attachments/{attachment_id}/complete': {
    operationId: 'completeAttachment',
    description: 'Answers 409 when no content was uploaded yet.',
    parameters: containerOverrides,
    responses: { 200: ref('Attachment') },
  },
  'PUT /v2/assets/{asset_id}/attachments/{attachment_id}/content': {
    operationId: 'uploadAttachmentContent',
    description:
      'Streams the content (application/octet-stream) into blob storage; a second upload replaces the ' +
      'first until the attachment is complete (then 409). Content over the size limit answers 413.',
    parameters: containerOverrides,
    requestBody: { content: { 'application/octet-stream': binary } },
    responses: { 200: ref('AttachmentUploaded') },
  },
  'GET /v2/assets/{asset_id}/attachments/{attachment_id}/content': {
    operationId: 'downloadAttachmentContent',
    description: 'Streams the content of a complete attachment (409 before it is complete).',
    parameters: containerOverrides,
    responses: { 200: { content: { 'application/octet-stream': binary } } },
  },

  'POST /v2/catalogs': {
    operationId: 'createCatalog',
    description: 'The creator becomes the admin of the catalog. Catalog names are unique per account.',
    requestBody: json(ref('CatalogCreate')),
    responses: { 201: ref('Catalog') },
  },
  'GET /v2/catalogs': {
    operationId: 'listCatalogs',
    parameters: {
      limit: { schema: { minimum: 1, maximum: 100 } },
      bookmark: {
        schema: { maxLength: 1000, pattern: '^[A-Za-z0-9_-]+$' },
        description: 'The nextBookmark of the previous page.',
      },
    },
    responses: { 200: ref('CatalogList') },
  },
  'GET /v2/catalogs/{catalog_id}': {
    operationId: 'getCatalog',
    parameters: { catalog_id: { schema: ID } },
    responses: { 200: ref('Catalog') },
  },
  'DELETE /v2/catalogs/{catalog_id}': {
    operationId: 'deleteCatalog',
    description: 'Admins only; deletes the assets of the catalog too.',
    parameters: { catalog_id: { schema: ID } },
  },
  'GET /v2/catalogs/{catalog_id}/members': {
    operationId: 'listCatalogMembers',
    parameters: {
      catalog_id: { schema: ID },
      limit: { schema: { minimum: 1, maximum: 100 } },
      bookmark: {
        schema: { maxLength: 1000, pattern: '^[A-Za-z0-9_-]+$' },
        description: 'The nextBookmark of the previous page.',
      },
    },
    responses: { 200: ref('CatalogMemberList') },
  },
  'POST /v2/catalogs/{catalog_id}/members': {
    operationId: 'addCatalogMembers',
    parameters: { catalog_id: { schema: ID } },
    requestBody: json(ref('CatalogMembersCreate')),
    responses: { 201: ref('CatalogMemberList') },
  },
  'GET /v2/catalogs/{catalog_id}/members/{member_id}': {
    operationId: 'getCatalogMember',
    parameters: { catalog_id: { schema: ID }, member_id: { schema: { minLength: 1, maxLength: 128 } } },
    responses: { 200: ref('CatalogMember') },
  },
  'PATCH /v2/catalogs/{catalog_id}/members/{member_id}': {
    operationId: 'updateCatalogMember',
    description: 'The catalog keeps at least one admin (409 otherwise).',
    parameters: { catalog_id: { schema: ID }, member_id: { schema: { minLength: 1, maxLength: 128 } } },
    requestBody: json(ref('CatalogMemberPatch')),
    responses: { 200: ref('CatalogMember') },
  },
  'DELETE /v2/catalogs/{catalog_id}/members/{member_id}': {
    operationId: 'deleteCatalogMember',
    description: 'The catalog keeps at least one admin (409 otherwise).',
    parameters: { catalog_id: { schema: ID }, member_id: { schema: { minLength: 1, maxLength: 128 } } },
  },
};
