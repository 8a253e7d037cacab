import type { Kysely, Migration } from 'kysely';

/** Connections, their list index, user-defined data source types and connection files. */
export const connectionMigrations: Record<string, Migration> = {
  '4001_connections': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('connection_index')
        .addColumn('asset_id', 'text', (c) =>
          c.primaryKey().references('assets.asset_id').onDelete('cascade'),
        )
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('datasource_type', 'text', (c) => c.notNull())
        .addColumn('dsd_asset_id', 'text', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('flags', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // A list page is a walk of one of these in sort order, starting at the container's flags.
      await db.schema
        .createIndex('connection_index_by_name')
        .on('connection_index')
        .columns(['container_kind', 'container_id', 'flags', 'name', 'asset_id'])
        .execute();
      await db.schema
        .createIndex('connection_index_by_created')
        .on('connection_index')
        .columns(['container_kind', 'container_id', 'flags', 'created_at', 'asset_id'])
        .execute();

      // the newest entry of a container: how `unindexed` knows where to look
      await db.schema
        .createIndex('connection_index_newest')
        .on('connection_index')
        .columns(['container_kind', 'container_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('connection_properties')
        .addColumn('asset_id', 'text', (c) =>
          c.notNull().references('connection_index.asset_id').onDelete('cascade'),
        )
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('connection_properties_pk', ['asset_id', 'name'])
        .execute();
      await db.schema
        .createIndex('connection_properties_by_value')
        .on('connection_properties')
        .columns(['container_kind', 'container_id', 'name', 'value', 'asset_id'])
        .execute();

      await db.schema
        .createTable('datasource_types')
        .addColumn('type_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('connection_files')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('blob_id', 'text', (c) => c.notNull().references('blobs.blob_id'))
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('connection_files_by_name')
        .on('connection_files')
        .columns(['file_name', 'created_at'])
        .execute();
      await db.schema
        .createIndex('connection_files_by_created')
        .on('connection_files')
        .columns(['created_at', 'hash'])
        .execute();
    },
  },
};
