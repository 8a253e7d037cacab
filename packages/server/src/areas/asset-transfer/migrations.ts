import type { Kysely, Migration } from 'kysely';

export const assetTransferMigrations: Record<string, Migration> = {
  '3301_asset_transfers': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('asset_transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('key_sealed', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('failure', 'text')
        .addColumn('archive_blob_id', 'text')
        .addColumn('progress', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('work_done', 'integer', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('lease_owner', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Lists page in creation order per kind and container.
      await db.schema
        .createIndex('asset_transfers_list')
        .on('asset_transfers')
        .columns(['kind', 'container_kind', 'container_id', 'created_at', 'id'])
        .execute();
      // Sweeps look for work whose lease has expired.
      await db.schema
        .createIndex('asset_transfers_work')
        .on('asset_transfers')
        .columns(['work_done', 'lease_until'])
        .execute();
    },
  },
};
