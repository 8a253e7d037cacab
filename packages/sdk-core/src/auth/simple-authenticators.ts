import {
  Authenticator,
  checkCredential,
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
    setAuthorization(requestOptions, this.authHeader);
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_BASIC;
  }
}

/** Sends a bearer token the caller obtained (and refreshes, with `setBearerToken`). */
export class BearerTokenAuthenticator extends Authenticator {
  private bearerToken: string;

  constructor(options: { bearerToken: string }) {
    super();
    if (!options?.bearerToken) throw new Error('Missing required parameter: bearerToken');
    this.bearerToken = options.bearerToken;
  }

  setBearerToken(bearerToken: string): void {
    this.bearerToken = bearerToken;
  }

  async authenticate(requestOptions: AuthenticateOptions): Promise<void> {
    setAuthorization(requestOptions, `Bearer ${this.bearerToken}`);
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_BEARERTOKEN;
  }
}

/** Adds nothing: for services that need no credentials. */
export class NoAuthAuthenticator extends Authenticator {
  async authenticate(_requestOptions: AuthenticateOptions): Promise<void> {}

  authenticationType(): string {
    return Authenticator.AUTHTYPE_NOAUTH;
  }
}
