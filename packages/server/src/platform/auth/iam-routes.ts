import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';

const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';
const iamError = (code: string, message: string) => new ApiError(400, message, { code });

/**
 * `POST /identity/token`, compatible with IBM Cloud IAM so that IBM's own authenticators
 * (IamAuthenticator with `url` pointed here) obtain and refresh tokens from this server.
 */
export function registerIamRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/identity/token',
    { config: { api: { area: 'iam', errorFormat: 'iam', operationId: 'getToken', auth: false } } },
    async (req) => {
      const form = (req.body ?? {}) as Record<string, unknown>;
      const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
      const grant = field('grant_type');
      if (!grant) throw iamError('BXNIM0109E', 'Property missing or empty: grant_type.');
      if (grant === APIKEY_GRANT) {
        const apikey = field('apikey');
        if (!apikey) throw iamError('BXNIM0109E', 'Property missing or empty: apikey.');
        const key = await ctx.users.authenticateApiKey(apikey);
        if (!key) throw iamError('BXNIM0415E', 'Provided API key could not be found.');
        return ctx.tokens.issue({
          iamId: key.iam_id,
          userId: key.user_id,
          username: key.username,
          apiKeyId: key.api_key_id,
        });
      }
      if (grant === 'refresh_token') {
        const refresh = field('refresh_token');
        if (!refresh) throw iamError('BXNIM0109E', 'Property missing or empty: refresh_token.');
        const verified = await ctx.tokens.verify(refresh, 'refresh');
        if (!verified.ok) throw iamError('BXNIM0407E', 'The refresh token is invalid or expired.');
        const key = await ctx.users.liveApiKey(verified.claims.akid);
        if (!key) throw iamError('BXNIM0407E', 'The refresh token was revoked with its API key.');
        return ctx.tokens.issue({
          iamId: key.iam_id,
          userId: key.user_id,
          username: key.username,
          apiKeyId: key.api_key_id,
        });
      }
      throw iamError('BXNIM0109E', `Unsupported grant_type "${grant}".`);
    },
  );
}
