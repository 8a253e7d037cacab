import type { Kysely, Migration } from 'kysely';
import { installCountTriggers } from '../../store/count-triggers.ts';
import { facetsOf } from './facets.ts';

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
  '4002_connection_facets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('connection_facets')
        .addColumn('asset_id', 'text', (c) =>
          c.notNull().references('connection_index.asset_id').onDelete('cascade'),
        )
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('facet', 'text', (c) => c.notNull())
        .addColumn('flags', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('prop_name', 'text')
        .addColumn('prop_value', 'text')
        .addPrimaryKeyConstraint('connection_facets_pk', ['asset_id', 'facet'])
        .execute();
      // A list page walks one of these from (container, facet, flags key) in sort order: a page
      // costs its size, whatever the container holds.
      await db.schema
        .createIndex('connection_facets_by_name')
        .on('connection_facets')
        .columns(['container_kind', 'container_id', 'facet', 'flags', 'name', 'asset_id'])
        .execute();
      await db.schema
        .createIndex('connection_facets_by_created')
        .on('connection_facets')
        .columns(['container_kind', 'container_id', 'facet', 'flags', 'created_at', 'asset_id'])
        .execute();
      await db.schema
        .createTable('connection_counts')
        .addColumn('container_kind', 'text', (c) => c.notNull())
        .addColumn('container_id', 'text', (c) => c.notNull())
        .addColumn('facet', 'text', (c) => c.notNull())
        .addColumn('flags', 'text', (c) => c.notNull())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('connection_counts_pk', ['container_kind', 'container_id', 'facet', 'flags'])
        .execute();
      // Triggers, not application code, keep the counts: every way a facet row goes (an asset
      // delete's cascade, a container archived or deleted) is counted in the same transaction.
      await installCountTriggers(db, {
        source: 'connection_facets',
        counts: 'connection_counts',
        keys: ['container_kind', 'container_id', 'facet', 'flags'],
        lockedKeys: 2,
        name: 'connection_facets_counted',
        lock: 'connection_counts',
        onUpdate: true,
      });

      // An existing database: facets for the connections already indexed, then the old tables go.
      const entries = await db.selectFrom('connection_index').selectAll().execute();
      for (let i = 0; i < entries.length; i += 200) {
        const part = entries.slice(i, i + 200);
        const props = await db
          .selectFrom('connection_properties')
          .select(['asset_id', 'name', 'value'])
          .where(
            'asset_id',
            'in',
            part.map((e) => e.asset_id),
          )
          .execute();
        const rows = part.flatMap((e) =>
          facetsOf({
            name: e.name,
            datasource_type: e.datasource_type,
            dsd_asset_id: e.dsd_asset_id,
            context: e.context,
            creator_id: e.creator_id,
            properties: Object.fromEntries(
              props.filter((p) => p.asset_id === e.asset_id).map((p) => [p.name, p.value]),
            ),
          }).map((f) => ({
            asset_id: e.asset_id,
            container_kind: e.container_kind,
            container_id: e.container_id,
            flags: e.flags,
            name: e.name,
            created_at: e.created_at,
            ...f,
          })),
        );
        for (let j = 0; j < rows.length; j += 100)
          await db
            .insertInto('connection_facets')
            .values(rows.slice(j, j + 100))
            .execute();
      }
      await db.schema.dropTable('connection_properties').execute();
      await db.schema.dropIndex('connection_index_by_name').execute();
      await db.schema.dropIndex('connection_index_by_created').execute();
    },
  },
};
