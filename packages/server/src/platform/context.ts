import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from './config.ts';
import type { Contract } from './contract.ts';
import type { Store } from '../store/db.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { UserDirectory } from './auth/users.ts';
import type { TokenService } from './auth/tokens.ts';
import type { SecretBox } from './secret-box.ts';

/** What every area receives: shared services, never HTTP details. */
export interface AppContext {
  config: ServerConfig;
  /** The common core contract. */
  contract: Contract;
  /** The Code Engine v2 contract (paths relative to `/codeengine/v2`). */
  codeEngineContract: Contract;
  store: Store;
  auth: Authenticator;
  users: UserDirectory;
  tokens: TokenService;
  /** Seals secrets (Code Engine secret data, connection credentials) before they reach the database. */
  secrets: SecretBox;
  log: FastifyBaseLogger;
}
