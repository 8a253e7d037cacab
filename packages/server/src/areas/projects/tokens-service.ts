import crypto from 'node:crypto';
import type { Store } from '../../store/db.ts';
import { fromJson, nowIso, toJson } from '../../store/db.ts';
import type { Principal, ProjectTokenPrincipal } from '../../platform/auth/principal.ts';
import { hashSecret } from '../../platform/auth/keys.ts';
import { badRequest, forbidden, notFound, unauthorized } from '../../platform/errors.ts';
import { requireProjectRole, type ProjectRole } from './access.ts';
import { TokensRepository, type ProjectTokenRow } from './tokens-repository.ts';

/** Every project token starts with this, so other bearer values are turned away without a query. */
export const PROJECT_TOKEN_PREFIX = 'cpt_';
const SCHEMA_VERSION = '2.0.0';
/** `last_used_at` is kept to the minute: a write per request would cost more than it tells. */
const LAST_USED_PRECISION_MS = 60_000;
const NAME_MAX = 255;
const CONTROL_CHARS = /\p{Cc}/u;

export interface TokenScope {
  audience: string;
  guid: string;
  role: ProjectRole;
}

export interface ProjectTokenView {
  guid: string;
  name: string;
  scopes: TokenScope[];
  creator: { username: string; id: string };
  created_at: string;
  last_used_at: string;
  schema_version: string;
  /** Only in the answer to the creation. */
  token?: string;
}

function view(row: ProjectTokenRow): ProjectTokenView {
  return {
    guid: row.id,
    name: row.name,
    scopes: fromJson<TokenScope[]>(row.scopes, []),
    creator: { username: row.creator_username, id: row.creator_iam_id },
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    schema_version: SCHEMA_VERSION,
  };
}

/**
 * Project (tenant) access tokens: project admins issue and revoke them with their own
 * credentials; a token then acts in its one project with the one role of its scope.
 */
export class TokensService {
  private readonly repo: TokensRepository;

  constructor(private readonly store: Store) {
    this.repo = new TokensRepository(store);
  }

  /** Tokens are managed by people: a token cannot issue, list or revoke tokens. */
  private async requireTokenAdmin(principal: Principal, projectId: string): Promise<void> {
    if (principal.kind === 'project_token') {
      throw forbidden('Permission Denied: project tokens cannot manage project tokens; use IAM credentials.');
    }
    await requireProjectRole(this.store, principal, projectId, 'admin');
  }

  async create(
    principal: Principal,
    projectId: string,
    body: { name: string; scopes: TokenScope[] },
  ): Promise<ProjectTokenView> {
    await this.requireTokenAdmin(principal, projectId);
    const name = body.name.trim();
    if (!name || CONTROL_CHARS.test(name)) {
      throw badRequest('Entity body.name contains invalid characters.', { parameters: ['name'] });
    }
    if (name.length > NAME_MAX) {
      throw badRequest(`Entity body.name must be at most ${NAME_MAX} characters.`, { parameters: ['name'] });
    }
    const scope = this.onlyScope(body.scopes, projectId);
    const value = PROJECT_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const now = nowIso();
    const row: ProjectTokenRow = {
      id: crypto.randomUUID(),
      project_id: projectId,
      name,
      role: scope.role,
      scopes: toJson([scope]),
      token_hash: hashSecret(value),
      creator_user_id: principal.userId,
      creator_iam_id: principal.iamId,
      creator_username: principal.username,
      created_at: now,
      last_used_at: now,
    };
    await this.repo.insert(row);
    return { ...view(row), token: value };
  }

  /** A token acts in one project with one role, so it has exactly one scope: this project. */
  private onlyScope(scopes: TokenScope[], projectId: string): TokenScope {
    if (scopes.length !== 1) {
      throw badRequest(`Entity body.scopes must hold exactly one scope (got ${scopes.length}).`, {
        parameters: ['scopes'],
      });
    }
    const [scope] = scopes;
    if (scope.audience !== 'project') {
      throw badRequest(`Entity body.scopes[0].audience must be "project" (got "${scope.audience}").`, {
        parameters: ['scopes[0].audience'],
      });
    }
    if (scope.guid !== projectId) {
      throw badRequest(`Entity body.scopes[0].guid must be the project ID ${projectId}.`, {
        parameters: ['scopes[0].guid'],
      });
    }
    return { audience: 'project', guid: projectId, role: scope.role };
  }

  async list(principal: Principal, projectId: string): Promise<{ tokens: ProjectTokenView[] }> {
    await this.requireTokenAdmin(principal, projectId);
    return { tokens: (await this.repo.list(projectId)).map(view) };
  }

  async get(principal: Principal, projectId: string, tokenId: string): Promise<ProjectTokenView> {
    await this.requireTokenAdmin(principal, projectId);
    const row = await this.repo.find(projectId, tokenId);
    if (!row) throw tokenNotFound(projectId, tokenId);
    return view(row);
  }

  async revoke(principal: Principal, projectId: string, tokenId: string): Promise<void> {
    await this.requireTokenAdmin(principal, projectId);
    if (!(await this.repo.delete(projectId, tokenId))) throw tokenNotFound(projectId, tokenId);
  }

  async revokeAll(principal: Principal, projectId: string): Promise<void> {
    await this.requireTokenAdmin(principal, projectId);
    await this.repo.deleteAll(projectId);
  }

  /** The token the caller authenticated with; IAM tokens are not project tokens. */
  async introspect(principal: Principal): Promise<ProjectTokenView> {
    if (principal.kind !== 'project_token') {
      throw unauthorized('The bearer token is not a project tenant access token.');
    }
    const row = await this.repo.find(principal.projectId, principal.tokenId);
    if (!row) throw unauthorized('The project tenant access token was revoked.');
    return view(row);
  }

  /** Maps a live project token to its principal; anything else is not ours (undefined). */
  async resolve(bearer: string): Promise<ProjectTokenPrincipal | undefined> {
    if (!bearer.startsWith(PROJECT_TOKEN_PREFIX)) return undefined;
    const row = await this.repo.findLiveByHash(hashSecret(bearer));
    if (!row) return undefined;
    const now = Date.now();
    if (now - Date.parse(row.last_used_at) >= LAST_USED_PRECISION_MS) {
      row.last_used_at = new Date(now).toISOString();
      await this.repo.touch(row.id, row.last_used_at);
    }
    return {
      kind: 'project_token',
      userId: row.creator_user_id,
      iamId: row.creator_iam_id,
      username: row.creator_username,
      isAdmin: false,
      tokenId: row.id,
      projectId: row.project_id,
      role: row.role,
    };
  }
}

const tokenNotFound = (projectId: string, tokenId: string) =>
  notFound(`Token ${tokenId} does not exist in project ${projectId}.`, { parameters: [tokenId] });
