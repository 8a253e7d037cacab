import { Authenticator, type AuthenticatorInterface } from '../auth/authenticator.ts';
import { CloudPakForDataAuthenticator } from '../auth/cp4d.ts';
import { ContainerAuthenticator } from '../auth/container.ts';
import { IamAuthenticator } from '../auth/iam.ts';
import {
  BasicAuthenticator,
  BearerTokenAuthenticator,
  NoAuthAuthenticator,
} from '../auth/simple-authenticators.ts';
import { readExternalSources } from './external-config.ts';

/**
 * The authenticator configured for `serviceName` by `<SERVICE>_AUTH_TYPE` and its companions (in the
 * credentials file, the environment or `VCAP_SERVICES`). Without an auth type, an API key means
 * IAM and its absence means container authentication, as in IBM's SDKs. `<SERVICE>_AUTH_URL` and
 * `<SERVICE>_AUTH_DISABLE_SSL` configure the token service; `_URL` and `_DISABLE_SSL` belong to the
 * service itself and are left out.
 */
export function getAuthenticatorFromEnvironment(serviceName: string): AuthenticatorInterface {
  if (!serviceName) throw new Error('Service name is required.');
  const props = readExternalSources(serviceName);
  if (!props) throw new Error('Unable to create an authenticator from the environment.');
  const { url: _url, disableSsl: _disableSsl, authUrl, authDisableSsl, authType, authtype, ...rest } = props;
  const options: Record<string, any> = { ...rest };
  if (authUrl) options.url = authUrl;
  if (authDisableSsl) options.disableSslVerification = true;

  const type = String(
    authType || authtype || (options.apikey ? Authenticator.AUTHTYPE_IAM : Authenticator.AUTHTYPE_CONTAINER),
  ).toLowerCase();
  switch (type) {
    case Authenticator.AUTHTYPE_NOAUTH.toLowerCase():
      return new NoAuthAuthenticator();
    case Authenticator.AUTHTYPE_BASIC:
      return new BasicAuthenticator(options as any);
    case Authenticator.AUTHTYPE_BEARERTOKEN.toLowerCase():
      return new BearerTokenAuthenticator(options as any);
    case Authenticator.AUTHTYPE_CP4D:
      return new CloudPakForDataAuthenticator(options as any);
    case Authenticator.AUTHTYPE_IAM:
      return new IamAuthenticator(options as any);
    case Authenticator.AUTHTYPE_CONTAINER:
      return new ContainerAuthenticator(options as any);
    default:
      throw new Error(`Invalid value for AUTH_TYPE: ${type}`);
  }
}
