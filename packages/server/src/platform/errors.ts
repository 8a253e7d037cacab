import { STATUS_CODES } from 'node:http';

/**
 * The error body families the seed documents, one per group of API areas.
 * - projects: flat `{code, error, reason, message}` with the status as a string
 * - transactional: the projects body plus `description: "[401] Unauthorized: ..."`
 * - spaces: `{trace, errors:[{code, message, parameters}]}` (also exports, imports, containers, lists)
 * - connections: `{trace, errors:[{code, message, more_info, extra}]}` (also datasource types)
 * - jobs: a bare `{code, message, more_info?, target?}` (jobs and runs)
 * - environments: `{trace, errors:[{code, message, target?}]}` (also hardware/software specs, package extensions)
 * - iam: the IAM token endpoint's `{errorCode, errorMessage, context}`
 * - codeengine: Code Engine v2's `{errors:[{code, message, more_info, target}], status_code, trace}`
 */
export type ErrorFormat =
  'projects' | 'transactional' | 'spaces' | 'connections' | 'jobs' | 'environments' | 'iam' | 'codeengine';

export interface ErrorDetails {
  /** Machine-readable code, e.g. `SPACES0007E`, `not_found`, `WSCPA0001E`. */
  code?: string;
  /** Values the message mentions (spaces family). */
  parameters?: string[];
  /** The field, parameter or header at fault. */
  target?: { type: 'field' | 'parameter' | 'header'; name: string };
}

/** An error the API answers on purpose; anything else becomes a 500 without details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ErrorDetails = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: ErrorDetails) => new ApiError(400, message, details);
export const unauthorized = (message: string, details?: ErrorDetails) => new ApiError(401, message, details);
export const forbidden = (message: string, details?: ErrorDetails) => new ApiError(403, message, details);
export const notFound = (message: string, details?: ErrorDetails) => new ApiError(404, message, details);
export const conflict = (message: string, details?: ErrorDetails) => new ApiError(409, message, details);
export const unprocessable = (message: string, details?: ErrorDetails) => new ApiError(422, message, details);

const AREA_FORMATS: Record<string, ErrorFormat> = {
  projects: 'projects',
  'transactional projects': 'transactional',
  spaces: 'spaces',
  'asset exports': 'spaces',
  'asset imports': 'spaces',
  'asset containers': 'spaces',
  'asset lists': 'spaces',
  connections: 'connections',
  'datasource types': 'connections',
  jobs: 'jobs',
  'job runs': 'jobs',
  environments: 'environments',
  'hardware specifications': 'environments',
  'software specifications': 'environments',
  'package extensions': 'environments',
  iam: 'iam',
  admin: 'spaces',
};

export function errorFormatOfArea(area: string | undefined): ErrorFormat {
  return (area && AREA_FORMATS[area]) || 'spaces';
}

/** For requests that matched no route: guess the family from the URL. */
export function errorFormatOfUrl(url: string): ErrorFormat {
  if (url.startsWith('/transactional/')) return 'transactional';
  if (url.startsWith('/v2/projects')) return 'projects';
  if (url.startsWith('/v2/connections') || url.startsWith('/v2/datasource_types')) return 'connections';
  if (url.startsWith('/v2/jobs')) return 'jobs';
  if (/^\/v2\/(environments|hardware_specifications|software_specifications|package_extensions)/.test(url))
    return 'environments';
  if (url.startsWith('/identity/')) return 'iam';
  if (url.startsWith('/codeengine/')) return 'codeengine';
  return 'spaces';
}

/** The generic sentence the projects service puts in `message` for each status. */
const PROJECT_MESSAGES: Record<number, string> = {
  400: 'The server cannot or will not process the request due to an apparent client error.',
  401: 'Authentication failed.',
  403: 'The target operation is strictly forbidden due to schema constraints.',
  404: 'The requested resource could not be found.',
  409: 'The request could not be completed due to a conflict with the current state of the resource.',
  413: 'The request is larger than the server is willing or able to process.',
  415: 'The request entity has a media type which the server does not support.',
  422: 'The request was well-formed but was unable to be followed due to semantic errors.',
  429: 'The client has sent too many requests in a given amount of time.',
  500: 'The API encountered an unexpected condition which prevented it from fulfilling the request.',
  503: 'The server is currently unavailable.',
};

/** Default machine codes for the families whose codes are words. */
const WORD_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_auth_token',
  403: 'endpoint_access_forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limit',
  500: 'internal_error',
  503: 'service_unavailable',
};

const SPACES_CODES: Record<number, string> = {
  400: 'SPACES0001E',
  401: 'SPACES0002E',
  403: 'SPACES0003E',
  404: 'SPACES0007E',
  409: 'SPACES0009E',
  413: 'SPACES0010E',
  415: 'SPACES0011E',
  429: 'SPACES0012E',
  500: 'SPACES0004E',
};

export function errorBody(format: ErrorFormat, status: number, error: ApiError, trace: string): unknown {
  const phrase = STATUS_CODES[status] ?? 'Error';
  const d = error.details;
  const word = d.code ?? WORD_CODES[status] ?? String(status);
  switch (format) {
    case 'projects':
    case 'transactional': {
      const body: Record<string, unknown> = {
        code: String(status),
        error: phrase,
        reason: error.message,
        message: PROJECT_MESSAGES[status] ?? phrase,
      };
      if (d.code) body.id = d.code;
      if (format === 'transactional') body.description = `[${status}] ${phrase}: ${error.message}`;
      return body;
    }
    case 'spaces':
      return {
        trace,
        errors: [
          {
            code: d.code ?? SPACES_CODES[status] ?? 'SPACES0004E',
            message: error.message,
            parameters: d.parameters ?? [],
          },
        ],
      };
    case 'connections':
      return {
        trace,
        errors: [
          {
            code: word,
            message: error.message,
            ...(d.target ? { target: d.target } : {}),
            extra: { http_status: status, id: trace, timestamp: new Date().toISOString() },
          },
        ],
      };
    case 'jobs':
      return { code: word, message: error.message, ...(d.target ? { target: d.target } : {}) };
    case 'environments':
      return {
        trace,
        errors: [{ code: word, message: error.message, ...(d.target ? { target: d.target } : {}) }],
      };
    case 'codeengine':
      return {
        errors: [
          {
            code: word,
            message: error.message,
            more_info: 'https://cloud.ibm.com/apidocs/codeengine/v2',
            ...(d.target ? { target: d.target } : {}),
          },
        ],
        status_code: status,
        trace,
      };
    case 'iam':
      return {
        errorCode: d.code ?? 'BXNIM0109E',
        errorMessage: error.message,
        context: { requestId: trace },
      };
  }
}
