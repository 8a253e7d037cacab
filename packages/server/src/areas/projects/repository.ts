import { sql, type Compilable, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Store } from '../../store/db.ts';
import { shapedQuery } from '../../store/prepared.ts';
import type { PlatformTables } from '../../store/platform-tables.ts';
import type { ProjectTables } from './tables.ts';
import type { MemberRow, ProjectRow } from './model.ts';

export type ProjectDb = Kysely<PlatformTables & ProjectTables>;

export const projectDb = (store: Store): ProjectDb => store.db.withTables<ProjectTables>();

// ---------------------------------------------------------------- projects

export async function findProject(db: ProjectDb, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The project row inside a read-modify-write transaction: locked on PostgreSQL, so that changes
 * to other sections of the entity JSON (settings, integrations) are not lost. SQLite runs one
 * writer at a time already.
 */
export async function findProjectForUpdate(
  trx: ProjectDb,
  id: string,
  dialect: 'sqlite' | 'postgres',
): Promise<ProjectRow | undefined> {
  let q = trx.selectFrom('projects').selectAll().where('id', '=', id);
  if (dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function nameTaken(db: ProjectDb, account: string, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('projects')
    .select('id')
    .where('bss_account_id', '=', account)
    .where('name', '=', name)
    .executeTakeFirst();
  return Boolean(row);
}

export async function insertProject(db: ProjectDb, row: ProjectRow): Promise<void> {
  await db.insertInto('projects').values(row).execute();
}

export async function updateProject(
  db: ProjectDb,
  id: string,
  patch: Partial<Omit<ProjectRow, 'id' | 'created_at'>>,
): Promise<void> {
  await db.updateTable('projects').set(patch).where('id', '=', id).execute();
}

/**
 * Removes the project and the rows of this module that hang off it. Tables of other modules
 * reference `projects.id` with ON DELETE CASCADE, so one statement reaches them too; call this
 * inside the caller's transaction.
 */
export async function deleteProjectRows(db: ProjectDb, id: string): Promise<void> {
  await db.deleteFrom('project_tags').where('project_id', '=', id).execute();
  await db.deleteFrom('project_members').where('project_id', '=', id).execute();
  await db.deleteFrom('project_transactions').where('project_id', '=', id).execute();
  await db.deleteFrom('projects').where('id', '=', id).execute();
}

// ---------------------------------------------------------------- members

export async function listMembers(
  db: ProjectDb,
  projectId: string,
  filter: { roles?: string[]; userNames?: string[] } = {},
): Promise<MemberRow[]> {
  let q = db.selectFrom('project_members').selectAll().where('project_id', '=', projectId);
  if (filter.roles?.length) q = q.where('role', 'in', filter.roles as MemberRow['role'][]);
  if (filter.userNames?.length) q = q.where('user_name', 'in', filter.userNames);
  return q.orderBy('created_at').orderBy('user_name').execute();
}

/** Members of many projects in one query, grouped by project. */
export async function membersOfProjects(db: ProjectDb, ids: string[]): Promise<Map<string, MemberRow[]>> {
  const out = new Map<string, MemberRow[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const rows = await db
    .selectFrom('project_members')
    .selectAll()
    .where('project_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('user_name')
    .execute();
  for (const r of rows) out.get(r.project_id)!.push(r);
  return out;
}

export async function insertMembers(db: ProjectDb, rows: MemberRow[]): Promise<void> {
  if (rows.length) await db.insertInto('project_members').values(rows).execute();
}

export async function setMemberRole(
  db: ProjectDb,
  projectId: string,
  iamId: string,
  change: { role: MemberRow['role']; state?: string; updated_at: string },
): Promise<void> {
  await db
    .updateTable('project_members')
    .set(change)
    .where('project_id', '=', projectId)
    .where('iam_id', '=', iamId)
    .execute();
}

/** Keeps the members' copy of the project type in step with the project. */
export async function setMembersProjectType(db: ProjectDb, projectId: string, type: string): Promise<void> {
  await db
    .updateTable('project_members')
    .set({ project_type: type })
    .where('project_id', '=', projectId)
    .execute();
}

export async function deleteMembers(db: ProjectDb, projectId: string, iamIds: string[]): Promise<void> {
  if (!iamIds.length) return;
  await db
    .deleteFrom('project_members')
    .where('project_id', '=', projectId)
    .where('iam_id', 'in', iamIds)
    .execute();
}

export async function countAdmins(db: ProjectDb, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('project_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---------------------------------------------------------------- tags

export async function tagsOf(db: ProjectDb, projectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('project_tags')
    .select('tag')
    .where('project_id', '=', projectId)
    .orderBy('tag')
    .execute();
  return rows.map((r) => r.tag);
}

/** Tags of many projects in one query, grouped by project. */
export async function tagsOfProjects(db: ProjectDb, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const rows = await db
    .selectFrom('project_tags')
    .select(['project_id', 'tag'])
    .where('project_id', 'in', ids)
    .orderBy('tag')
    .execute();
  for (const r of rows) out.get(r.project_id)!.push(r.tag);
  return out;
}

/** Adds the tags the project does not carry yet. */
export async function addTags(db: ProjectDb, projectId: string, tags: string[], now: string): Promise<void> {
  if (!tags.length) return;
  const have = new Set(await tagsOf(db, projectId));
  const rows = tags
    .filter((t) => !have.has(t))
    .map((tag) => ({ project_id: projectId, tag, created_at: now }));
  if (rows.length) await db.insertInto('project_tags').values(rows).execute();
}

/** Removes the given tags, or every tag when `tags` is undefined. */
export async function removeTags(db: ProjectDb, projectId: string, tags?: string[]): Promise<void> {
  if (tags && !tags.length) return;
  let q = db.deleteFrom('project_tags').where('project_id', '=', projectId);
  if (tags) q = q.where('tag', 'in', tags);
  await q.execute();
}

// ---------------------------------------------------------------- transactions

export type TransactionRow = ProjectTables['project_transactions'];

export async function insertTransaction(db: ProjectDb, row: TransactionRow): Promise<void> {
  await db.insertInto('project_transactions').values(row).execute();
}

export async function findTransaction(db: ProjectDb, id: string): Promise<TransactionRow | undefined> {
  return db.selectFrom('project_transactions').selectAll().where('id', '=', id).executeTakeFirst();
}

// ---------------------------------------------------------------- list

/** What `GET /v2/projects` and `GET /v2/projects/total` filter on. */
export interface ProjectFilter {
  /** The caller: only projects they are a member of. */
  iamId: string;
  /** A project token sees its own project only. */
  onlyProjectId?: string;
  bssAccountId?: string;
  type?: string;
  member?: string;
  roles?: string[];
  tagNames?: string[];
  /** `match=exact`: the name itself. */
  nameExact?: string;
  /** `match=keyword`: LIKE patterns on the keyword column, one per word (see nameKeywordPatterns). */
  nameLike?: string[];
  guids?: string[];
}

/** The words of a keyword name filter as patterns on `name_keywords` (" word1 word2 "). */
export function nameKeywordPatterns(text: string): string[] {
  // Words hold letters and digits only, so they carry no LIKE wildcards.
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => `% ${w} %`);
}

/**
 * The filtered set, driven by the member indexes (`project_members_by_member`, or
 * `project_members_by_member_account` with an account): the caller's memberships ordered by
 * project id, which carry the project's account and type. The project row is joined for the
 * name filter only (and by primary key for the page's rows, see the page query). Built from
 * placeholders (see shapedQuery): it binds every value and branches on presence only.
 */
function filtered(db: ProjectDb, f: ProjectFilter): SelectQueryBuilder<any, any, any> {
  const any = db as unknown as Kysely<any>;
  let q: SelectQueryBuilder<any, any, any> = any
    .selectFrom('project_members as pm')
    .where('pm.iam_id', '=', f.iamId);
  if (f.nameExact !== undefined || f.nameLike) q = q.innerJoin('projects as p', 'p.id', 'pm.project_id');
  if (f.onlyProjectId) q = q.where('pm.project_id', '=', f.onlyProjectId);
  if (f.guids?.length) q = q.where('pm.project_id', 'in', f.guids);
  if (f.bssAccountId !== undefined) q = q.where('pm.bss_account_id', '=', f.bssAccountId);
  if (f.type !== undefined) q = q.where('pm.project_type', '=', f.type);
  if (f.nameExact !== undefined) q = q.where('p.name', '=', f.nameExact);
  if (f.nameLike) {
    const patterns = f.nameLike;
    // No words in the text: nothing can match.
    q = patterns.length
      ? q.where((eb) => eb.or(patterns.map((pattern) => eb('p.name_keywords', 'like', pattern))))
      : q.where(sql<boolean>`1 = 0`);
  }
  if (f.member !== undefined) {
    const member = f.member;
    const roles = f.roles;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('project_members as m2')
          .select(sql`1`.as('one'))
          .whereRef('m2.project_id', '=', 'pm.project_id')
          .where('m2.user_name', '=', member)
          .$if(Boolean(roles?.length), (s) => s.where('m2.role', 'in', roles!)),
      ),
    );
  }
  if (f.tagNames?.length) {
    const tags = f.tagNames;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('project_tags as t')
          .select(sql`1`.as('one'))
          .whereRef('t.project_id', '=', 'pm.project_id')
          .where('t.tag', 'in', tags),
      ),
    );
  }
  return q;
}

/**
 * How many projects the filter matches: with no filter but the caller, their kept membership
 * count (`project_member_counts`, constant time); otherwise a count of the filtered set.
 */
function countQuery(db: Kysely<any>, f: ProjectFilter): SelectQueryBuilder<any, any, { n: unknown }> {
  const unfiltered = Object.entries(f).every(([key, value]) => key === 'iamId' || value === undefined);
  if (!unfiltered) return filtered(db as ProjectDb, f).select((eb) => eb.fn.countAll().as('n'));
  const kept = db.selectFrom('project_member_counts').select('n').where('iam_id', '=', f.iamId);
  return db.selectNoFrom((eb) => eb.fn.coalesce(kept, eb.lit(0)).as('n'));
}

export interface PageRequest {
  filter: ProjectFilter;
  /** The rows after this project id (keyset paging). */
  afterId?: string;
  limit: number;
  skip: number;
}

/**
 * The list queries of `GET /v2/projects` and `/total`, compiled once per filter shape (building
 * and compiling them cost more than running them): a page in project id order, the count, and
 * the count up to a cap.
 */
export function projectListQueries(store: Store) {
  const db = projectDb(store) as unknown as Kysely<any>;
  const page = shapedQuery(store, ({ filter, afterId, limit, skip }: PageRequest) => {
    // The page's ids first, from the member index in order, then their rows: joined before the
    // limit, PostgreSQL may walk the projects table from its start (a merge join) and a deep page
    // costs as much as everything before it.
    let ids = filtered(db, filter).select('pm.project_id');
    if (afterId) ids = ids.where('pm.project_id', '>', afterId);
    ids = ids.orderBy('pm.project_id').limit(limit);
    if (skip) ids = ids.offset(skip);
    // Each row carries the count of the whole filtered set: an uncorrelated subquery, run once,
    // in the same statement (one round trip instead of two).
    const total = countQuery(db, filter).as('total_results');
    return db
      .selectFrom(ids.as('page'))
      .innerJoin('projects as p', 'p.id', 'page.project_id')
      .selectAll('p')
      .select(total)
      .orderBy('page.project_id') as Compilable<ProjectRow & { total_results: unknown }>;
  });
  const count = shapedQuery(store, (filter: ProjectFilter) => countQuery(db, filter));
  const countUpTo = shapedQuery(store, ({ filter, cap }: { filter: ProjectFilter; cap: number }) =>
    db
      .selectFrom(filtered(db, filter).select('pm.project_id').limit(cap).as('capped'))
      .select((eb) => eb.fn.countAll().as('n')),
  );
  const n = (rows: object[]) => Number((rows[0] as { n: unknown }).n);
  return {
    /** A page, and how many projects match in all. */
    page: async (request: PageRequest): Promise<{ rows: ProjectRow[]; total: number }> => {
      const found = await page(request);
      if (!found.length)
        return {
          rows: [],
          total: request.afterId || request.skip ? await n(await count(request.filter)) : 0,
        };
      const total = Number(found[0].total_results);
      return { rows: found.map(({ total_results: _, ...row }) => row), total };
    },
    /** How many projects match, counting at most `cap` of them when a cap is given. */
    count: async (filter: ProjectFilter, cap?: number): Promise<number> =>
      n(await (cap === undefined ? count(filter) : countUpTo({ filter, cap }))),
  };
}
