import type { Kysely, Migration } from 'kysely';

export const spaceMigrations: Record<string, Migration> = {
  '2001_spaces': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('spaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('bss_account_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('ready_at', 'text', (c) => c.notNull())
        .addColumn('creator_iam_id', 'text', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .execute();
      // The start-up sweep looks for spaces still preparing.
      await db.schema.createIndex('spaces_state').on('spaces').column('state').execute();
      await db.schema.createIndex('spaces_account').on('spaces').columns(['bss_account_id', 'id']).execute();

      await db.schema
        .createTable('space_members')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('iam_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('space_members_pk', ['space_id', 'iam_id'])
        .execute();
      // "Spaces I am a member of", in id order: the list's hot path, paged by id.
      await db.schema
        .createIndex('space_members_by_member')
        .on('space_members')
        .columns(['iam_id', 'space_id'])
        .execute();

      await db.schema
        .createTable('space_tags')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('space_tags_pk', ['space_id', 'tag'])
        .execute();
      await db.schema
        .createTable('space_computes')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('crn', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('space_computes_pk', ['space_id', 'crn'])
        .execute();
    },
  },
};
