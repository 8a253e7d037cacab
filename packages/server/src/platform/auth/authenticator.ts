import type { TokenService } from './tokens.ts';
import type { UserDirectory } from './users.ts';
import type { BearerResolver, Principal } from './principal.ts';
import { unauthorized } from '../errors.ts';

interface CachedToken {
  principal: Principal;
  exp: number;
  akid: string;
  checkedAt: number;
  /** The recheck in flight, shared by every request that finds the entry stale (no stampede). */
  recheck?: Promise<Principal>;
}

/** How long a verified token is trusted before its API key is checked again (other instances' revocations). */
const RECHECK_MS = 2000;
const CACHE_LIMIT = 10_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Turns an `Authorization` header into a principal, or throws a 401 saying why. */
export class Authenticator {
  private readonly cache = new Map<string, CachedToken>();
  private readonly resolvers: BearerResolver[] = [];
  /** Bumped by every revocation, so that a lookup that raced with one does not cache its answer. */
  private revocations = 0;

  constructor(
    private readonly tokens: TokenService,
    private readonly users: UserDirectory,
  ) {}

  /** Areas plug in other bearer kinds (project tokens) here. */
  addResolver(resolver: BearerResolver): void {
    this.resolvers.push(resolver);
  }

  /** Drops cached tokens issued from a key that was just revoked on this instance. */
  forgetApiKey(apiKeyId: string): void {
    this.revocations++;
    for (const [token, entry] of this.cache) {
      if (entry.principal.kind === 'user' && entry.principal.apiKeyId === apiKeyId) this.cache.delete(token);
    }
  }

  /**
   * The principal of a recently verified access token, without waiting: most requests carry one,
   * and answering them synchronously spares a promise per request. undefined: call authenticate.
   */
  known(header: string | undefined): Principal | undefined {
    if (header === undefined || !header.startsWith('Bearer ')) return undefined;
    const cached = this.cache.get(header.slice(7));
    if (!cached) return undefined;
    const now = Date.now();
    return cached.exp * 1000 > now && now - cached.checkedAt < RECHECK_MS ? cached.principal : undefined;
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw unauthorized('Missing Authorization header: send "Authorization: Bearer <token>".');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('Malformed Authorization header: expected "Bearer <token>".');
    const bearer = match[1];
    if (JWT_SHAPE.test(bearer)) return this.fromJwt(bearer);
    for (const resolve of this.resolvers) {
      const principal = await resolve(bearer);
      if (principal) return principal;
    }
    throw unauthorized(
      'The bearer token is not valid: it is neither an IAM access token nor a live project token.',
    );
  }

  private async fromJwt(token: string): Promise<Principal> {
    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.exp * 1000 <= now) {
        this.cache.delete(token);
        throw unauthorized('The IAM access token has expired; request a new one.');
      }
      if (now - cached.checkedAt < RECHECK_MS) return cached.principal;
      // The signature was verified already; only the key's liveness can have changed.
      cached.recheck ??= this.principalOf(token, cached.akid, cached.exp).finally(() => {
        cached.recheck = undefined;
      });
      return cached.recheck;
    }
    const verified = await this.tokens.verify(token);
    if (!verified.ok) {
      throw unauthorized(
        verified.reason === 'expired'
          ? 'The IAM access token has expired; request a new one.'
          : 'Unable to verify the IAM access token.',
      );
    }
    return this.principalOf(token, verified.claims.akid, verified.claims.exp);
  }

  /** Looks the token's API key up and (re)caches the principal, or forgets the token when revoked. */
  private async principalOf(token: string, akid: string, exp: number): Promise<Principal> {
    const checkedAt = Date.now();
    const revocations = this.revocations;
    const live = await this.users.liveApiKey(akid);
    if (!live) {
      this.cache.delete(token);
      throw unauthorized('The IAM access token was revoked: its API key or user no longer exists.');
    }
    const principal: Principal = {
      kind: 'user',
      userId: live.user_id,
      iamId: live.iam_id,
      username: live.username,
      isAdmin: Boolean(live.is_admin),
      apiKeyId: live.api_key_id,
    };
    if (revocations !== this.revocations) return principal; // answer this request, trust it no longer
    if (!this.cache.has(token) && this.cache.size >= CACHE_LIMIT) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(token, { principal, exp, akid, checkedAt });
    return principal;
  }
}
