import { sql, type Kysely, type Migration } from 'kysely';
import { blobMigrations } from '../../store/blobs.ts';
import { installCountTriggers } from '../../store/count-triggers.ts';

export const assetMigrations: Record<string, Migration> = {
  ...blobMigrations,
  '3002_assets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('assets')
        .addColumn('asset_id', 'text', (c) => c.primaryKey())
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('asset_type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lc', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('description_lc', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('asset_state', 'text', (c) => c.notNull())
        .addColumn('asset_category', 'text', (c) => c.notNull())
        .addColumn('origin_country', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('rov', 'text', (c) => c.notNull())
        .addColumn('usage', 'text', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .execute();
      // Lookups by type and name inside a container (jobs, connections, environments by name).
      await db.schema
        .createIndex('assets_container_type_name')
        .on('assets')
        .columns(['container_kind', 'container_id', 'asset_type', 'name'])
        .execute();
      // Lists and searches page in creation order inside a container.
      await db.schema
        .createIndex('assets_container_created')
        .on('assets')
        .columns(['container_kind', 'container_id', 'created_at', 'asset_id'])
        .execute();
      await db.schema
        .createIndex('assets_container_type_created')
        .on('assets')
        .columns(['container_kind', 'container_id', 'asset_type', 'created_at', 'asset_id'])
        .execute();

      await db.schema
        .createTable('asset_tags')
        .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.asset_id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_tags_pk', ['asset_id', 'tag'])
        .execute();
      await db.schema
        .createIndex('asset_tags_by_tag')
        .on('asset_tags')
        .columns(['tag', 'asset_id'])
        .execute();
    },
  },
  '3003_asset_attachments': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('asset_attachments')
        .addColumn('attachment_id', 'text', (c) => c.primaryKey())
        .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.asset_id').onDelete('cascade'))
        .addColumn('asset_type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('mime', 'text', (c) => c.notNull())
        .addColumn('is_partitioned', 'integer', (c) => c.notNull())
        .addColumn('data_partitions', 'integer', (c) => c.notNull())
        .addColumn('user_data', 'text', (c) => c.notNull())
        .addColumn('blob_id', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('transfer_complete', 'integer', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('asset_attachments_by_asset')
        .on('asset_attachments')
        .columns(['asset_id', 'created_at'])
        .execute();
    },
  },
  '3004_asset_type_counts': {
    // How many assets of each type a container holds: the type list and the total of a search of
    // every asset read these instead of counting the container's rows (flat as it grows).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('asset_type_counts')
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('asset_type', 'text', (c) => c.notNull())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_type_counts_pk', ['container_kind', 'container_id', 'asset_type'])
        .execute();
      // An asset never changes container or type: inserts and deletes are all there is to count.
      await installCountTriggers(db, {
        source: 'assets',
        counts: 'asset_type_counts',
        keys: ['container_kind', 'container_id', 'asset_type'],
        lockedKeys: 2,
        name: 'assets_counted',
        lock: 'asset_type_counts',
        onUpdate: false,
      });
      await sql`insert into asset_type_counts (container_kind, container_id, asset_type, n)
        select container_kind, container_id, asset_type, count(*) from assets
        group by container_kind, container_id, asset_type`.execute(db);
    },
  },
};
