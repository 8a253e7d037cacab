import { Authenticator, checkCredential } from './authenticator.ts';
import { basicAuthHeader } from './simple-authenticators.ts';
import { TokenManager, type TokenManagerOptions } from './token-manager.ts';
import { TokenRequestBasedAuthenticator } from './token-authenticator.ts';

export const DEFAULT_IAM_URL = 'https://iam.cloud.ibm.com';
const TOKEN_PATH = '/identity/token';
/** IAM tokens are no longer used in their last 10 seconds, so a long request does not outlive its token. */
const IAM_EXPIRATION_WINDOW = 10;

/** Options shared by the authenticators that obtain their token from IAM. */
export interface IamRequestOptions extends TokenManagerOptions {
  clientId?: string;
  clientSecret?: string;
  scope?: string;
}

/**
 * Token requests to IAM's `POST {url}/identity/token`. `url` is the IAM base URL (a trailing
 * `/identity/token` is accepted and removed); each subclass supplies its grant's form fields.
 */
export abstract class IamRequestBasedTokenManager extends TokenManager {
  protected clientId?: string;
  protected clientSecret?: string;
  protected scope?: string;
  protected refreshToken?: string;

  constructor(options: IamRequestOptions) {
    super(options);
    const url = (options.url || DEFAULT_IAM_URL).replace(/\/+$/, '');
    this.url = url.endsWith(TOKEN_PATH) ? url.slice(0, -TOKEN_PATH.length) : url;
    this.clientId = options.clientId;
    this.clientSecret = options.clientSecret;
    this.scope = options.scope;
  }

  setClientIdAndSecret(clientId: string, clientSecret: string): void {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
  }

  setScope(scope: string): void {
    this.scope = scope;
  }

  getRefreshToken(): string | undefined {
    return this.refreshToken;
  }

  protected abstract formFields(): Promise<Record<string, string>>;

  protected override async requestToken(): Promise<Record<string, unknown>> {
    const form = new URLSearchParams(await this.formFields());
    if (this.scope) form.set('scope', this.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.clientId && this.clientSecret)
      headers.authorization = basicAuthHeader(this.clientId, this.clientSecret);
    return this.post(this.url + TOKEN_PATH, headers, form.toString());
  }

  protected override isTokenExpired(): boolean {
    return !this.expireTime || Math.floor(Date.now() / 1000) >= this.expireTime - IAM_EXPIRATION_WINDOW;
  }

  protected override saveTokenInfo(body: Record<string, unknown>): void {
    super.saveTokenInfo(body);
    if (typeof body.refresh_token === 'string') this.refreshToken = body.refresh_token;
  }
}

/** IAM's API key grant. */
export class IamTokenManager extends IamRequestBasedTokenManager {
  constructor(private readonly options: IamRequestOptions & { apikey: string }) {
    super(options);
  }

  protected override async formFields(): Promise<Record<string, string>> {
    return {
      grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
      apikey: this.options.apikey,
      response_type: 'cloud_iam',
    };
  }
}

export function checkClientPair(options: IamRequestOptions): void {
  if (!options.clientId !== !options.clientSecret)
    throw new Error('clientId and clientSecret must be specified together (or not at all).');
}

export abstract class IamRequestBasedAuthenticator<
  M extends IamRequestBasedTokenManager = IamRequestBasedTokenManager,
> extends TokenRequestBasedAuthenticator<M> {
  setClientIdAndSecret(clientId: string, clientSecret: string): void {
    this.tokenManager.setClientIdAndSecret(clientId, clientSecret);
  }

  setScope(scope: string): void {
    this.tokenManager.setScope(scope);
  }

  getRefreshToken(): string | undefined {
    return this.tokenManager.getRefreshToken();
  }
}

/** Exchanges an IBM Cloud API key for IAM access tokens, refreshed before they expire. */
export class IamAuthenticator extends IamRequestBasedAuthenticator<IamTokenManager> {
  protected tokenManager: IamTokenManager;

  constructor(options: IamRequestOptions & { apikey: string }) {
    super();
    checkCredential('apikey', options?.apikey);
    checkClientPair(options);
    this.tokenManager = new IamTokenManager(options);
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_IAM;
  }
}
