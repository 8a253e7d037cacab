export {
  Authenticator,
  type AuthenticateOptions,
  type AuthenticatorInterface,
} from './auth/authenticator.ts';
export {
  BasicAuthenticator,
  BearerTokenAuthenticator,
  NoAuthAuthenticator,
} from './auth/simple-authenticators.ts';
export { TokenManager, type TokenManagerOptions } from './auth/token-manager.ts';
export { TokenRequestBasedAuthenticator } from './auth/token-authenticator.ts';
export {
  DEFAULT_IAM_URL,
  IamAuthenticator,
  IamRequestBasedAuthenticator,
  IamRequestBasedTokenManager,
  IamTokenManager,
  type IamRequestOptions,
} from './auth/iam.ts';
export {
  ContainerAuthenticator,
  ContainerTokenManager,
  DEFAULT_CR_TOKEN_FILENAMES,
  type ContainerOptions,
} from './auth/container.ts';
export { CloudPakForDataAuthenticator, Cp4dTokenManager, type CloudPakForDataOptions } from './auth/cp4d.ts';
export { getAuthenticatorFromEnvironment } from './config/authenticator-from-environment.ts';
export { readExternalSources, type ServiceProperties } from './config/external-config.ts';
export { readCredentialsFile } from './config/credentials-file.ts';
export { BaseService, type Logger, type RequestParameters, type UserOptions } from './base-service.ts';
export type { SdkResponse, SendOptions } from './http/send.ts';
export type { HttpRequest, HttpResponse, Transport, UploadBody } from './http/types.ts';
export { encodeMultipart, type FormFile, type MultipartBody } from './http/multipart.ts';
export { createFetchTransport } from './http/fetch-transport.ts';
export { defaultTransport } from './http/default-transport.ts';
export { DEFAULT_RETRY_POLICY, type RetryOptions, type RetryPolicy } from './http/retry.ts';
export {
  AbortError,
  ApiError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  ForbiddenError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
  UnauthorizedError,
  errorFromResponse,
  type ApiErrorInit,
} from './errors/errors.ts';
export { parseErrorBody, type ParsedErrorBody } from './errors/parse-error-body.ts';
export { redact } from './errors/redact.ts';
export { Pager, type Page, type PageFetcher } from './pagination/pager.ts';
export {
  bookmarkScheme,
  createPager,
  logPageScheme,
  nextHrefStartScheme,
  nextTokenScheme,
  offsetLimitScheme,
  startFromHref,
  type ListCall,
  type PaginationScheme,
} from './pagination/schemes.ts';
export { bodyIfAny, checkParams, pageFetcher } from './generated-support.ts';
export { WaiterFailedError, WaiterTimeoutError, waitUntil, type WaitOptions } from './waiter.ts';
