import { defaultTransport } from '../http/default-transport.ts';
import { secretsOfBody } from '../errors/redact.ts';
import { sendOnce } from '../http/send.ts';
import type { Transport } from '../http/types.ts';
import { decodeJwtClaims } from './jwt.ts';

export interface TokenManagerOptions {
  /** The token service. */
  url?: string;
  disableSslVerification?: boolean;
  /** Extra headers for every token request. */
  headers?: Record<string, string>;
  /** How token requests travel (defaults to the shared transport). */
  transport?: Transport;
  /** Milliseconds allowed for one token request (default 60 s). */
  timeout?: number;
}

/** The share of a token's lifetime after which it is refreshed in the background, as IBM does. */
const FRACTION_OF_TTL = 0.8;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Obtains, caches and refreshes an access token. At most one token request is in flight at any
 * time: every caller that needs a token while one is being fetched waits for that same request.
 * A token past 80% of its lifetime is still served while a fresh one is fetched in the background.
 */
export abstract class TokenManager {
  protected url: string;
  protected disableSslVerification: boolean;
  protected headers: Record<string, string>;
  protected transport: Transport;
  protected timeout: number;
  protected accessToken?: string;
  /** Epoch seconds after which the token is no longer used. */
  protected expireTime = 0;
  /** Epoch seconds after which the token is refreshed in the background. */
  protected refreshTime = 0;
  /** The field of the token response that carries the token. */
  protected tokenName = 'access_token';
  private inFlight?: Promise<void>;

  constructor(options: TokenManagerOptions = {}) {
    this.url = options.url ?? '';
    this.disableSslVerification = options.disableSslVerification === true;
    this.headers = { ...(options.headers ?? {}) };
    this.transport = options.transport ?? defaultTransport();
    this.timeout = options.timeout ?? 60_000;
  }

  /** A valid access token, fetched if there is none or it expired. */
  async getToken(): Promise<string> {
    if (!this.accessToken || this.isTokenExpired()) {
      await this.refresh();
      return this.accessToken!;
    }
    if (this.needsRefresh()) this.refresh().catch(() => {}); // the current token is still good
    return this.accessToken;
  }

  /**
   * The token when `getToken()` would answer it at once and do nothing else: valid and not due for
   * refresh (undefined otherwise, and when a subclass replaced `getToken()`).
   */
  tokenNow(): string | undefined {
    if (!this.accessToken || this.getToken !== TokenManager.prototype.getToken) return undefined;
    return this.refreshTime > nowSeconds() && !this.isTokenExpired() ? this.accessToken : undefined;
  }

  setDisableSslVerification(value: boolean): void {
    this.disableSslVerification = value;
  }

  setHeaders(headers: Record<string, string>): void {
    this.headers = { ...headers };
  }

  protected isTokenExpired(): boolean {
    return !this.expireTime || nowSeconds() >= this.expireTime;
  }

  private needsRefresh(): boolean {
    const now = nowSeconds();
    if (this.refreshTime > now) return false;
    this.refreshTime = now + 60; // if this refresh fails, the next attempt waits a minute
    return true;
  }

  /** One token request for all callers that need one now. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.requestToken()
      .then((body) => this.saveTokenInfo(body))
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Sends the token request and answers its parsed body. */
  protected abstract requestToken(): Promise<Record<string, unknown>>;

  /** Posts to the token service with the manager's transport, timeout and TLS setting. */
  protected async post(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<Record<string, unknown>> {
    const lower: Record<string, string> = { accept: 'application/json' };
    for (const [k, v] of Object.entries({ ...this.headers, ...headers })) lower[k.toLowerCase()] = v;
    const res = await sendOnce(
      this.transport,
      { method: 'POST', url, headers: lower, body, disableSslVerification: this.disableSslVerification },
      { timeout: this.timeout, secrets: secretsOfBody(body) },
    );
    return res.result && typeof res.result === 'object' ? res.result : {};
  }

  /** Stores the token and its times: from the JWT's `exp`/`iat`, else from `expiration`/`expires_in`. */
  protected saveTokenInfo(body: Record<string, unknown>): void {
    const token = body[this.tokenName];
    if (typeof token !== 'string' || !token)
      throw new Error(`Token service answered without "${this.tokenName}"`);
    const claims = decodeJwtClaims(token);
    const now = nowSeconds();
    let exp = Number(claims?.exp);
    let iat = Number(claims?.iat);
    if (!Number.isFinite(exp)) {
      exp = Number(body.expiration) || (Number(body.expires_in) ? now + Number(body.expires_in) : now + 3600);
      iat = now;
    }
    if (!Number.isFinite(iat)) iat = now;
    this.accessToken = token;
    this.expireTime = exp;
    this.refreshTime = exp - (exp - iat) * (1 - FRACTION_OF_TTL);
  }
}
