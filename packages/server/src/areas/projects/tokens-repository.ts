import type { Store } from '../../store/db.ts';
import type { ProjectTables } from './tables.ts';
import type { ProjectTokenTables } from './tokens-tables.ts';

export type ProjectTokenRow = ProjectTokenTables['project_tokens'];

/** SQL for project tokens. */
export class TokensRepository {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db.withTables<ProjectTokenTables & ProjectTables>();
  }

  async insert(row: ProjectTokenRow): Promise<void> {
    await this.db.insertInto('project_tokens').values(row).execute();
  }

  async list(projectId: string): Promise<ProjectTokenRow[]> {
    return this.db
      .selectFrom('project_tokens')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async find(projectId: string, tokenId: string): Promise<ProjectTokenRow | undefined> {
    return this.db
      .selectFrom('project_tokens')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', tokenId)
      .executeTakeFirst();
  }

  /**
   * The live token with this hash: its project still exists and its creator's account is not
   * disabled. Anything else no longer authenticates.
   */
  async findLiveByHash(tokenHash: string): Promise<ProjectTokenRow | undefined> {
    return this.db
      .selectFrom('project_tokens')
      .innerJoin('projects', 'projects.id', 'project_tokens.project_id')
      .innerJoin('users', 'users.id', 'project_tokens.creator_user_id')
      .selectAll('project_tokens')
      .where('project_tokens.token_hash', '=', tokenHash)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  async touch(tokenId: string, at: string): Promise<void> {
    await this.db.updateTable('project_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
  }

  /** true when a token was deleted. */
  async delete(projectId: string, tokenId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('project_tokens')
      .where('project_id', '=', projectId)
      .where('id', '=', tokenId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteAll(projectId: string): Promise<void> {
    await this.db.deleteFrom('project_tokens').where('project_id', '=', projectId).execute();
  }
}
