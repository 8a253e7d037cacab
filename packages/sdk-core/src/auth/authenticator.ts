/** The request an authenticator adds its credentials to (in `headers`), as in IBM's SDKs. */
export interface AuthenticateOptions {
  headers?: Record<string, any>;
  [name: string]: any;
}

/** What a service needs from an authenticator; IBM's own authenticators satisfy it too. */
export interface AuthenticatorInterface {
  authenticate(requestOptions: AuthenticateOptions): Promise<void>;
  authenticationType(): string;
}

/** Base of the authenticators; the type names are the values of `<SERVICE>_AUTH_TYPE`. */
export abstract class Authenticator implements AuthenticatorInterface {
  static readonly AUTHTYPE_BASIC = 'basic';
  static readonly AUTHTYPE_BEARERTOKEN = 'bearerToken';
  static readonly AUTHTYPE_IAM = 'iam';
  static readonly AUTHTYPE_CONTAINER = 'container';
  static readonly AUTHTYPE_CP4D = 'cp4d';
  static readonly AUTHTYPE_NOAUTH = 'noAuth';
  static readonly AUTHTYPE_UNKNOWN = 'unknown';

  abstract authenticate(requestOptions: AuthenticateOptions): Promise<void>;
  abstract authenticationType(): string;

  /**
   * The `Authorization` value when it is at hand without waiting (null: none to send), undefined
   * when `authenticate()` must run (a token to fetch or refresh). See `authorizationNow()`.
   */
  authorizationNow(): string | null | undefined {
    return undefined;
  }
}

/** Marks the `authenticate()` methods that set exactly what `authorizationNow()` answers, when it answers. */
const PLAIN = Symbol('plainAuthenticate');

/** Marks `cls.prototype.authenticate` as one of those. */
export function plainAuthenticate(cls: { prototype: AuthenticatorInterface }): void {
  (cls.prototype.authenticate as unknown as Record<symbol, boolean>)[PLAIN] = true;
}

/**
 * What a service sets as `Authorization` without calling `authenticate()`, or undefined to call
 * it: only for our authenticators whose `authenticate()` no subclass replaced. Why: most requests
 * find their credential at hand, and this skips a promise, a copy of the headers and a scan of
 * their names per request.
 */
export function authorizationNow(authenticator: AuthenticatorInterface): string | null | undefined {
  return (authenticator.authenticate as unknown as Record<symbol, boolean>)[PLAIN] === true
    ? (authenticator as Authenticator).authorizationNow()
    : undefined;
}

/** Sets `Authorization` on the request's headers, creating them if needed. */
export function setAuthorization(requestOptions: AuthenticateOptions, value: string): void {
  const headers = (requestOptions.headers ??= {});
  for (const name in headers)
    if (name.length === 13 && name !== 'Authorization' && name.toLowerCase() === 'authorization')
      delete headers[name];
  headers.Authorization = value;
}

/** IBM rejects credentials wrapped in braces or quotes: they are usually copy-paste mistakes. */
export function checkCredential(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new Error(`Missing required parameter: ${name}`);
  if (/^["{]|["}]$/.test(value))
    throw new Error(
      `The ${name} shouldn't start or end with curly brackets or quotes. Remove any surrounding {, }, or " characters.`,
    );
}
