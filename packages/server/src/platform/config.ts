import path from 'node:path';

/** Everything the server reads from its environment, parsed once. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://... selects PostgreSQL; otherwise SQLite under dataDir. */
  databaseUrl?: string;
  /** PostgreSQL schema to use (tests isolate themselves with it). */
  databaseSchema?: string;
  adminApiKey?: string;
  adminUsername: string;
  tokenTtlSeconds: number;
  refreshTtlSeconds: number;
  tokenSigningKey?: string;
  logLevel: string;
  bodyLimitBytes: number;
  /** On SIGTERM, how long requests in flight may take before their connections are cut. */
  shutdownGraceMs: number;
  /** Requests per hour per user and category; 0 disables the category's limit. */
  rateLimits: { query: number; read: number; write: number };
  /** Public base URL used in hrefs; defaults to http://localhost:PORT. */
  publicUrl?: string;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: int(env.PORT, 8080, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR ?? './.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    adminApiKey: env.ADMIN_APIKEY || undefined,
    adminUsername: env.ADMIN_USERNAME ?? 'admin@example.com',
    tokenTtlSeconds: int(env.TOKEN_TTL_SECONDS, 3600, 'TOKEN_TTL_SECONDS'),
    refreshTtlSeconds: int(env.REFRESH_TTL_SECONDS, 30 * 24 * 3600, 'REFRESH_TTL_SECONDS'),
    tokenSigningKey: env.TOKEN_SIGNING_KEY || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    bodyLimitBytes: int(env.BODY_LIMIT_BYTES, 1024 * 1024, 'BODY_LIMIT_BYTES'),
    shutdownGraceMs: int(env.SHUTDOWN_GRACE_MS, 30_000, 'SHUTDOWN_GRACE_MS'),
    rateLimits: {
      // 100 times the budgets the seed's 429 examples show (60, 600, 450 per hour).
      query: int(env.RATE_LIMIT_QUERY, 6000, 'RATE_LIMIT_QUERY'),
      read: int(env.RATE_LIMIT_READ, 60000, 'RATE_LIMIT_READ'),
      write: int(env.RATE_LIMIT_WRITE, 45000, 'RATE_LIMIT_WRITE'),
    },
    publicUrl: env.PUBLIC_URL || undefined,
  };
}
