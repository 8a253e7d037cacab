import {
  Authenticator,
  checkCredential,
  plainAuthenticate,
  setAuthorization,
  type AuthenticateOptions,
} from './authenticator.ts';

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** `Authorization: Basic base64(username:password)`. */
export function basicAuthHeader(username: string, password: string): string {
  return 'Basic ' + base64(`${username}:${password}`);
}

export class BasicAuthenticator extends Authenticator {
  private readonly authHeader: string;

  constructor(options: { username: string; password: string }) {
    super();
    checkCredential('username', options?.username);
    checkCredential('password', options?.password);
    this.authHeader = basicAuthHeader(options.username, options.password);
  }

  async authenticate(requestOptions: AuthenticateOptions): Promise<void> {
    setAuthorization(requestOptions, this.authorizationNow());
  }

  override authorizationNow(): string {
    return this.authHeader;
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_BASIC;
  }
}
plainAuthenticate(BasicAuthenticator);

/** Sends a bearer token the caller obtained (and refreshes, with `setBearerToken`). */
export class BearerTokenAuthenticator extends Authenticator {
  private bearerToken!: string;
  /** `Bearer <token>`, made once per token rather than per request. */
  private authHeader!: string;

  constructor(options: { bearerToken: string }) {
    super();
    if (!options?.bearerToken) throw new Error('Missing required parameter: bearerToken');
    this.setBearerToken(options.bearerToken);
  }

  setBearerToken(bearerToken: string): void {
    this.bearerToken = bearerToken;
    this.authHeader = `Bearer ${bearerToken}`;
  }

  async authenticate(requestOptions: AuthenticateOptions): Promise<void> {
    setAuthorization(requestOptions, this.authorizationNow());
  }

  override authorizationNow(): string {
    return this.authHeader;
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_BEARERTOKEN;
  }
}
plainAuthenticate(BearerTokenAuthenticator);

/** Adds nothing: for services that need no credentials. */
export class NoAuthAuthenticator extends Authenticator {
  async authenticate(_requestOptions: AuthenticateOptions): Promise<void> {}

  override authorizationNow(): null {
    return null;
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_NOAUTH;
  }
}
plainAuthenticate(NoAuthAuthenticator);
