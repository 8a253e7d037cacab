import { authorizationNow, type AuthenticatorInterface } from './auth/authenticator.ts';
import { readExternalSources } from './config/external-config.ts';
import { redact, redactHeaders } from './errors/redact.ts';
import { defaultTransport, transportWithAgents } from './http/default-transport.ts';
import { encodeMultipart } from './http/multipart.ts';
import { encodeBody, fillPath, joinUrl, mergeHeaders, queryString } from './http/encode.ts';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryOptions, type RetryPolicy } from './http/retry.ts';
import { proxySettingsFromEnv, type ProxySettings } from './http/proxy.ts';
import { sendOnce, type SdkResponse, type SendOptions } from './http/send.ts';
import type { HttpRequest, Transport } from './http/types.ts';

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
  /** `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY` as they were when the service was created. */
  private proxy: ProxySettings;

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
    this.proxy = proxySettingsFromEnv();
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
  protected createRequest<T = any>(parameters: RequestParameters): Promise<SdkResponse<T>> {
    const { options, defaultOptions } = parameters;
    let request: HttpRequest;
    let replayable: boolean;
    try {
      const method = options.method.toUpperCase();
      const url =
        joinUrl(
          defaultOptions?.serviceUrl ?? this.baseOptions.serviceUrl,
          fillPath(options.url, options.path),
        ) + queryString(options.qs);
      const headers = mergeHeaders(
        { 'user-agent': USER_AGENT, accept: 'application/json' },
        this.baseOptions.headers,
        defaultOptions?.headers,
        options.headers,
      );
      const encoded = options.formData
        ? encodeMultipart(options.formData)
        : encodeBody(options.body, options.form, headers['content-type']);
      if (encoded.contentType) headers['content-type'] = encoded.contentType;
      // A content type without a body announces a body that is not there: servers answer 400
      // (Fastify: "Body cannot be empty when content-type is set to 'application/json'").
      else if (encoded.body === undefined) delete headers['content-type'];
      replayable = encoded.replayable;
      request = {
        method,
        url,
        headers,
        body: encoded.body,
        disableSslVerification: this.baseOptions.disableSslVerification === true,
        proxy: this.proxy,
      };
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = options.signal ?? defaultOptions?.signal;
    const send: SendOptions = {
      timeout: options.timeout ?? defaultOptions?.timeout ?? this.baseOptions.timeout,
      signal,
      stream: options.responseType === 'stream',
    };
    const text = options.responseType === 'text';
    return withRetries(this.retryPolicy, request.method, replayable, signal, (attempt) =>
      this.attempt(request, send, text, attempt),
    );
  }

  /**
   * One attempt of a call. Most find their credential at hand (`authorizationNow`) and go straight
   * to the transport; the others wait for `authenticate()` on a copy of the headers.
   */
  private attempt(
    request: HttpRequest,
    send: SendOptions,
    text: boolean,
    attempt: number,
  ): Promise<SdkResponse> {
    const now = authorizationNow(this.authenticator);
    if (now === undefined) return this.attemptAuthenticated(request, send, text, attempt);
    if (now !== null) request.headers.authorization = now;
    return this.sendLogged(request, send, text, attempt);
  }

  private async attemptAuthenticated(
    request: HttpRequest,
    send: SendOptions,
    text: boolean,
    attempt: number,
  ): Promise<SdkResponse> {
    const { method, url } = request;
    const auth = { headers: { ...request.headers } as Record<string, any>, url, method };
    await this.authenticator.authenticate(auth);
    return this.sendLogged({ ...request, headers: lowerCaseNames(auth.headers) }, send, text, attempt);
  }

  private sendLogged(
    request: HttpRequest,
    send: SendOptions,
    text: boolean,
    attempt: number,
  ): Promise<SdkResponse> {
    const log = this.baseOptions.logger;
    if (!log) {
      const response = sendOnce(this.transport, request, send);
      return text ? response.then(asText) : response;
    }
    const { method, url } = request;
    log.debug(
      `${redact(`${method} ${url}`)}${attempt ? ` (retry ${attempt})` : ''} ${JSON.stringify(redactHeaders(request.headers))}`,
    );
    const response = sendOnce(this.transport, request, send).then(
      (res) => {
        log.debug(`${method} ${redact(url)} -> ${res.status}`);
        return res;
      },
      (err) => {
        log.debug(`${method} ${redact(url)} failed: ${err.message}`);
        throw err;
      },
    );
    return text ? response.then(asText) : response;
  }
}

/** A `responseType: 'text'` result: JSON answers given back as their text. */
function asText(response: SdkResponse): SdkResponse {
  if (typeof response.result !== 'string' && response.result !== undefined)
    response.result = JSON.stringify(response.result);
  return response;
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
