// Software specifications (/v2/software_specifications...). Shapes follow the seed's examples.
import { ref, str, int, bool, arr, obj, pointerMap } from './common.mjs';

const version = { anyOf: [{ type: 'string' }, { type: 'number' }] };
const nameVersion = () => obj({ name: str(), version }, [], { additionalProperties: true });

export const schemas = {
  SoftwareConfiguration: obj({
    included_packages: arr(nameVersion()),
    platform: nameVersion(),
    language: nameVersion(),
  }),
  SoftwareSpecificationDetails: obj({
    type: str({ description: 'e.g. base, derived.' }),
    display_name: str(),
    built_in: bool(),
    base_software_specification: ref('SpecificationReference'),
    package_extensions: arr({ anyOf: [ref('PackageExtension'), ref('SpecificationReference')] }),
    software_configuration: ref('SoftwareConfiguration'),
  }),
  SoftwareSpecification: obj(
    {
      metadata: ref('RuntimeAssetMetadata'),
      entity: obj({ software_specification: ref('SoftwareSpecificationDetails') }, [
        'software_specification',
      ]),
    },
    ['metadata', 'entity'],
  ),
  SoftwareSpecificationList: obj(
    { total_results: int({ minimum: 0 }), resources: arr(ref('SoftwareSpecification')) },
    ['resources'],
  ),
  SoftwareSpecificationCreate: obj(
    {
      name: str({ minLength: 1 }),
      description: str(),
      package_extensions: arr(ref('SpecificationReference')),
      base_software_specification: ref('SpecificationReference'),
    },
    ['name', 'base_software_specification'],
  ),
  SoftwareSpecificationUpdate: pointerMap({
    '/metadata/name': str(),
    '/metadata/description': str(),
    '/entity/software_specification/display_name': str(),
    '/entity/software_specification/package_extensions': arr(ref('SpecificationReference')),
  }),
};

export const operations = {
  'GET /v2/software_specifications': {
    operationId: 'listSoftwareSpecifications',
    responses: { 200: ref('SoftwareSpecificationList') },
  },
  'POST /v2/software_specifications': {
    operationId: 'createSoftwareSpecification',
    requestBody: { schema: ref('SoftwareSpecificationCreate') },
    responses: { 201: ref('SoftwareSpecification') },
  },
  'PATCH /v2/software_specifications/{software_specification_guid}': {
    operationId: 'updateSoftwareSpecification',
    requestBody: { schema: ref('SoftwareSpecificationUpdate') },
    responses: { 200: ref('SoftwareSpecification') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'GET /v2/software_specifications/{software_specification_guid}': {
    operationId: 'getSoftwareSpecification',
    responses: { 200: ref('SoftwareSpecification') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'DELETE /v2/software_specifications/{software_specification_guid}': {
    operationId: 'deleteSoftwareSpecification',
    // 409: an environment of the project or space still uses it.
    extraResponses: [
      { status: 404, meaning: 'not found' },
      { status: 409, meaning: 'still in use' },
    ],
  },
  'PUT /v2/software_specifications/{software_specification_guid}/package_extensions/{package_extension_guid}':
    {
      operationId: 'addSoftwareSpecificationPackageExtension',
      responses: { 200: ref('SoftwareSpecification') },
      extraResponses: [{ status: 404, meaning: 'not found' }],
    },
  'DELETE /v2/software_specifications/{software_specification_guid}/package_extensions/{package_extension_guid}':
    {
      operationId: 'removeSoftwareSpecificationPackageExtension',
      extraResponses: [{ status: 404, meaning: 'not found' }],
    },
};
