import { sql, type Kysely, type Migration } from 'kysely';
import { installCountTriggers } from '../../store/count-triggers.ts';
import { projectImportMigrations } from './archive-migrations.ts';

export const projectMigrations: Record<string, Migration> = {
  '1001_projects': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('generator', 'text', (c) => c.notNull())
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('creator_iam_id', 'text', (c) => c.notNull())
        .addColumn('bss_account_id', 'text', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('projects_account_name')
        .on('projects')
        .columns(['bss_account_id', 'name'])
        .execute();
      await db.schema
        .createTable('project_members')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('iam_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'iam_id'])
        .execute();
      // "Projects I am a member of", ordered by project: the list's hot path.
      await db.schema
        .createIndex('project_members_by_member')
        .on('project_members')
        .columns(['iam_id', 'project_id'])
        .execute();
    },
  },
  '1002_project_tags_transactions': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('projects')
        .addColumn('name_keywords', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createTable('project_tags')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_tags_pk', ['project_id', 'tag'])
        .execute();
      // tag_names filter of the project list: "projects carrying this tag".
      await db.schema
        .createIndex('project_tags_by_tag')
        .on('project_tags')
        .columns(['tag', 'project_id'])
        .execute();
      await db.schema
        .createTable('project_transactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('creator_iam_id', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('project_transactions_by_project')
        .on('project_transactions')
        .columns(['project_id'])
        .execute();
    },
  },
  '1003_project_members_account_type': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('project_members')
        .addColumn('bss_account_id', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('project_members')
        .addColumn('project_type', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await sql`update project_members set
          bss_account_id = (select p.bss_account_id from projects p where p.id = project_members.project_id),
          project_type = (select p.type from projects p where p.id = project_members.project_id)`.execute(db);
      // "My projects in this account", in project order: the list's usual filter, counted and
      // paged without touching the project rows.
      await db.schema
        .createIndex('project_members_by_member_account')
        .on('project_members')
        .columns(['iam_id', 'bss_account_id', 'project_id'])
        .execute();
    },
  },
  '1004_project_member_counts': {
    // How many projects each user is a member of: the total of an unfiltered project list reads
    // it instead of counting the user's memberships (flat as they grow).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('project_member_counts')
        .addColumn('iam_id', 'text', (c) => c.primaryKey())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .execute();
      // A membership never changes project or member: inserts and deletes are all there is.
      await installCountTriggers(db, {
        source: 'project_members',
        counts: 'project_member_counts',
        keys: ['iam_id'],
        lockedKeys: 1,
        name: 'project_members_counted',
        lock: 'project_member_counts',
        onUpdate: false,
      });
      await sql`insert into project_member_counts (iam_id, n)
        select iam_id, count(*) from project_members group by iam_id`.execute(db);
    },
  },
  ...projectImportMigrations,
};
