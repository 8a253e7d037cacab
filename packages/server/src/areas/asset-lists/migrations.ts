import type { Kysely, Migration } from 'kysely';

export const assetListMigrations: Record<string, Migration> = {
  '3203_asset_lists': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('asset_lists')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('properties', 'text', (c) => c.notNull())
        .addColumn('archived', 'integer', (c) => c.notNull())
        .addColumn('asset', 'text')
        .addColumn('asset_container_kind', 'text')
        .addColumn('asset_container_id', 'text')
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('bss_account_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_updated_at', 'text', (c) => c.notNull())
        .addColumn('last_updated_by', 'text', (c) => c.notNull())
        .execute();
      // An owner's lists, by type and name (the 409 of a second list with the same ones).
      await db.schema
        .createIndex('asset_lists_owner')
        .on('asset_lists')
        .columns(['owner_id', 'type', 'name'])
        .execute();
      // The lists an approver (an admin of the asset's container) sees.
      await db.schema
        .createIndex('asset_lists_asset_container')
        .on('asset_lists')
        .columns(['asset_container_kind', 'asset_container_id'])
        .execute();
    },
  },
};
