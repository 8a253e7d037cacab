import type { Kysely, Migration } from 'kysely';

export const projectImportMigrations: Record<string, Migration> = {
  '1300_project_imports': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('project_imports')
        .addColumn('transaction_id', 'text', (c) =>
          c.primaryKey().references('project_transactions.id').onDelete('cascade'),
        )
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('archive_blob_id', 'text', (c) => c.notNull())
        .addColumn('id_map', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
