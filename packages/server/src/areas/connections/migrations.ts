import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
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
      if (db.getExecutor().adapter instanceof PostgresAdapter) await postgresCountTriggers(db);
      else await sqliteCountTriggers(db);

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

async function sqliteCountTriggers(db: Kysely<any>) {
  const where = (r: string) =>
    `container_kind = ${r}.container_kind and container_id = ${r}.container_id and facet = ${r}.facet and flags = ${r}.flags`;
  const add = (r: string) => `insert into connection_counts (container_kind, container_id, facet, flags, n)
    values (${r}.container_kind, ${r}.container_id, ${r}.facet, ${r}.flags, 1)
    on conflict (container_kind, container_id, facet, flags) do update set n = n + 1;`;
  const remove = (r: string) => `update connection_counts set n = n - 1 where ${where(r)};
    delete from connection_counts where ${where(r)} and n <= 0;`;
  await sql
    .raw(
      `create trigger connection_facets_counted_insert after insert on connection_facets
    begin ${add('new')} end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger connection_facets_counted_delete after delete on connection_facets
    begin ${remove('old')} end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger connection_facets_counted_update after update on connection_facets
    begin ${remove('old')} ${add('new')} end`,
    )
    .execute(db);
}

/**
 * On PostgreSQL the counts change once per statement (transition tables), not once per row: a
 * bulk insert or a cascade is one grouped upsert. Each statement first takes a lock per container
 * (held to the commit), so writers of one container's counts queue instead of deadlocking on count
 * rows taken in different orders.
 */
async function postgresCountTriggers(db: Kysely<any>) {
  const lock = (t: string) => `perform pg_advisory_xact_lock(hashtext('connection_counts:' || k || ':' || i))
      from (select distinct container_kind as k, container_id as i from ${t} order by 1, 2) c;`;
  const add = (t: string) => `insert into connection_counts (container_kind, container_id, facet, flags, n)
      select container_kind, container_id, facet, flags, count(*) from ${t}
      group by container_kind, container_id, facet, flags order by 1, 2, 3, 4
      on conflict (container_kind, container_id, facet, flags)
      do update set n = connection_counts.n + excluded.n;`;
  const match = `c.container_kind = d.container_kind and c.container_id = d.container_id
      and c.facet = d.facet and c.flags = d.flags`;
  const remove = (t: string) => `update connection_counts c set n = c.n - d.n
      from (select container_kind, container_id, facet, flags, count(*) as n from ${t}
            group by container_kind, container_id, facet, flags) d
      where ${match};
    delete from connection_counts c using (select distinct container_kind, container_id, facet, flags from ${t}) d
      where ${match} and c.n <= 0;`;
  const bodies: Record<string, [string, string]> = {
    insert: ['new table as added', `${lock('added')} ${add('added')}`],
    delete: ['old table as removed', `${lock('removed')} ${remove('removed')}`],
    update: [
      'old table as removed new table as added',
      `${lock('removed')} ${lock('added')} ${remove('removed')} ${add('added')}`,
    ],
  };
  for (const [event, [referencing, body]] of Object.entries(bodies)) {
    await sql
      .raw(
        `create function connection_facets_counted_${event}() returns trigger language plpgsql as $$
        begin ${body} return null; end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger connection_facets_counted_${event} after ${event} on connection_facets
        referencing ${referencing} for each statement execute function connection_facets_counted_${event}()`,
      )
      .execute(db);
  }
}
