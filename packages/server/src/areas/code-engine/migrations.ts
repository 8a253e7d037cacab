import type { Kysely, Migration } from 'kysely';

export const codeEngineMigrations: Record<string, Migration> = {
  '5001_code_engine': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ce_projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('resource_group_id', 'text', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('ready_status', 'text')
        .addColumn('ready_at', 'text')
        .addColumn('delete_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Project names are unique per owner; the list pages through them by name.
      await db.schema
        .createIndex('ce_projects_owner_name')
        .on('ce_projects')
        .columns(['owner_id', 'name'])
        .unique()
        .execute();

      await db.schema
        .createTable('ce_resources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('ce_projects.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('filter_key', 'text')
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text')
        .addColumn('entity_tag', 'text', (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('ready_status', 'text')
        .addColumn('ready_at', 'text')
        .addColumn('delete_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Names are unique per project and kind; lists page through this index by name.
      await db.schema
        .createIndex('ce_resources_name')
        .on('ce_resources')
        .columns(['project_id', 'kind', 'name'])
        .unique()
        .execute();
      await db.schema
        .createIndex('ce_resources_filter')
        .on('ce_resources')
        .columns(['project_id', 'kind', 'filter_key', 'name'])
        .execute();
      // The lifecycle sweep looks for rows with a pending transition or removal.
      await db.schema.createIndex('ce_resources_ready_at').on('ce_resources').column('ready_at').execute();
      await db.schema.createIndex('ce_resources_delete_at').on('ce_resources').column('delete_at').execute();
      await db.schema.createIndex('ce_projects_ready_at').on('ce_projects').column('ready_at').execute();
      await db.schema.createIndex('ce_projects_delete_at').on('ce_projects').column('delete_at').execute();
    },
  },
};
