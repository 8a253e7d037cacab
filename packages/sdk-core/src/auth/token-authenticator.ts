import { Authenticator, setAuthorization, type AuthenticateOptions } from './authenticator.ts';
import type { TokenManager } from './token-manager.ts';

/** Base of the authenticators whose bearer token comes from a token manager. */
export abstract class TokenRequestBasedAuthenticator<
  M extends TokenManager = TokenManager,
> extends Authenticator {
  protected abstract tokenManager: M;

  async authenticate(requestOptions: AuthenticateOptions): Promise<void> {
    setAuthorization(requestOptions, `Bearer ${await this.tokenManager.getToken()}`);
  }

  setDisableSslVerification(value: boolean): void {
    this.tokenManager.setDisableSslVerification(value);
  }

  setHeaders(headers: Record<string, string>): void {
    this.tokenManager.setHeaders(headers);
  }

  /** The token manager, to share it or read its token. */
  getTokenManager(): M {
    return this.tokenManager;
  }
}
