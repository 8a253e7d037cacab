import { parseErrorBody } from './parse-error-body.ts';
import { redact } from './redact.ts';

export type ResponseHeaders = Record<string, string>;

export interface ApiErrorInit {
  status: number;
  statusText?: string;
  message: string;
  codes?: string[];
  trace?: string;
  headers?: ResponseHeaders;
  body?: string;
  result?: unknown;
  cause?: unknown;
  /** Secrets known to the caller (its credentials), removed from the message besides the patterns. */
  secrets?: readonly string[];
}

/**
 * Base of every error the SDK throws for a request. `status` is the HTTP status (0 when no response
 * arrived), `codes` every error code of the body, `body` the raw body text, `result` the parsed body.
 * The message never carries a credential: it is redacted.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly statusText: string;
  readonly codes: string[];
  readonly trace?: string;
  readonly headers: ResponseHeaders;
  readonly body: string;
  readonly result?: unknown;

  constructor(init: ApiErrorInit) {
    super(redact(init.message, init.secrets), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.statusText = init.statusText ?? '';
    this.codes = init.codes ?? [];
    this.trace = init.trace;
    this.headers = init.headers ?? {};
    this.body = init.body ?? '';
    this.result = init.result;
  }

  /** The HTTP status, as IBM's SDK errors name it. */
  get code(): number {
    return this.status;
  }
}

export class BadRequestError extends ApiError {}
export class UnauthorizedError extends ApiError {}
export class ForbiddenError extends ApiError {}
export class NotFoundError extends ApiError {}
export class ConflictError extends ApiError {}
export class RateLimitError extends ApiError {}
export class InternalServerError extends ApiError {}

/** No response: refused, reset or dropped connection, DNS or TLS failure. */
export class ConnectionError extends ApiError {
  constructor(message: string, cause?: unknown, secrets?: readonly string[]) {
    super({ status: 0, message, cause, secrets });
  }
}

/** The request did not complete within its timeout. */
export class TimeoutError extends ConnectionError {}

/** The caller aborted the request with its `AbortSignal`. */
export class AbortError extends ConnectionError {}

const BY_STATUS: Record<number, typeof ApiError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  429: RateLimitError,
};

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The typed error for an HTTP error response, with the message and codes read from its body. */
export function errorFromResponse(
  status: number,
  statusText: string,
  headers: ResponseHeaders,
  bodyText: string,
  secrets?: readonly string[],
): ApiError {
  const result = parseJson(bodyText);
  const parsed = parseErrorBody(result);
  const fallback = result === undefined && bodyText && bodyText.length < 500 ? bodyText.trim() : '';
  const message = parsed.message ?? (fallback || statusText || `HTTP ${status}`);
  const ErrorClass = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : ApiError);
  return new ErrorClass({
    status,
    statusText,
    message,
    codes: parsed.codes,
    trace: parsed.trace ?? headers['x-global-transaction-id'] ?? headers['x-request-id'],
    headers,
    body: bodyText,
    result,
    secrets,
  });
}
