import type { Kysely, Migration } from 'kysely';

export const projectTokenMigrations: Record<string, Migration> = {
  '1200_project_tokens': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('project_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Deleting a project deletes (revokes) its tokens.
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('creator_user_id', 'text', (c) => c.notNull())
        .addColumn('creator_iam_id', 'text', (c) => c.notNull())
        .addColumn('creator_username', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('project_tokens_by_project')
        .on('project_tokens')
        .columns(['project_id', 'created_at'])
        .execute();
    },
  },
};
