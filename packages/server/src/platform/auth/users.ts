import crypto from 'node:crypto';
import type { Store } from '../../store/db.ts';
import { nowIso } from '../../store/db.ts';
import { hashSecret, newApiKey, newIamId } from './keys.ts';

export interface User {
  id: string;
  iam_id: string;
  username: string;
  display_name: string;
  is_admin: boolean;
  created_at: string;
}

const toUser = (row: any): User => ({ ...row, is_admin: Boolean(row.is_admin) });
const USERNAME = /^[A-Za-z0-9._%+@-]{1,100}$/;

/** Users and their API keys, as the IAM stand-in keeps them. */
export class UserDirectory {
  constructor(private readonly store: Store) {}

  async createUser(input: { username: string; displayName?: string; isAdmin?: boolean }): Promise<User> {
    if (!USERNAME.test(input.username)) {
      throw new Error('username must be 1 to 100 letters, digits or . _ % + @ -');
    }
    const row = {
      id: crypto.randomUUID(),
      iam_id: newIamId(),
      username: input.username,
      display_name: input.displayName ?? input.username,
      is_admin: input.isAdmin ? 1 : 0,
      created_at: nowIso(),
      disabled_at: null,
    };
    await this.store.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async findUser(by: { id?: string; username?: string; iamId?: string }): Promise<User | undefined> {
    let q = this.store.db.selectFrom('users').selectAll().where('disabled_at', 'is', null);
    if (by.id) q = q.where('id', '=', by.id);
    else if (by.username) q = q.where('username', '=', by.username);
    else if (by.iamId) q = q.where('iam_id', '=', by.iamId);
    else return undefined;
    const row = await q.executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.store.db.selectFrom('users').selectAll().orderBy('created_at').execute();
    return rows.map(toUser);
  }

  /** Creates a key and returns its value: the only time it is ever visible. */
  async createApiKey(
    userId: string,
    name: string,
    value = newApiKey(),
  ): Promise<{ id: string; apikey: string }> {
    const id = 'ApiKey-' + crypto.randomUUID();
    await this.store.db
      .insertInto('api_keys')
      .values({
        id,
        user_id: userId,
        name,
        key_hash: hashSecret(value),
        created_at: nowIso(),
        revoked_at: null,
      })
      .execute();
    return { id, apikey: value };
  }

  async listApiKeys(userId: string) {
    return this.store.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'created_at', 'revoked_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
  }

  async revokeApiKey(id: string): Promise<boolean> {
    const res = await this.store.db
      .updateTable('api_keys')
      .set({ revoked_at: nowIso() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** The live key with this value, with its user; undefined when unknown, revoked or disabled. */
  async authenticateApiKey(value: string) {
    return this.store.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select([
        'api_keys.id as api_key_id',
        'users.id as user_id',
        'users.iam_id',
        'users.username',
        'users.is_admin',
      ])
      .where('api_keys.key_hash', '=', hashSecret(value))
      .where('api_keys.revoked_at', 'is', null)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  /** Same check by key id, used to refuse tokens whose key was revoked since they were issued. */
  async liveApiKey(apiKeyId: string) {
    return this.store.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select([
        'api_keys.id as api_key_id',
        'users.id as user_id',
        'users.iam_id',
        'users.username',
        'users.is_admin',
      ])
      .where('api_keys.id', '=', apiKeyId)
      .where('api_keys.revoked_at', 'is', null)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  /**
   * The bootstrap administrator. With `apiKey` given, that value is made a live key of the
   * administrator; without one, a key is generated only when the administrator is first created.
   */
  async ensureAdmin(username: string, apiKey?: string): Promise<{ user: User; generatedKey?: string }> {
    let user = await this.findUser({ username });
    let generatedKey: string | undefined;
    if (!user) {
      user = await this.createUser({ username, displayName: 'Administrator', isAdmin: true });
      if (!apiKey) generatedKey = (await this.createApiKey(user.id, 'bootstrap')).apikey;
    }
    if (apiKey && !(await this.authenticateApiKey(apiKey))) {
      await this.createApiKey(user.id, 'ADMIN_APIKEY', apiKey);
    }
    return { user, generatedKey };
  }
}
