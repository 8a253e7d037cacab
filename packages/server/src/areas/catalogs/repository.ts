import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../../store/db.ts';
import type { CatalogMemberRow, CatalogRow, CatalogTables } from './tables.ts';

type Db = Kysely<CatalogTables>;
type Trx = Transaction<CatalogTables>;

/** All SQL of the catalogs area. Writes of several rows take the caller's transaction. */
export class CatalogRepository {
  readonly db: Db;

  constructor(private readonly store: Store) {
    this.db = store.db.withTables<CatalogTables>() as unknown as Db;
  }

  transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /** Serialises member changes of one catalog (PostgreSQL row lock; SQLite has one writer). */
  async lockCatalog(trx: Trx, id: string): Promise<boolean> {
    let q = trx.selectFrom('catalogs').select('id').where('id', '=', id);
    if (this.store.dialect === 'postgres') q = q.forUpdate();
    return (await q.executeTakeFirst()) !== undefined;
  }

  findCatalog(id: string, db: Db | Trx = this.db): Promise<CatalogRow | undefined> {
    return db.selectFrom('catalogs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByName(account: string, name: string, db: Db | Trx = this.db) {
    return db
      .selectFrom('catalogs')
      .select('id')
      .where('bss_account_id', '=', account)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  /** The catalog (if any) and the caller's role in it (if any), in one query. */
  catalogWithRole(id: string, iamId: string) {
    return this.db
      .selectFrom('catalogs')
      .leftJoin('catalog_members', (j) =>
        j.onRef('catalog_members.catalog_id', '=', 'catalogs.id').on('catalog_members.iam_id', '=', iamId),
      )
      .select(['catalogs.id', 'catalog_members.role'])
      .where('catalogs.id', '=', id)
      .executeTakeFirst();
  }

  async insertCatalog(trx: Trx, row: CatalogRow, creator: CatalogMemberRow): Promise<void> {
    await trx.insertInto('catalogs').values(row).execute();
    await trx.insertInto('catalog_members').values(creator).execute();
  }

  async deleteCatalog(trx: Trx, id: string): Promise<void> {
    await trx.deleteFrom('catalog_members').where('catalog_id', '=', id).execute();
    await trx.deleteFrom('catalogs').where('id', '=', id).execute();
  }

  /** Catalogs where `iamId` is a member, in id order, after `after`. */
  listForMember(iamId: string, limit: number, after?: string): Promise<CatalogRow[]> {
    let q = this.db
      .selectFrom('catalog_members')
      .innerJoin('catalogs', 'catalogs.id', 'catalog_members.catalog_id')
      .selectAll('catalogs')
      .where('catalog_members.iam_id', '=', iamId);
    if (after) q = q.where('catalogs.id', '>', after);
    return q.orderBy('catalogs.id').limit(limit).execute();
  }

  listMembers(catalogId: string, limit: number, after?: string): Promise<CatalogMemberRow[]> {
    let q = this.db.selectFrom('catalog_members').selectAll().where('catalog_id', '=', catalogId);
    if (after) q = q.where('iam_id', '>', after);
    return q.orderBy('iam_id').limit(limit).execute();
  }

  findMember(catalogId: string, iamId: string, db: Db | Trx = this.db) {
    return db
      .selectFrom('catalog_members')
      .selectAll()
      .where('catalog_id', '=', catalogId)
      .where('iam_id', '=', iamId)
      .executeTakeFirst();
  }

  async countAdmins(trx: Trx, catalogId: string): Promise<number> {
    const row = await trx
      .selectFrom('catalog_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('catalog_id', '=', catalogId)
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertMembers(trx: Trx, rows: CatalogMemberRow[]): Promise<void> {
    if (rows.length) await trx.insertInto('catalog_members').values(rows).execute();
  }

  async setRole(trx: Trx, catalogId: string, iamId: string, role: string): Promise<void> {
    await trx
      .updateTable('catalog_members')
      .set({ role })
      .where('catalog_id', '=', catalogId)
      .where('iam_id', '=', iamId)
      .execute();
  }

  async deleteMember(trx: Trx, catalogId: string, iamId: string): Promise<void> {
    await trx
      .deleteFrom('catalog_members')
      .where('catalog_id', '=', catalogId)
      .where('iam_id', '=', iamId)
      .execute();
  }
}
