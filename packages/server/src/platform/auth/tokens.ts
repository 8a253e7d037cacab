import crypto from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Store } from '../../store/db.ts';
import { nowIso } from '../../store/db.ts';

export interface AccessClaims {
  /** The user's IAM id, as IBM IAM puts it in `sub` and `iam_id`. */
  iam_id: string;
  uid: string;
  email: string;
  akid: string;
  token_use: 'access' | 'refresh';
  exp: number;
  iat: number;
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

/**
 * Signs and verifies IAM-style JWTs (HS256). The key comes from config or, so that several
 * instances on one database agree, from the database where the first instance stored it.
 */
export class TokenService {
  private constructor(
    private readonly key: Uint8Array,
    readonly accessTtl: number,
    readonly refreshTtl: number,
  ) {}

  static async create(store: Store, opts: { signingKey?: string; accessTtl: number; refreshTtl: number }) {
    let secret = opts.signingKey;
    if (!secret) {
      const generated = crypto.randomBytes(32).toString('base64url');
      await store.db
        .insertInto('server_secrets')
        .values({ name: 'token_signing_key', value: generated, created_at: nowIso() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await store.db
        .selectFrom('server_secrets')
        .select('value')
        .where('name', '=', 'token_signing_key')
        .executeTakeFirstOrThrow();
      secret = row.value;
    }
    return new TokenService(new TextEncoder().encode(secret), opts.accessTtl, opts.refreshTtl);
  }

  async issue(subject: { iamId: string; userId: string; username: string; apiKeyId: string }) {
    const now = Math.floor(Date.now() / 1000);
    const base = {
      iam_id: subject.iamId,
      uid: subject.userId,
      email: subject.username,
      akid: subject.apiKeyId,
    };
    const sign = (use: 'access' | 'refresh', ttl: number) =>
      new SignJWT({ ...base, token_use: use })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(subject.iamId)
        .setIssuer('local-iam')
        .setJti(crypto.randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .sign(this.key);
    const [access, refresh] = await Promise.all([
      sign('access', this.accessTtl),
      sign('refresh', this.refreshTtl),
    ]);
    return {
      access_token: access,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: this.accessTtl,
      expiration: now + this.accessTtl,
      scope: 'ibm openid',
    };
  }

  async verify(token: string, use: 'access' | 'refresh' = 'access'): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: 'local-iam' });
      if (payload.token_use !== use) return { ok: false, reason: 'invalid' };
      return { ok: true, claims: payload as unknown as AccessClaims };
    } catch (err) {
      return { ok: false, reason: err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
