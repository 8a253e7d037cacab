// Connections (/v2/connections...): connections, asset discovery, actions and
// connection files. Shapes follow the seed's examples; the 2021 Watson Data API
// confirms the field names of the connection entity.
import { ref, str, bool, int, arr, obj, map, dateTime, any } from './common.mjs';

const octet = null; // media type without a schema (binary payload)

export const schemas = {
  AssetUsage: obj({
    last_access_time: dateTime(),
    last_accessor_id: str(),
    access_count: int({ minimum: 0 }),
  }),
  AssetRov: obj(
    {
      mode: int({ description: 'Rules of visibility mode, e.g. 0.' }),
      collaborator_ids: map(),
      member_roles: {
        type: 'object',
        description: 'Keyed by IAM id.',
        additionalProperties: obj({ user_iam_id: str(), roles: arr(str()) }),
      },
    },
    [],
  ),
  InteractionProperty: obj(
    {
      name: str(),
      type: str(),
      label: str(),
      description: str(),
      descriptionHasLink: bool(),
      placeholder: str(),
      required: bool(),
      masked: bool(),
      hidden: bool(),
      readonly: bool(),
      uiOnly: bool(),
      multiline: bool(),
      multichoice: bool(),
      default_value: any(),
      displayGroup: str(),
      displayOrdinal: int(),
      group: str(),
      values: arr(map()),
      supported_products: arr(str()),
      supported_environments: arr(str()),
      user_defined: bool(),
      user_defined_for_external: bool(),
    },
    ['name'],
    { description: 'Definition of one connection or interaction property.' },
  ),
  InteractionProperties: obj({
    source: arr(ref('InteractionProperty')),
    target: arr(ref('InteractionProperty')),
  }),
  ConnectionLocation: obj({
    physical_location_code: str(),
    sovereign_location_code: str(),
  }),
  ConnectionEntity: obj(
    {
      datasource_type: str({ description: 'Asset id or name of the datasource type.' }),
      name: str(),
      description: str(),
      properties: map({ description: 'Connection properties; values are mostly strings.' }),
      flags: arr(str({ description: 'e.g. personal_credentials.' })),
      gateway_id: str(),
      origin_country: str(),
      owner_id: str(),
      rov: ref('AssetRov'),
      interaction_properties: ref('InteractionProperties'),
      source_system: map(),
      child_source_systems: arr(map()),
      asset_category: str({ enum: ['user', 'system', 'USER', 'SYSTEM'] }),
      tags: arr(str()),
      location_definition: ref('ConnectionLocation'),
      ref_asset_id: str(),
      ref_catalog_id: str(),
      data_source_definition_searchable: str(),
      data_source_definition_asset_id: str(),
      derived_properties: obj(
        {
          data_source_definition_id: str(),
          data_source_identity_properties: arr(obj({ name: str(), value: any() })),
          data_source_identity_mapping: map(),
        },
        [],
        { additionalProperties: true },
      ),
    },
    ['datasource_type', 'name'],
  ),
  AssetMetadata: obj(
    {
      asset_id: str(),
      asset_type: str(),
      asset_category: str(),
      catalog_id: str(),
      project_id: str(),
      space_id: str(),
      create_time: dateTime(),
      creator_id: str(),
      owner_id: str(),
      resource_key: str(),
      source_system: map(),
      usage: ref('AssetUsage'),
    },
    [],
    {
      description:
        'Catalog asset metadata of a connection or datasource type (no asset_id when the connection was not persisted: persist=false).',
    },
  ),
  Connection: obj({ metadata: ref('AssetMetadata'), entity: ref('ConnectionEntity') }, [
    'metadata',
    'entity',
  ]),
  ConnectionList: obj(
    {
      resources: arr(ref('Connection')),
      first: ref('HrefLink'),
      prev: ref('HrefLink'),
      next: ref('HrefLink'),
      last: ref('HrefLink'),
      total_count: int({ minimum: 0 }),
    },
    ['resources'],
  ),
  ConnectionCreate: obj(
    {
      datasource_type: str({ minLength: 1 }),
      name: str({ minLength: 1 }),
      properties: map(),
      description: str(),
      gateway_id: str(),
      flags: arr(str()),
      origin_country: str(),
      owner_id: str(),
      rov: ref('AssetRov'),
      interaction_properties: ref('InteractionProperties'),
      source_system: map(),
      asset_category: str({ enum: ['user', 'system'] }),
      child_source_systems: arr(map()),
      tags: arr(str()),
      location_definition: ref('ConnectionLocation'),
      ref_asset_id: str(),
      ref_catalog_id: str(),
      data_source_definition_asset_id: str(),
    },
    ['datasource_type', 'name', 'properties'],
  ),
  DiscoveredAssetCollection: obj(
    {
      path: str(),
      asset_types: arr(obj({ type: str(), dataset: bool(), dataset_container: bool() })),
      assets: arr(
        obj(
          {
            id: str(),
            type: str(),
            name: str(),
            description: str(),
            path: str(),
            has_children: bool(),
            details: map(),
          },
          [],
        ),
      ),
      fields: arr(
        obj({
          name: str(),
          type: map({ description: 'Column type: type, length, scale, nullable, signed, ...' }),
          columnProperties: map(),
          description: str(),
        }),
      ),
      details: map(),
      interaction_properties: ref('InteractionProperties'),
      connection_properties: map(),
      datasource_type: map(),
      data: arr(any()),
      logs: arr(any()),
      first: ref('HrefLink'),
      prev: ref('HrefLink'),
      next: ref('HrefLink'),
      last: ref('HrefLink'),
      offset: int({ minimum: 0 }),
      total_count: int({ minimum: 0 }),
    },
    [],
    { description: 'Assets (or the fields and data of one asset) found at a path of a data source.' },
  ),
  ConnectionActionList: obj(
    {
      actions: arr(obj({ name: str(), description: str(), properties: map() }, ['name'])),
    },
    ['actions'],
    { description: 'Actions a connection supports. The seed gives no example of this body.' },
  ),
  ConnectionActionConfiguration: map({ description: 'Input of the action; keys depend on the action.' }),
  ConnectionActionResponse: map({ description: 'Result of the action; keys depend on the action.' }),
  ConnectionFile: obj({
    fileName: str(),
    url: str(),
    hash: str(),
    digest: str({ description: 'Hex SHA-256 of the content.' }),
    createdAt: dateTime(),
    size: int({ minimum: 0 }),
  }),
  ConnectionFileList: obj(
    {
      resources: arr(ref('ConnectionFile')),
      offset: int({ minimum: 0 }),
      total_count: int({ minimum: 0 }),
    },
    ['resources'],
  ),
  ConnectionFileMigration: map({
    description: 'Files migrated (or to migrate). The seed gives no example of this body.',
  }),
};

