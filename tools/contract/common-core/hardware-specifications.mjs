// Hardware specifications (/v2/hardware_specifications...). Shapes follow the seed's examples.
import { ref, str, int, arr, obj, pointerMap } from './common.mjs';

const cpuMem = () => obj({ cpu: ref('HardwareCpu'), mem: ref('HardwareMemory') });

export const schemas = {
  // Kubernetes quantities: CPU in cores or millicores, memory in bytes with a binary or decimal suffix.
  HardwareCpu: obj({
    units: str({ description: 'e.g. 100m, 2.', pattern: '^(?=.*[1-9])[0-9]+(\\.[0-9]+)?m?$' }),
    model: str(),
  }),
  HardwareMemory: obj({
    size: str({ description: 'e.g. 8Gi.', pattern: '^(?=.*[1-9])[0-9]+(\\.[0-9]+)?([KMGTP]i?)?$' }),
  }),
  HardwareGpu: obj({ num_gpu: int({ minimum: 0 }), name: str(), gpu_profile: str(), mig_profile: str() }),
  HardwareNodes: obj({
    cpu: ref('HardwareCpu'),
    mem: ref('HardwareMemory'),
    gpu: ref('HardwareGpu'),
    node_selector: arr(obj({ label_name: str(), label_value: str() })),
    num_nodes: int({ minimum: 0 }),
    num_drivers: int({ minimum: 0 }),
    drivers: cpuMem(),
    worker_pool: obj({ id: int(), provider: str() }),
  }),
  HardwareSpark: obj({
    num_drivers: int({ minimum: 0 }),
    num_executors: int({ minimum: 0 }),
    driver: cpuMem(),
    executor: cpuMem(),
  }),
  HardwareDatastage: obj({
    num_conductors: int({ minimum: 0 }),
    num_computes: int({ minimum: 0 }),
    conductor: cpuMem(),
    compute: cpuMem(),
    instance: str(),
  }),
  HardwareSpecificationDetails: obj({
    nodes: ref('HardwareNodes'),
    spark: ref('HardwareSpark'),
    datastage: ref('HardwareDatastage'),
  }),
  HardwareSpecification: obj(
    {
      metadata: ref('RuntimeAssetMetadata'),
      entity: obj({ hardware_specification: ref('HardwareSpecificationDetails') }, [
        'hardware_specification',
      ]),
    },
    ['metadata', 'entity'],
  ),
  HardwareSpecificationList: obj(
    { total_results: int({ minimum: 0 }), resources: arr(ref('HardwareSpecification')) },
    ['resources'],
  ),
  HardwareSpecificationCreate: obj(
    {
      name: str({ minLength: 1 }),
      description: str(),
      nodes: ref('HardwareNodes'),
      spark: ref('HardwareSpark'),
      datastage: ref('HardwareDatastage'),
    },
    ['name'],
    {
      description: 'Exactly one of nodes, spark and datastage.',
      oneOf: [{ required: ['nodes'] }, { required: ['spark'] }, { required: ['datastage'] }],
    },
  ),
  // The keys of the seed's three PATCH examples (nodes, Spark, DataStage); any other pointer under
  // /entity/hardware_specification/ is accepted as well.
  HardwareSpecificationUpdate: pointerMap({
    '/metadata/name': str(),
    '/metadata/description': str(),
    ...Object.fromEntries(
      [
        ['nodes/cpu/units', str()],
        ['nodes/cpu/model', str()],
        ['nodes/mem/size', str()],
        ['nodes/gpu/num_gpu', int({ minimum: 0 })],
        ['nodes/gpu/name', str()],
        ['nodes/num_nodes', int({ minimum: 0 })],
        ['nodes/worker_pool/id', int()],
        ['nodes/worker_pool/provider', str()],
        ['spark/num_drivers', int({ minimum: 0 })],
        ['spark/num_executors', int({ minimum: 0 })],
        ...['driver', 'executor'].flatMap((p) => [
          [`spark/${p}/cpu/units`, str()],
          [`spark/${p}/cpu/model`, str()],
          [`spark/${p}/mem/size`, str()],
        ]),
        ['datastage/num_conductors', int({ minimum: 0 })],
        ['datastage/num_computes', int({ minimum: 0 })],
        ...['conductor', 'compute'].flatMap((p) => [
          [`datastage/${p}/cpu/units`, str()],
          [`datastage/${p}/cpu/model`, str()],
          [`datastage/${p}/mem/size`, str()],
        ]),
        ['datastage/instance', str()],
      ].map(([key, schema]) => [`/entity/hardware_specification/${key}`, schema]),
    ),
  }),
};

export const operations = {
  'GET /v2/hardware_specifications': {
    operationId: 'listHardwareSpecifications',
    responses: { 200: ref('HardwareSpecificationList') },
  },
  'POST /v2/hardware_specifications': {
    operationId: 'createHardwareSpecification',
    requestBody: { schema: ref('HardwareSpecificationCreate') },
    responses: { 201: ref('HardwareSpecification') },
  },
  'GET /v2/hardware_specifications/{hardware_specification_guid}': {
    operationId: 'getHardwareSpecification',
    responses: { 200: ref('HardwareSpecification') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
  'DELETE /v2/hardware_specifications/{hardware_specification_guid}': {
    operationId: 'deleteHardwareSpecification',
    // 409: an environment of the project or space still uses it.
    extraResponses: [
      { status: 404, meaning: 'not found' },
      { status: 409, meaning: 'still in use' },
    ],
  },
  'PATCH /v2/hardware_specifications/{hardware_specification_guid}': {
    operationId: 'updateHardwareSpecification',
    requestBody: { schema: ref('HardwareSpecificationUpdate') },
    responses: { 200: ref('HardwareSpecification') },
    extraResponses: [{ status: 404, meaning: 'not found' }],
  },
};
