import type { AuthenticatorInterface } from './auth/authenticator.ts';
import { readExternalSources } from './config/external-config.ts';
import { redact, redactHeaders } from './errors/redact.ts';
import { defaultTransport, transportWithAgents } from './http/default-transport.ts';
import { encodeMultipart } from './http/multipart.ts';
import { encodeBody, fillPath, joinUrl, mergeHeaders, queryString } from './http/encode.ts';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryOptions, type RetryPolicy } from './http/retry.ts';
import { sendOnce, type SdkResponse } from './http/send.ts';
import type { Transport } from './http/types.ts';

export const SDK_VERSION = '0.1.0';

export interface Logger {
  debug(message: string): void;
}

export interface UserOptions {
  authenticator: AuthenticatorInterface;
  serviceUrl?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Milliseconds per attempt until the response is complete (default: none). */
  timeout?: number;
  /** Accept any TLS certificate. Only for development servers with self-signed certificates. */
  disableSslVerification?: boolean;
  /** Retries of idempotent requests (on by default); `false` turns them off. */
  retries?: RetryOptions | false;
  /** Node agents; keep-alive agents shared by all services are used otherwise. */
  agent?: unknown;
  httpAgent?: unknown;
  httpsAgent?: unknown;
  /** Sends the requests (default: keep-alive `node:http` on Node, `fetch` elsewhere). */
  transport?: Transport;
  /** Receives one line per request and response, with credentials redacted. */
  logger?: Logger;
  [name: string]: any;
}

/** One operation call, in the shape IBM's generated code passes to `createRequest`. */
export interface RequestParameters {
  options: {
    url: string;
    method: string;
    path?: Record<string, unknown>;
    qs?: Record<string, unknown>;
    body?: unknown;
    form?: Record<string, unknown>;
    /** A `multipart/form-data` body, streamed: files as `{ data, filename?, contentType? }`. */
    formData?: Record<string, unknown>;
    headers?: Record<string, unknown>;
    /** `'stream'`: the result is the unread body stream. */
    responseType?: 'json' | 'text' | 'stream';
    timeout?: number;
    signal?: AbortSignal;
  };
  defaultOptions?: {
    serviceUrl?: string;
    headers?: Record<string, unknown>;
    timeout?: number;
    signal?: AbortSignal;
    [name: string]: any;
  };
}

const USER_AGENT = `ibm-data-ai-local-sdk-core/${SDK_VERSION}`;

function isAuthenticator(value: unknown): value is AuthenticatorInterface {
  return !!value && typeof (value as AuthenticatorInterface).authenticate === 'function';
}

/**
 * What generated service classes extend: the service URL, default headers, authentication,
 * retries and transport, and `createRequest` that performs one operation call.
 */
export class BaseService {
  static DEFAULT_SERVICE_URL = '';
  static DEFAULT_SERVICE_NAME = '';

  protected baseOptions: UserOptions & { serviceUrl: string; headers: Record<string, string> };
  private authenticator: AuthenticatorInterface;
  private transport: Transport;
  private retryPolicy: RetryPolicy;

  constructor(options: UserOptions) {
    if (!options || !isAuthenticator(options.authenticator))
      throw new Error(
        'Authenticator must be set: pass an object with an authenticate(requestOptions) method.',
      );
    const serviceUrl = options.serviceUrl ?? (this.constructor as typeof BaseService).DEFAULT_SERVICE_URL;
    this.baseOptions = {
      ...options,
      serviceUrl: serviceUrl.replace(/\/+$/, ''),
      headers: { ...(options.headers ?? {}) },
    };
    this.authenticator = options.authenticator;
    const agents = {
      httpAgent: options.httpAgent ?? (isHttpsAgent(options.agent) ? undefined : options.agent),
      httpsAgent: options.httpsAgent ?? (isHttpsAgent(options.agent) ? options.agent : undefined),
    };
    this.transport =
      options.transport ??
      (agents.httpAgent || agents.httpsAgent ? transportWithAgents(agents) : defaultTransport());
    this.retryPolicy =
      options.retries === false
        ? { ...DEFAULT_RETRY_POLICY, enabled: false }
        : { ...DEFAULT_RETRY_POLICY, ...definedOnly(options.retries ?? {}) };
  }

  getAuthenticator(): AuthenticatorInterface {
    return this.authenticator;
  }

