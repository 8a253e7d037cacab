// Jobs (/v2/jobs...). Shapes follow the seed's examples.
import { ref, str, bool, int, num, arr, obj, map, any, dateTime, jsonPatch } from './common.mjs';

export const schemas = {
  JobConfiguration: obj(
    {
      env_id: str(),
      env_type: str(),
      env_variables: arr(str({ description: 'KEY=value' })),
      version: str(),
      deployment_job_definition_id: str(),
    },
    [],
    { additionalProperties: true },
  ),
  JobParameter: obj({ name: str(), value: any() }, ['name']),
  JobParameterSet: obj(
    {
      name: str(),
      ref: str(),
      value_set: str(),
      values: arr(ref('JobParameter')),
      values_from: map(),
    },
    ['name'],
  ),
  JobScheduleInfo: obj({
    startOn: int({ description: 'Epoch milliseconds.' }),
    endOn: int({ description: 'Epoch milliseconds.' }),
    repeat: bool(),
  }),
  JobRetentionPolicy: obj({ days: int(), amount: int() }),
  JobNotificationTypes: obj({ success: bool(), warning: bool(), failure: bool() }),
  JobDefinition: obj(
    {
      asset_ref: str(),
      asset_ref_type: str({ description: 'e.g. data_flow.' }),
      configuration: ref('JobConfiguration'),
      schedule: str({ description: 'Cron expression.' }),
      schedule_info: ref('JobScheduleInfo'),
      schedule_id: str(),
      schedule_creator_id: str(),
      retention_policy: ref('JobRetentionPolicy'),
      notification_types: ref('JobNotificationTypes'),
      enable_notifications: bool(),
      serving_name: str(),
      project_name: str(),
      space_name: str(),
      future_scheduled_runs: arr(str()),
      last_run_initiator: str(),
      last_run_time: str(),
      last_run_status: str(),
      last_run_status_timestamp: num(),
      job_parameters: arr(ref('JobParameter')),
      parameter_sets: arr(ref('JobParameterSet')),
    },
    [],
  ),
  CatalogAssetUsage: obj({
    last_updated_at: dateTime(),
    last_updater_id: str(),
    last_update_time: num(),
    last_accessed_at: dateTime(),
    last_access_time: num(),
    last_accessor_id: str(),
    access_count: int(),
  }),
  CatalogAssetMetadata: obj(
    {
      asset_id: str(),
      name: str(),
      description: str(),
      asset_type: str(),
      asset_category: str(),
      asset_state: str(),
      asset_attributes: arr(str()),
      owner_id: str(),
      creator_id: str(),
      project_id: str(),
      space_id: str(),
      catalog_id: str(),
      sandbox_id: str(),
      origin_country: str(),
      version: num(),
      rating: num(),
      total_ratings: int(),
      size: int(),
      created: num({ description: 'Epoch milliseconds.' }),
      created_at: dateTime(),
      usage: ref('CatalogAssetUsage'),
      rov: ref('AssetRov'),
      is_linked_with_sub_container: bool(),
      is_branched: bool(),
    },
    [],
    { description: 'Catalog asset metadata of a job or job run.' },
  ),
  Job: obj(
    {
      metadata: ref('CatalogAssetMetadata'),
      entity: obj({ job: ref('JobDefinition') }, ['job']),
      href: str(),
      asset_id: str(),
    },
    ['metadata', 'entity'],
  ),
  JobList: obj(
    {
      total_rows: int({ minimum: 0 }),
      results: arr(ref('Job')),
      next: { type: ['string', 'null'], description: 'Token of the next batch.' },
    },
    ['results'],
  ),
  JobCreate: obj(
    {
      job: obj(
        {
          name: str({ minLength: 1 }),
          description: str(),
          asset_ref: str({ minLength: 1 }),
          asset_ref_type: str({ minLength: 1 }),
          configuration: ref('JobConfiguration'),
          schedule: str(),
          schedule_info: ref('JobScheduleInfo'),
          retention_policy: ref('JobRetentionPolicy'),
          notification_types: ref('JobNotificationTypes'),
          serving_name: str(),
          job_parameters: arr(ref('JobParameter')),
          parameter_sets: arr(ref('JobParameterSet')),
        },
        ['name'],
        {
          description: 'Give asset_ref or asset_ref_type, not both.',
          oneOf: [{ required: ['asset_ref'] }, { required: ['asset_ref_type'] }],
        },
      ),
    },
    ['job'],
  ),
  JobPatch: jsonPatch({
    ops: ['add', 'replace', 'remove'],
    description:
      'RFC 6902 JSON Patch (add, replace, remove); paths such as /metadata/name, /entity/job/configuration, /entity/job/schedule.',
  }),
  ServingNameAvailability: obj({ results: arr(str()) }, ['results']),
};

// Statuses the reference lacks: a serving name already taken and a job with active runs are
// conflicts; a bad patch is a 400.
const taken = { status: 409, meaning: 'serving_name already taken, or the job has active runs' };

export const operations = {
  'GET /v2/jobs': { operationId: 'listJobs', responses: { 200: ref('JobList') } },
  'POST /v2/jobs': {
    operationId: 'createJob',
    requestBody: { schema: ref('JobCreate') },
    responses: { 201: ref('Job') },
    extraResponses: [taken],
  },
  'GET /v2/jobs/{job_id}': { operationId: 'getJob', responses: { 200: ref('Job') } },
  'DELETE /v2/jobs/{job_id}': { extraResponses: [taken] },
  'PATCH /v2/jobs/{job_id}': {
    operationId: 'updateJob',
    requestBody: { schema: ref('JobPatch'), jsonPatch: true },
    responses: { 200: ref('Job') },
    extraResponses: [{ status: 400, meaning: 'invalid request' }, taken],
  },
  'GET /v2/jobs/serving_name/{serving_name}': {
    operationId: 'checkJobServingName',
    responses: { 200: ref('ServingNameAvailability') },
  },
};
