import type { Kysely, Migration } from 'kysely';

export const catalogMigrations: Record<string, Migration> = {
  '3101_catalogs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalogs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('generator', 'text', (c) => c.notNull())
        .addColumn('bss_account_id', 'text', (c) => c.notNull())
        .addColumn('capacity_limit', 'bigint', (c) => c.notNull())
        .addColumn('is_governed', 'integer', (c) => c.notNull())
        .addColumn('subtype', 'text')
        .addColumn('creator_iam_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // Catalog names are unique within an account (a second one is a 409).
      await db.schema
        .createIndex('catalogs_account_name')
        .unique()
        .on('catalogs')
        .columns(['bss_account_id', 'name'])
        .execute();

      await db.schema
        .createTable('catalog_members')
        .addColumn('catalog_id', 'text', (c) => c.notNull().references('catalogs.id').onDelete('cascade'))
        .addColumn('iam_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('catalog_members_pk', ['catalog_id', 'iam_id'])
        .execute();
      // "Catalogs I am a member of", in id order: the list's path.
      await db.schema
        .createIndex('catalog_members_by_member')
        .on('catalog_members')
        .columns(['iam_id', 'catalog_id'])
        .execute();
    },
  },
};
