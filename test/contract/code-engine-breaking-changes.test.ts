// Each breaking change of the Code Engine SDK 6.0.2 README (the seed) is
// visible in the contract: one test per item of its change list.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const spec = JSON.parse(
  readFileSync(new URL('../../spec/code-engine-v2.openapi.json', import.meta.url), 'utf8'),
);
const schemas: Record<string, Record<string, any>> = spec.components.schemas;
const ops: Record<string, any> = {};
for (const [path, item] of Object.entries<Record<string, any>>(spec.paths))
  for (const [method, o] of Object.entries<any>(item)) ops[o.operationId] = { ...o, method, path };

const AOD = 'AllowedOutboundDestination';
const CIDR_PROTO = `${AOD}PrototypeCidrBlockDataPrototype`;
const PPSG_PROTO = `${AOD}PrototypePrivatePathServiceGatewayDataPrototype`;
const CIDR_PATCH = `${AOD}PatchCidrBlockDataPatch`;
const PPSG_PATCH = `${AOD}PatchPrivatePathServiceGatewayDataPatch`;
const CIDR_DATA = `${AOD}CidrBlockData`;
const PPSG_DATA = `${AOD}PrivatePathServiceGatewayData`;
const PPSG_STATUS = 'AllowedOutboundStatusDetailsPrivatePathServiceGatewayStatusDetails';
const refs = (list: { $ref: string }[]) => list.map((r) => r.$ref.replace('#/components/schemas/', ''));
const required = (name: string) => schemas[name].required ?? [];

