import type { Kysely } from 'kysely';
import { fromJson, toJson, type Store } from '../../store/db.ts';
import type { ConnectionTables } from '../connections/tables.ts';

export interface CustomTypeRow {
  type_id: string;
  name: string;
  owner_id: string;
  created_at: string;
  updated_at: string;
  entity: Record<string, unknown>;
}

const toRow = (r: ConnectionTables['datasource_types']): CustomTypeRow => ({
  ...r,
  entity: fromJson<Record<string, unknown>>(r.entity, {}),
});

/** User-defined data source types (a handful per server: lists read them all). */
export class DatasourceTypeRepository {
  private readonly db: Kysely<ConnectionTables>;

  constructor(store: Store) {
    this.db = store.db.withTables<ConnectionTables>() as unknown as Kysely<ConnectionTables>;
  }

  async all(): Promise<CustomTypeRow[]> {
    const rows = await this.db.selectFrom('datasource_types').selectAll().orderBy('created_at').execute();
    return rows.map(toRow);
  }

  async find(idOrName: string): Promise<CustomTypeRow | undefined> {
    const row = await this.db
      .selectFrom('datasource_types')
      .selectAll()
      .where((eb) => eb.or([eb('type_id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    return row && toRow(row);
  }

  async insert(row: CustomTypeRow): Promise<void> {
    await this.db
      .insertInto('datasource_types')
      .values({ ...row, entity: toJson(row.entity) })
      .execute();
  }

  async update(row: CustomTypeRow): Promise<void> {
    await this.db
      .updateTable('datasource_types')
      .set({ name: row.name, updated_at: row.updated_at, entity: toJson(row.entity) })
      .where('type_id', '=', row.type_id)
      .execute();
  }

  async delete(typeId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('datasource_types').where('type_id', '=', typeId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
