import {
  Authenticator,
  plainAuthenticate,
  setAuthorization,
  type AuthenticateOptions,
} from './authenticator.ts';
import type { TokenManager } from './token-manager.ts';

/** Base of the authenticators whose bearer token comes from a token manager. */
export abstract class TokenRequestBasedAuthenticator<
  M extends TokenManager = TokenManager,
> extends Authenticator {
  protected abstract tokenManager: M;
  /** The last token and its header, so that a request makes no new string while a token lasts. */
  private lastToken?: string;
  private lastHeader = '';

  async authenticate(requestOptions: AuthenticateOptions): Promise<void> {
    setAuthorization(requestOptions, this.header(await this.tokenManager.getToken()));
  }

  /** The header while the token is valid and not due for refresh; then `authenticate()` must run. */
  override authorizationNow(): string | undefined {
    const token = this.tokenManager.tokenNow?.();
    return token === undefined ? undefined : this.header(token);
  }

  private header(token: string): string {
    if (token !== this.lastToken) {
      this.lastToken = token;
      this.lastHeader = `Bearer ${token}`;
    }
    return this.lastHeader;
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
plainAuthenticate(TokenRequestBasedAuthenticator);