describe('Code Engine SDK 6.0.2 breaking changes in the contract', () => {
  it('pluralizes the list operations and their pagers', () => {
    const aod = ops.listAllowedOutboundDestinations;
    expect(aod.path).toBe('/projects/{project_id}/allowed_outbound_destinations');
    expect(aod['x-pager'].class).toBe('AllowedOutboundDestinationsPager');
    expect(aod['x-pager'].itemsField).toBe('allowed_outbound_destinations');
    expect(aod['x-renamed-from']).toEqual({
      operationId: 'listAllowedOutboundDestination',
      pager: 'AllowedOutboundDestinationPager',
    });
    const pds = ops.listPersistentDataStores;
    expect(pds.path).toBe('/projects/{project_id}/persistent_data_stores');
    expect(pds['x-pager'].class).toBe('PersistentDataStoresPager');
    expect(pds['x-pager'].itemsField).toBe('persistent_data_stores');
    expect(pds['x-renamed-from']).toEqual({
      operationId: 'listPersistentDataStore',
      pager: 'PersistentDataStorePager',
    });
    expect(ops.listAllowedOutboundDestination).toBeUndefined();
    expect(ops.listPersistentDataStore).toBeUndefined();
    const pagers = Object.values(ops)
      .map((o) => o['x-pager']?.class)
      .filter(Boolean);
    expect(pagers).not.toContain('AllowedOutboundDestinationPager');
    expect(pagers).not.toContain('PersistentDataStorePager');
  });

  it('adds the private_path_service_gateway type beside cidr_block, as abstract bases with variants', () => {
    expect(refs(schemas[AOD].oneOf)).toEqual([CIDR_DATA, PPSG_DATA]);
    expect(refs(schemas[`${AOD}Prototype`].oneOf)).toEqual([CIDR_PROTO, PPSG_PROTO]);
    expect(refs(schemas[`${AOD}Patch`].anyOf)).toEqual([CIDR_PATCH, PPSG_PATCH]);
    expect(schemas[CIDR_DATA].properties.type).toEqual({ type: 'string', const: 'cidr_block' });
    expect(schemas[PPSG_DATA].properties.type).toEqual({
      type: 'string',
      const: 'private_path_service_gateway',
    });
    expect(schemas[CIDR_PROTO].properties.type.const).toBe('cidr_block');
    expect(schemas[PPSG_PROTO].properties.type.const).toBe('private_path_service_gateway');
    expect(required(PPSG_PROTO)).toEqual(expect.arrayContaining(['private_path_service_gateway_crn']));
    expect(required(PPSG_DATA)).toEqual(
      expect.arrayContaining(['isolation_policy', 'private_path_service_gateway_crn']),
    );
    expect(ops.createAllowedOutboundDestination.requestBody.content['application/json'].schema.$ref).toBe(
      `#/components/schemas/${AOD}Prototype`,
    );
    expect(
      ops.updateAllowedOutboundDestination.requestBody.content['application/merge-patch+json'].schema.$ref,
    ).toBe(`#/components/schemas/${AOD}Patch`);
  });

  it('has the status detail models of Private Path destinations', () => {
    expect(schemas.AllowedOutboundStatusDetails.type).toBe('object');
    expect(Object.keys(schemas[PPSG_STATUS].properties).sort()).toEqual([
      'endpoint_gateway',
      'private_path_service_gateway',
      'reason',
    ]);
    expect(schemas[PPSG_STATUS].properties.reason.enum).toHaveLength(11);
    expect(schemas[PPSG_STATUS].properties.endpoint_gateway.$ref).toBe(
      '#/components/schemas/EndpointGatewayDetails',
    );
    expect(Object.keys(schemas.EndpointGatewayDetails.properties).sort()).toEqual([
      'account_id',
      'created_at',
      'ips',
      'name',
    ]);
    expect(Object.keys(schemas.PrivatePathServiceGatewayDetails.properties).sort()).toEqual([
      'id',
      'name',
      'service_endpoints',
    ]);
    expect(schemas[PPSG_DATA].properties.status_details.$ref).toBe(`#/components/schemas/${PPSG_STATUS}`);
    expect(schemas[CIDR_DATA].properties.status_details.$ref).toBe(
      '#/components/schemas/AllowedOutboundStatusDetails',
    );
  });

  it('requires name on outbound destination prototypes, with the CIDR order type, name, cidr_block', () => {
    expect(required(`${AOD}Prototype`)).toEqual([]); // a oneOf: each variant carries the rule
    for (const p of [CIDR_PROTO, PPSG_PROTO])
      expect(required(p)).toEqual(expect.arrayContaining(['name', 'type']));
    expect(Object.keys(schemas[CIDR_PROTO].properties)).toEqual(['type', 'name', 'cidr_block']);
  });

  it('has patch models without type', () => {
    expect(schemas[`${AOD}Patch`].properties).toBeUndefined();
    expect(Object.keys(schemas[CIDR_PATCH].properties)).toEqual(['cidr_block']);
    expect(Object.keys(schemas[PPSG_PATCH].properties)).toEqual(['isolation_policy']);
    for (const p of [CIDR_PATCH, PPSG_PATCH]) {
      expect(schemas[p].additionalProperties).toBe(false);
      expect(required(p)).toEqual([]);
    }
  });

  it('loosens the outbound destination response: entity_tag and name optional, status fields added', () => {
    for (const s of [CIDR_DATA, PPSG_DATA]) {
      expect(required(s)).not.toContain('entity_tag');
      expect(required(s)).not.toContain('name');
      expect(schemas[s].properties).toHaveProperty('name');
      expect(schemas[s].properties).toHaveProperty('status');
      expect(schemas[s].properties).toHaveProperty('status_details');
    }
    expect(required(CIDR_DATA)).toEqual(expect.arrayContaining(['type', 'cidr_block']));
  });

  it('requires Probe.type and Secret.format', () => {
    expect(required('Probe')).toContain('type');
    expect(schemas.Probe.properties.type.enum).toEqual(['tcp', 'http']);
    expect(required('Secret')).toContain('format');
    expect(schemas.Secret.properties.format.enum).toHaveLength(9);
  });

  it('requires the newly required response fields', () => {
    const newlyRequired: Record<string, string[]> = {
      App: ['computed_env_variables', 'run_service_account', 'run_volume_mounts'],
      AppRevision: ['computed_env_variables', 'run_service_account', 'run_volume_mounts'],
      Build: ['run_build_params'],
      BuildRun: ['run_build_params', 'service_account', 'source_type', 'strategy_size', 'strategy_type'],
      Function: ['computed_env_variables'],
      FunctionRuntimeList: ['function_runtimes'],
      Job: ['computed_env_variables', 'run_service_account', 'run_volume_mounts'],
      JobRun: ['computed_env_variables'],
    };
    for (const [model, fields] of Object.entries(newlyRequired))
      for (const f of fields) expect(required(model), `${model}.${f}`).toContain(f);
  });

  it('has no name on run_volume_mounts entries', () => {
    for (const m of ['VolumeMount', 'VolumeMountPrototype']) {
      expect(schemas[m].properties).not.toHaveProperty('name');
      expect(required(m)).toEqual(['mount_path', 'reference', 'type']);
      expect(schemas[m].properties.type.enum).toEqual(['config_map', 'persistent_data_store', 'secret']);
    }
    expect(schemas.VolumeMountPrototype.additionalProperties).toBe(false);
    for (const body of ['AppPrototype', 'AppPatch', 'JobPrototype', 'JobPatch', 'JobRunPrototype'])
      expect(schemas[body].properties.run_volume_mounts.items.$ref).toBe(
        '#/components/schemas/VolumeMountPrototype',
      );
    for (const model of ['App', 'AppRevision', 'Job', 'JobRun'])
      expect(schemas[model].properties.run_volume_mounts.items.$ref).toBe('#/components/schemas/VolumeMount');
  });

  it('has the new status, isolation policy and bucket location values', () => {
    for (const s of [CIDR_DATA, PPSG_DATA])
      expect(schemas[s].properties.status.enum).toEqual(['ready', 'failed', 'deploying']);
    for (const s of [PPSG_PROTO, PPSG_DATA])
      expect(schemas[s].properties.isolation_policy.enum).toEqual(['shared', 'dedicated']);
    // In the merge patch, null removes the policy (back to shared).
    expect(schemas[PPSG_PATCH].properties.isolation_policy.enum).toEqual(['shared', 'dedicated', null]);
    expect(schemas[PPSG_PROTO].properties.isolation_policy.default).toBe('shared');
    const locations = schemas.StorageDataObjectStorageData.properties.bucket_location.enum;
    expect(locations).toHaveLength(21);
    expect(locations).toEqual(
      expect.arrayContaining(['eu-de', 'ca-mon', 'eu-es', 'ap', 'eu', 'us', 'ams03', 'sng01']),
    );
    expect(schemas.PersistentDataStore.properties.data.$ref).toBe(
      '#/components/schemas/StorageDataObjectStorageData',
    );
  });

  it('moves the upper bound of the version parameter to the 6.0.2 date', () => {
    const version = ops.listApps.parameters.find((p: { name: string }) => p.name === 'version');
    expect(version['x-version-range']).toEqual({ min: '2021-03-31', max: '2026-05-14' });
    expect(new RegExp(version.schema.pattern, 'u').test('2026-05-14')).toBe(true);
    expect(new RegExp(version.schema.pattern, 'u').test('2026-05-15')).toBe(false);
  });
});
