// Environments (/v2/environments...). Shapes follow the seed's examples.
import { ref, str, int, arr, obj, map, dateTime, pointerMap } from './common.mjs';

const version = { anyOf: [{ type: 'string' }, { type: 'number' }] };

export const schemas = {
  RuntimeAssetMetadata: obj(
    {
      name: str(),
      description: str(),
      asset_type: str(),
      asset_id: str(),
      project_id: str(),
      space_id: str(),
      owner_id: str(),
      created_at: dateTime(),
      updated_at: dateTime(),
      href: str(),
    },
    ['asset_id'],
    {
      description:
        'Metadata of an environment, hardware specification, software specification or package extension.',
    },
  ),
  SpecificationReference: obj(
    {
      guid: str({ minLength: 1 }),
      type: str({ description: 'e.g. referenced.' }),
      href: str(),
    },
    ['guid'],
  ),
  SupportedKernel: obj({ name: str(), language: str(), version, display_name: str() }, ['name']),
  ToolsSpecification: obj({ supported_kernels: arr(ref('SupportedKernel')) }, [], {
    additionalProperties: true,
  }),
  EnvironmentDetails: obj(
    {
      sub_type: str({ description: 'e.g. notebook.' }),
      display_name: str(),
      spec_type: str({ description: 'e.g. referenced.' }),
      hardware_specification: { anyOf: [ref('HardwareSpecification'), ref('SpecificationReference')] },
      software_specification: { anyOf: [ref('SoftwareSpecification'), ref('SpecificationReference')] },
      tools_specification: ref('ToolsSpecification'),
      runtime_definition: str(),
      runtime_idle_time: int(),
      environment_variables: map(),
      config_variables: map(),
      authorization_variables: map(),
      compute_specification: map(),
      location: map(),
      conda_yml: str(),
    },
    [],
  ),
  Environment: obj(
    {
      metadata: ref('RuntimeAssetMetadata'),
      entity: obj({ environment: ref('EnvironmentDetails') }, ['environment']),
    },
    ['metadata', 'entity'],
  ),
  EnvironmentList: obj({ total_results: int({ minimum: 0 }), resources: arr(ref('Environment')) }, [
    'resources',
  ]),
  EnvironmentCreate: obj(
    {
      type: str({ minLength: 1, description: 'e.g. notebook.' }),
      name: str({ minLength: 1 }),
      display_name: str({ minLength: 1 }),
      description: str(),
      hardware_specification: ref('SpecificationReference'),
      software_specification: ref('SpecificationReference'),
      tools_specification: ref('ToolsSpecification'),
      runtime_definition: str(),
      runtime_idle_time: int(),
      environment_variables: map(),
      authorization_variables: map(),
      compute_specification: map(),
      location: map(),
    },
    ['type', 'name', 'display_name', 'hardware_specification'],
  ),
  EnvironmentUpdate: pointerMap({
    '/metadata/name': str(),
    '/metadata/description': str(),
    '/entity/environment/display_name': str(),
    '/entity/environment/hardware_specification': ref('SpecificationReference'),
    '/entity/environment/software_specification': ref('SpecificationReference'),
    '/entity/environment/environment_variables': map(),
    '/entity/environment/config_variables': map(),
    '/entity/environment/tools_specification': ref('ToolsSpecification'),
  }),
};

export const operations = {
  'GET /v2/environments': { operationId: 'listEnvironments', responses: { 200: ref('EnvironmentList') } },
  'POST /v2/environments': {
    operationId: 'createEnvironment',
    requestBody: { schema: ref('EnvironmentCreate') },
    responses: { 201: ref('Environment') },
  },
  'GET /v2/environments/{environment_guid}': {
    operationId: 'getEnvironment',
    responses: { 200: ref('Environment') },
    // An id that is neither a default environment nor one of the project's or space's.
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'DELETE /v2/environments/{environment_guid}': {
    operationId: 'deleteEnvironment',
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'PATCH /v2/environments/{environment_guid}': {
    operationId: 'updateEnvironment',
    requestBody: { schema: ref('EnvironmentUpdate') },
    responses: { 200: ref('Environment') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
};