  setServiceUrl(url: string): void {
    this.baseOptions.serviceUrl = (url ?? '').replace(/\/+$/, '');
  }

  getServiceUrl(): string {
    return this.baseOptions.serviceUrl;
  }

  setDefaultHeaders(headers: Record<string, string>): void {
    this.baseOptions.headers = { ...headers };
  }

  setDisableSslVerification(value: boolean): void {
    this.baseOptions.disableSslVerification = value;
  }

  enableRetries(options: RetryOptions = {}): void {
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(options), enabled: true };
  }

  disableRetries(): void {
    this.retryPolicy = { ...this.retryPolicy, enabled: false };
  }

  /**
   * Applies the service's external configuration (`<SERVICE>_URL`, `_DISABLE_SSL`,
   * `_ENABLE_RETRIES`, `_MAX_RETRIES`, `_RETRY_INTERVAL`), as IBM's services do on construction.
   */
  protected configureService(serviceName: string): void {
    if (!serviceName) throw new Error('Error configuring service. Service name is required.');
    const props = readExternalSources(serviceName) ?? {};
    if (props.url) this.setServiceUrl(props.url);
    if (props.disableSsl === true) this.setDisableSslVerification(true);
    if (props.enableRetries === true || props.maxRetries !== undefined || props.retryInterval !== undefined)
      this.enableRetries({ maxRetries: props.maxRetries, maxRetryInterval: props.retryInterval });
    if (props.enableRetries === false) this.disableRetries();
  }

  /** Authenticates and sends one operation call, retrying it when that is safe; see `RequestParameters`. */
  protected async createRequest<T = any>(parameters: RequestParameters): Promise<SdkResponse<T>> {
    const { options, defaultOptions = {} } = parameters;
    const method = options.method.toUpperCase();
    const url =
      joinUrl(defaultOptions.serviceUrl ?? this.baseOptions.serviceUrl, fillPath(options.url, options.path)) +
      queryString(options.qs);
    const given = mergeHeaders(
      { 'user-agent': USER_AGENT, accept: 'application/json' },
      this.baseOptions.headers,
      defaultOptions.headers,
      options.headers,
    );
    const encoded = options.formData
      ? encodeMultipart(options.formData)
      : encodeBody(options.body, options.form, given['content-type']);
    if (encoded.contentType) given['content-type'] = encoded.contentType;
    // A content type without a body announces a body that is not there: servers answer 400
    // (Fastify: "Body cannot be empty when content-type is set to 'application/json'").
    else if (encoded.body === undefined) delete given['content-type'];
    const signal = options.signal ?? defaultOptions.signal;
    const timeout = options.timeout ?? defaultOptions.timeout ?? this.baseOptions.timeout;
    const stream = options.responseType === 'stream';
    const log = this.baseOptions.logger;

    return withRetries(this.retryPolicy, method, encoded.replayable, signal, async (attempt) => {
      const auth = { headers: { ...given } as Record<string, any>, url, method };
      await this.authenticator.authenticate(auth);
      const headers = lowerCaseNames(auth.headers);
      log?.debug(
        `${redact(`${method} ${url}`)}${attempt ? ` (retry ${attempt})` : ''} ${JSON.stringify(redactHeaders(headers))}`,
      );
      const response = await sendOnce(
        this.transport,
        {
          method,
          url,
          headers,
          body: encoded.body,
          disableSslVerification: this.baseOptions.disableSslVerification === true,
        },
        { timeout, signal, stream },
      ).catch((err) => {
        log?.debug(`${method} ${redact(url)} failed: ${err.message}`);
        throw err;
      });
      log?.debug(`${method} ${redact(url)} -> ${response.status}`);
      if (
        options.responseType === 'text' &&
        typeof response.result !== 'string' &&
        response.result !== undefined
      )
        response.result = JSON.stringify(response.result);
      return response as SdkResponse<T>;
    });
  }
}

function isHttpsAgent(agent: unknown): boolean {
  return !!agent && (agent as { protocol?: string }).protocol === 'https:';
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * `headers` with lower-case names (authenticators, IBM's among them, set `Authorization`): the same
 * object when it has them already, as on almost every request.
 */
function lowerCaseNames(headers: Record<string, any>): Record<string, string> {
  for (const k in headers) {
    const v = headers[k];
    if (k !== k.toLowerCase() || typeof v !== 'string') return mergeHeaders(headers);
  }
  return headers;
}
