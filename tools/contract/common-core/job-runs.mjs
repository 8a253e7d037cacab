// Job runs (/v2/jobs/{job_id}/runs...). Shapes follow the seed's examples.
import { ref, str, bool, int, num, arr, obj } from './common.mjs';

export const JOB_RUN_STATES = [
  'Queued',
  'Starting',
  'Running',
  'Paused',
  'Resuming',
  'Canceling',
  'Canceled',
  'Failed',
  'Completed',
  'CompletedWithErrors',
  'CompletedWithWarnings',
];

export const schemas = {
  JobRunDetails: obj(
    {
      name: str(),
      description: str(),
      state: str({ enum: JOB_RUN_STATES }),
      job_ref: str(),
      job_name: str(),
      job_type: str(),
      asset_ref_id: str(),
      asset_ref_name: str(),
      project_name: str(),
      space_name: str(),
      configuration: ref('JobConfiguration'),
      isScheduledRun: bool(),
      job_parameters: arr(ref('JobParameter')),
      parameter_sets: arr(ref('JobParameterSet')),
      duration: { type: ['number', 'null'], description: 'Seconds.' },
      end_time: { type: ['string', 'null'], format: 'date-time' },
      resource_usage: {
        anyOf: [{ type: 'number' }, { type: 'object', additionalProperties: true }, { type: 'null' }],
      },
      runtime_job_id: str(),
      last_state_change_timestamp: str({ format: 'date-time' }),
    },
    [],
  ),
  JobRunAttachment: obj(
    {
      id: str(),
      name: str(),
      description: str(),
      mime: str(),
      asset_type: str(),
      object_key: str(),
      create_time: num(),
      is_remote: bool(),
      is_managed: bool(),
      is_referenced: bool(),
      is_partitioned: bool(),
      is_object_key_read_only: bool(),
      is_user_provided_path_key: bool(),
    },
    [],
    { additionalProperties: true },
  ),
  JobRun: obj(
    {
      href: str(),
      asset_id: str(),
      metadata: ref('CatalogAssetMetadata'),
      entity: obj(
        {
          job_run: ref('JobRunDetails'),
          container_name: str(),
          directory_asset: obj({ path: str() }),
        },
        ['job_run'],
      ),
      attachments: arr(ref('JobRunAttachment')),
    },
    ['metadata', 'entity'],
  ),
  JobRunList: obj(
    {
      total_rows: int({ minimum: 0 }),
      next: { type: ['string', 'null'], description: 'Token of the next batch; null on the last one.' },
      results: arr(ref('JobRun')),
    },
    ['results'],
  ),
  JobRunCreate: obj(
    {
      job_run: obj({
        name: str(),
        description: str(),
        configuration: obj({ env_variables: arr(str({ description: 'KEY=value' })) }, [], {
          additionalProperties: true,
        }),
        job_parameters: arr(ref('JobParameter')),
        parameter_sets: arr(ref('JobParameterSet')),
      }),
    },
    ['job_run'],
  ),
  JobRunLogs: obj({ results: arr(str()), total_count: int({ minimum: 0 }) }, ['results']),
};

const empty = { schema: ref('EmptyObject'), required: false };

export const operations = {
  'GET /v2/jobs/{job_id}/runs': { operationId: 'listJobRuns', responses: { 200: ref('JobRunList') } },
  'POST /v2/jobs/{job_id}/runs': {
    operationId: 'createJobRun',
    requestBody: { schema: ref('JobRunCreate') },
    responses: { 201: ref('JobRun') },
  },
  'GET /v2/jobs/{job_id}/runs/{run_id}': { operationId: 'getJobRun', responses: { 200: ref('JobRun') } },
  'DELETE /v2/jobs/{job_id}/runs/{run_id}': { operationId: 'deleteJobRun' },
  'GET /v2/jobs/{job_id}/runs/{run_id}/logs': {
    operationId: 'getJobRunLogs',
    responses: { 200: ref('JobRunLogs') },
  },
  'POST /v2/jobs/{job_id}/runs/{run_id}/cancel': { operationId: 'cancelJobRun', requestBody: empty },
  'POST /v2/jobs/{job_id}/runs/{run_id}/pause': { operationId: 'pauseJobRun', requestBody: empty },
  'POST /v2/jobs/{job_id}/runs/{run_id}/resume': { operationId: 'resumeJobRun', requestBody: empty },
};
