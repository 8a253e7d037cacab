import { sql, type Kysely, type Transaction } from 'kysely';
import type { Store } from '../../store/db.ts';
import type { MemberRow, SpaceRole, SpaceRow } from './model.ts';
import type { SpaceTables } from './tables.ts';

type Db = Kysely<SpaceTables>;
type Trx = Transaction<SpaceTables>;

export interface SpaceFilter {
  /** Only spaces where this IAM id is an active member (the caller); absent for account-wide lists. */
  visibleTo?: string;
  bssAccountId?: string;
  ids: string[];
  tags: string[];
  /** Spaces where this IAM id is a member, with one of `roles` when given. */
  member?: string;
  roles: SpaceRole[];
  name?: string;
  subName?: string;
  computeCrn?: string;
  type?: string;
}

export interface MemberFilter {
  type?: string;
  role?: string;
  state?: string;
}

/** `LIKE` pattern for a literal substring: `\` escapes the wildcard characters. */
const containing = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** All SQL of the spaces area. Several-row writes take a transaction from the caller. */
export class SpaceRepository {
  readonly db: Db;

  constructor(private readonly store: Store) {
    this.db = store.db.withTables<SpaceTables>() as unknown as Db;
  }

  transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /**
   * Serialises changes to one space's members: PostgreSQL locks the space row; SQLite already
   * runs one write transaction at a time.
   */
  async lockSpace(trx: Trx, spaceId: string): Promise<boolean> {
    let q = trx.selectFrom('spaces').select('id').where('id', '=', spaceId);
    if (this.store.dialect === 'postgres') q = q.forUpdate();
    return (await q.executeTakeFirst()) !== undefined;
  }

  async insertSpace(trx: Trx, row: SpaceRow, creator: MemberRow, tags: string[], crns: string[]) {
    await trx.insertInto('spaces').values(row).execute();
    await trx.insertInto('space_members').values(creator).execute();
    if (tags.length) {
      await trx
        .insertInto('space_tags')
        .values(tags.map((tag) => ({ space_id: row.id, tag })))
        .execute();
    }
    await this.replaceComputes(trx, row.id, crns);
  }

  async replaceComputes(trx: Trx, spaceId: string, crns: string[]) {
    await trx.deleteFrom('space_computes').where('space_id', '=', spaceId).execute();
    const distinct = [...new Set(crns)];
    if (distinct.length) {
      await trx
        .insertInto('space_computes')
        .values(distinct.map((crn) => ({ space_id: spaceId, crn })))
        .execute();
    }
  }