const discovery = {
  content: { 'application/json': ref('DiscoveredAssetCollection'), 'application/octet-stream': octet },
};

export const operations = {
  'GET /v2/connections': {
    responses: { 200: ref('ConnectionList') },
    // The seed's filter list names metadata.creator_id; the reference (and cpdctl) metadata.creator.
    extraParameters: [
      { in: 'query', name: 'metadata.creator_id', type: 'string', required: false, source: 'seed' },
    ],
    parameters: {
      'metadata.creator_id': {
        description:
          "Only connections created by this user (IAM id), as the seed's filter list writes it; the same filter as metadata.creator, and both may be given.",
      },
    },
  },
  'POST /v2/connections': {
    requestBody: { schema: ref('ConnectionCreate') },
    responses: { 201: ref('Connection') },
  },
  'GET /v2/connections/{connection_id}': { responses: { 200: ref('Connection') } },
  'DELETE /v2/connections/{connection_id}': {},
  'PATCH /v2/connections/{connection_id}': {
    requestBody: { schema: ref('JsonPatch'), jsonPatch: true },
    // the seed's example is the updated entity, without metadata
    responses: { 200: ref('ConnectionEntity') },
  },
  'POST /v2/connections/assets': {
    requestBody: { schema: ref('ConnectionCreate') },
    responses: { 200: discovery },
  },
  'GET /v2/connections/{connection_id}/assets': { responses: { 200: discovery } },
  'GET /v2/connections/assets/{data_asset_id}': {
    operationId: 'discoverDataAsset',
    responses: { 200: discovery },
  },
  'GET /v2/connections/{connection_id}/actions': { responses: { 200: ref('ConnectionActionList') } },
  'PUT /v2/connections/{connection_id}/actions/{action_name}': {
    requestBody: { schema: ref('ConnectionActionConfiguration') },
    responses: { 200: ref('ConnectionActionResponse') },
  },
  'GET /v2/connections/files/{file_name}': {
    operationId: 'downloadConnectionFile',
    responses: { 200: { content: { 'application/octet-stream': octet } } },
  },
  'POST /v2/connections/files/{file_name}': {
    operationId: 'uploadConnectionFile',
    requestBody: { content: { 'application/octet-stream': octet } },
    responses: { 200: ref('ConnectionFile') },
  },
  'DELETE /v2/connections/files/{file_name}': { operationId: 'deleteConnectionFile' },
  'GET /v2/connections/files': {
    operationId: 'listConnectionFiles',
    responses: { 200: ref('ConnectionFileList') },
  },
  'PUT /v2/connections/files': {
    operationId: 'migrateConnectionFiles',
    responses: { 200: ref('ConnectionFileMigration') },
  },
};
