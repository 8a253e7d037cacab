// Datasource types (/v2/datasource_types...). Same service as connections.
import { ref, str, bool, int, arr, obj, map, any } from './common.mjs';

const PropertyDefinition = obj(
  {
    name: str(),
    type: str(),
    label: str(),
    description: str(),
    placeholder: str(),
    required: bool(),
    masked: bool(),
    multiline: bool(),
    hidden: bool(),
    default_value: any(),
    values: arr(
      obj({
        value: any(),
        label: str(),
        supported_environments: arr(str()),
        supported_products: arr(str()),
      }),
    ),
    group: str(),
  },
  ['name'],
);

const typeFields = () => ({
  name: str(),
  label: str(),
  description: str(),
  type: str({ description: 'e.g. database, file.' }),
  base_datasource_type: str(),
  allowed_as_source: bool(),
  allowed_as_target: bool(),
  allowed_for_discovery_only: bool(),
  allowed_as_source_lookup: bool(),
  data_shape: str(),
  auto_discovery: bool(),
  secure_gateway: str(),
  fips_compliance: str(),
  tags: arr(str()),
  supported_environments: arr(str()),
  supported_plans: arr(str()),
  supported_products: arr(str()),
  status: str({ description: 'e.g. active.' }),
  extensible: bool(),
  origin_country: str(),
  owner_id: str(),
  rov: ref('AssetRov'),
  properties: map(),
  property_definitions: arr(ref('DatasourceTypePropertyDefinition')),
  source_system: map(),
  connection_properties: arr(ref('InteractionProperty')),
  interaction_properties: ref('InteractionProperties'),
  discovery: map(),
  actions: arr(map()),
  data_source_definition_id: str(),
});

export const schemas = {
  DatasourceTypePropertyDefinition: PropertyDefinition,
  DatasourceTypeEntity: obj(typeFields(), ['name']),
  DatasourceType: obj({ metadata: ref('AssetMetadata'), entity: ref('DatasourceTypeEntity') }, [
    'metadata',
    'entity',
  ]),
  DatasourceTypeList: obj(
    {
      resources: arr(ref('DatasourceType')),
      first: ref('HrefLink'),
      prev: ref('HrefLink'),
      next: ref('HrefLink'),
      last: ref('HrefLink'),
      offset: int({ minimum: 0 }),
      total_count: int({ minimum: 0 }),
    },
    ['resources'],
  ),
  DatasourceTypeCreate: obj(
    {
      base_datasource_type: str(),
      name: str({ minLength: 1 }),
      label: str(),
      description: str(),
      allowed_as_source: bool(),
      allowed_as_target: bool(),
      status: str(),
      origin_country: str(),
      owner_id: str(),
      rov: ref('AssetRov'),
      properties: map(),
      property_definitions: arr(ref('DatasourceTypePropertyDefinition')),
      source_system: map(),
    },
    [],
    { description: 'A custom datasource type. The seed does not say which fields are required.' },
  ),
  DatasourceTypeCreated: obj({ datasource_types: arr(ref('DatasourceType')) }, ['datasource_types']),
};

export const operations = {
  'GET /v2/datasource_types': { responses: { 200: ref('DatasourceTypeList') } },
  'POST /v2/datasource_types': {
    operationId: 'createDatasourceType',
    requestBody: { schema: ref('DatasourceTypeCreate') },
    responses: { 201: ref('DatasourceTypeCreated') },
  },
  'GET /v2/datasource_types/{datasource_type}': { responses: { 200: ref('DatasourceType') } },
  'DELETE /v2/datasource_types/{datasource_type}': { operationId: 'deleteDatasourceType' },
  'PATCH /v2/datasource_types/{datasource_type}': {
    operationId: 'updateDatasourceType',
    requestBody: { schema: ref('JsonPatch'), jsonPatch: true },
    // the seed's example is the updated entity, without metadata
    responses: { 200: ref('DatasourceTypeEntity') },
  },
};
