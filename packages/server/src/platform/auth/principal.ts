/** Who is calling. A project token acts for its creator, limited to one project and one role. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  iamId: string;
  username: string;
  isAdmin: boolean;
  apiKeyId: string;
}

export interface ProjectTokenPrincipal {
  kind: 'project_token';
  userId: string;
  iamId: string;
  username: string;
  isAdmin: false;
  tokenId: string;
  projectId: string;
  role: 'admin' | 'editor' | 'viewer';
}

export type Principal = UserPrincipal | ProjectTokenPrincipal;

/**
 * Resolves a bearer value that is not an IAM JWT (for example a project token).
 * Returns undefined when the value is not of the resolver's kind or is unknown/revoked.
 */
export type BearerResolver = (bearer: string) => Promise<Principal | undefined>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}