  findSpace(id: string, db: Db | Trx = this.db): Promise<SpaceRow | undefined> {
    return db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findMember(spaceId: string, iamId: string, db: Db | Trx = this.db): Promise<MemberRow | undefined> {
    return db
      .selectFrom('space_members')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('iam_id', '=', iamId)
      .executeTakeFirst();
  }

  /** The space and the caller's membership in one read, for the role check. */
  async spaceWithMembership(spaceId: string, iamId: string) {
    return this.db
      .selectFrom('spaces')
      .leftJoin('space_members', (j) =>
        j.onRef('space_members.space_id', '=', 'spaces.id').on('space_members.iam_id', '=', iamId),
      )
      .select(['spaces.id', 'space_members.role', 'space_members.state'])
      .where('spaces.id', '=', spaceId)
      .executeTakeFirst();
  }

  private filteredSpaces(f: SpaceFilter) {
    let q = this.db.selectFrom('spaces as s');
    if (f.visibleTo !== undefined) {
      q = q.innerJoin('space_members as me', (j) =>
        j
          .onRef('me.space_id', '=', 's.id')
          .on('me.iam_id', '=', f.visibleTo as string)
          .on('me.state', '=', 'active'),
      );
    }
    let w = q.selectAll('s');
    if (f.bssAccountId !== undefined) w = w.where('s.bss_account_id', '=', f.bssAccountId);
    if (f.ids.length) w = w.where('s.id', 'in', f.ids);
    if (f.name !== undefined) w = w.where('s.name', '=', f.name);
    if (f.subName !== undefined) {
      w = w.where(sql<boolean>`lower(${sql.ref('s.name')}) like ${containing(f.subName)} escape '\\'`);
    }
    if (f.type !== undefined) w = w.where('s.type', '=', f.type);
    if (f.tags.length) {
      const tags = f.tags;
      w = w.where((eb) =>
        eb.exists(
          eb
            .selectFrom('space_tags as t')
            .select('t.space_id')
            .whereRef('t.space_id', '=', 's.id')
            .where('t.tag', 'in', tags),
        ),
      );
    }
    if (f.computeCrn !== undefined) {
      const crn = f.computeCrn;
      w = w.where((eb) =>
        eb.exists(
          eb
            .selectFrom('space_computes as c')
            .select('c.space_id')
            .whereRef('c.space_id', '=', 's.id')
            .where('c.crn', '=', crn),
        ),
      );
    }
    if (f.member !== undefined) {
      const member = f.member;
      const roles = f.roles;
      w = w.where((eb) => {
        let sub = eb
          .selectFrom('space_members as m')
          .select('m.space_id')
          .whereRef('m.space_id', '=', 's.id')
          .where('m.iam_id', '=', member);
        if (roles.length) sub = sub.where('m.role', 'in', roles);
        return eb.exists(sub);
      });
    }
    return w;
  }

  /** One page in id order, after `afterId`; `limit + 1` rows tell whether another page follows. */
  listSpaces(f: SpaceFilter, afterId: string | undefined, limit: number): Promise<SpaceRow[]> {
    let q = this.filteredSpaces(f);
    if (afterId !== undefined) q = q.where('s.id', '>', afterId);
    return q
      .orderBy('s.id')
      .limit(limit + 1)
      .execute() as Promise<SpaceRow[]>;
  }

  async countSpaces(f: SpaceFilter): Promise<number> {
    const row = await this.filteredSpaces(f)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Members of several spaces, at most `perSpace` each, in member id order; one query. */
  async membersOf(spaceIds: string[], perSpace: number): Promise<Map<string, MemberRow[]>> {
    const out = new Map<string, MemberRow[]>(spaceIds.map((id) => [id, []]));
    if (!spaceIds.length) return out;
    // Rank members within each space so a space with many members costs `perSpace` rows only.
    const ranked = this.db
      .selectFrom('space_members')
      .selectAll()
      .select(sql<number>`row_number() over (partition by space_id order by iam_id)`.as('rank'))
      .where('space_id', 'in', spaceIds)
      .as('ranked');
    const rows = await this.db
      .selectFrom(ranked)
      .selectAll()
      .where('ranked.rank', '<=', perSpace)
      .orderBy('ranked.space_id')
      .orderBy('ranked.iam_id')
      .execute();
    for (const { rank: _rank, ...row } of rows) out.get(row.space_id)?.push(row as MemberRow);
    return out;
  }

  private filteredMembers(spaceId: string, f: MemberFilter) {
    let q = this.db.selectFrom('space_members').selectAll().where('space_id', '=', spaceId);
    if (f.type !== undefined) q = q.where('type', '=', f.type);
    if (f.role !== undefined) q = q.where('role', '=', f.role as SpaceRole);
    if (f.state !== undefined) q = q.where('state', '=', f.state);
    return q;
  }

  listMembers(spaceId: string, f: MemberFilter, afterId: string | undefined, limit: number) {
    let q = this.filteredMembers(spaceId, f);
    if (afterId !== undefined) q = q.where('iam_id', '>', afterId);
    return q
      .orderBy('iam_id')
      .limit(limit + 1)
      .execute();
  }

  async countMembers(spaceId: string, f: MemberFilter): Promise<number> {
    const row = await this.filteredMembers(spaceId, f)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countActiveAdmins(trx: Trx, spaceId: string): Promise<number> {
    const row = await trx
      .selectFrom('space_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('space_id', '=', spaceId)
      .where('role', '=', 'admin')
      .where('state', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertMembers(trx: Trx, rows: MemberRow[]) {
    if (rows.length) await trx.insertInto('space_members').values(rows).execute();
  }

  async updateMember(trx: Trx, spaceId: string, iamId: string, change: Partial<MemberRow>) {
    await trx
      .updateTable('space_members')
      .set(change)
      .where('space_id', '=', spaceId)
      .where('iam_id', '=', iamId)
      .execute();
  }

  async deleteMember(trx: Trx, spaceId: string, iamId: string) {
    await trx
      .deleteFrom('space_members')
      .where('space_id', '=', spaceId)
      .where('iam_id', '=', iamId)
      .execute();
  }

  async updateSpace(trx: Trx, id: string, change: Partial<SpaceRow>) {
    await trx.updateTable('spaces').set(change).where('id', '=', id).execute();
  }

  /** The space and everything that hangs off it, in the caller's transaction. */
  async deleteSpace(trx: Trx, id: string): Promise<boolean> {
    await trx.deleteFrom('space_members').where('space_id', '=', id).execute();
    await trx.deleteFrom('space_tags').where('space_id', '=', id).execute();
    await trx.deleteFrom('space_computes').where('space_id', '=', id).execute();
    const res = await trx.deleteFrom('spaces').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Spaces still marked preparing, with the time they become active. */
  preparing(): Promise<Pick<SpaceRow, 'id' | 'ready_at'>[]> {
    return this.db.selectFrom('spaces').select(['id', 'ready_at']).where('state', '=', 'preparing').execute();
  }

  /** Marks a space active once its time has come; it became active (and changed) at `ready_at`. */
  async activate(id: string, now: string): Promise<void> {
    await this.db
      .updateTable('spaces')
      .set((eb) => ({ state: 'active', updated_at: eb.fn.coalesce('updated_at', 'ready_at') }))
      .where('id', '=', id)
      .where('state', '=', 'preparing')
      .where('ready_at', '<=', now)
      .execute();
  }
}
