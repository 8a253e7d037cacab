import type { Kysely, Migration } from 'kysely';

export const assetContainerMigrations: Record<string, Migration> = {
  '3201_asset_container_archives': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('asset_container_archives')
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('archived_at', 'text')
        .addColumn('archived_by', 'text')
        .addColumn('restored_at', 'text')
        .addColumn('restored_by', 'text')
        .addColumn('asset_count', 'integer', (c) => c.notNull())
        .addColumn('attachment_count', 'integer', (c) => c.notNull())
        .addColumn('failure', 'text')
        .addColumn('lease_owner', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_container_archives_pk', ['container_kind', 'container_id'])
        .execute();
      // The sweep looks for pending work by status.
      await db.schema
        .createIndex('asset_container_archives_pending')
        .on('asset_container_archives')
        .columns(['status', 'lease_until'])
        .execute();
      await db.schema
        .createTable('asset_container_archived_assets')
        .addColumn('asset_id', 'text', (c) => c.primaryKey())
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('asset_container_archived_assets_container')
        .on('asset_container_archived_assets')
        .columns(['container_kind', 'container_id'])
        .execute();
    },
  },
  '3202_asset_container_configurations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('asset_container_configurations')
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('configurations', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_container_configurations_pk', ['container_kind', 'container_id'])
        .execute();
    },
  },
};
