import { Authenticator, checkCredential } from './authenticator.ts';
import { TokenManager, type TokenManagerOptions } from './token-manager.ts';
import { TokenRequestBasedAuthenticator } from './token-authenticator.ts';

const AUTHORIZE_PATH = '/v1/authorize';

export interface CloudPakForDataOptions extends TokenManagerOptions {
  url: string;
  username: string;
  password?: string;
  apikey?: string;
}

/** Cloud Pak for Data's `POST {url}/v1/authorize` with a username and a password or an API key. */
export class Cp4dTokenManager extends TokenManager {
  constructor(private readonly options: CloudPakForDataOptions) {
    super(options);
    const url = options.url.replace(/\/+$/, '');
    this.url = url.endsWith(AUTHORIZE_PATH) ? url : url + AUTHORIZE_PATH;
    this.tokenName = 'token';
  }

  protected override requestToken(): Promise<Record<string, unknown>> {
    const { username, password, apikey } = this.options;
    const body = password ? { username, password } : { username, api_key: apikey };
    return this.post(this.url, { 'content-type': 'application/json' }, JSON.stringify(body));
  }
}

export class CloudPakForDataAuthenticator extends TokenRequestBasedAuthenticator<Cp4dTokenManager> {
  protected tokenManager: Cp4dTokenManager;

  constructor(options: CloudPakForDataOptions) {
    super();
    checkCredential('username', options?.username);
    if (!options.url) throw new Error('Missing required parameter: url');
    if (!options.password === !options.apikey)
      throw new Error('Exactly one of `apikey` or `password` must be specified.');
    checkCredential(options.password ? 'password' : 'apikey', options.password ?? options.apikey);
    this.tokenManager = new Cp4dTokenManager(options);
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_CP4D;
  }
}
