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
      // Beyond the seed: what this server knows of the process that ran.
      start_time: { type: ['string', 'null'], format: 'date-time', description: 'When the process started.' },
      exit_code: { type: ['integer', 'null'], description: 'Exit code of the process, once it ended.' },
      exit_signal: { type: ['string', 'null'], description: 'Signal that ended the process, if one did.' },
      message: { type: ['string', 'null'], description: 'Why the run failed or was canceled, in words.' },
      log_lines: int({ minimum: 0, description: 'Lines in the log so far.' }),
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
    [],
    { description: "Settings of this run; the job's own when left out (an empty body is fine)." },
  ),
  JobRunLogs: obj({ results: arr(str()), total_count: int({ minimum: 0 }) }, ['results']),
};

const empty = { schema: ref('EmptyObject'), required: false };

// The seed lists no 400/404/409 for runs, yet a job or run that does not exist, bad input, and a
// run in the wrong state for the request must be answered as such.
const invalid = { status: 400, meaning: 'invalid request' };
const missing = { status: 404, meaning: 'resource not found' };
const wrongState = { status: 409, meaning: 'the run is not in a state that allows this' };

export const operations = {
  'GET /v2/jobs/{job_id}/runs': {
    operationId: 'listJobRuns',
    responses: { 200: ref('JobRunList') },
    extraResponses: [invalid, missing],
  },
  'POST /v2/jobs/{job_id}/runs': {
    operationId: 'createJobRun',
    description:
      'The run is queued (state Queued) and starts on one server; Python 3 and shell script assets run, other asset types get a 400.',
    requestBody: { schema: ref('JobRunCreate'), required: false },
    responses: { 201: ref('JobRun') },
    extraResponses: [invalid, missing],
  },
  'GET /v2/jobs/{job_id}/runs/{run_id}': {
    operationId: 'getJobRun',
    responses: { 200: ref('JobRun') },
    extraResponses: [invalid, missing],
  },
  'DELETE /v2/jobs/{job_id}/runs/{run_id}': {
    operationId: 'deleteJobRun',
    extraResponses: [invalid, wrongState],
  },
  'GET /v2/jobs/{job_id}/runs/{run_id}/logs': {
    operationId: 'getJobRunLogs',
    responses: { 200: ref('JobRunLogs') },
    extraResponses: [invalid, missing],
    extraParameters: [
      {
        in: 'query',
        name: 'start',
        type: 'integer',
        required: false,
        default: 0,
        constraints: 'value ≥ 0',
        source: 'extension',
      },
    ],
    parameters: {
      start: {
        description: 'Index (0-based) of the first line to return; with limit, pages through the log.',
      },
    },
  },
  'POST /v2/jobs/{job_id}/runs/{run_id}/cancel': {
    operationId: 'cancelJobRun',
    requestBody: empty,
    extraResponses: [invalid, missing, wrongState],
  },
  'POST /v2/jobs/{job_id}/runs/{run_id}/pause': {
    operationId: 'pauseJobRun',
    requestBody: empty,
    extraResponses: [invalid, missing, wrongState],
  },
  'POST /v2/jobs/{job_id}/runs/{run_id}/resume': {
    operationId: 'resumeJobRun',
    requestBody: empty,
    extraResponses: [invalid, missing, wrongState],
  },
};
