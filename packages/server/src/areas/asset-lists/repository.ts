import type { Kysely } from 'kysely';
import type { Store } from '../../store/db.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { AssetListRow, AssetListTables } from './tables.ts';

type Db = Kysely<AssetListTables>;

/** All SQL of the asset lists area. */
export class AssetListRepository {
  readonly db: Db;

  constructor(store: Store) {
    this.db = store.db.withTables<AssetListTables>() as unknown as Db;
  }

  async insert(row: AssetListRow): Promise<void> {
    await this.db.insertInto('asset_lists').values(row).execute();
  }

  find(id: string): Promise<AssetListRow | undefined> {
    return this.db.selectFrom('asset_lists').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByOwnerTypeName(owner: string, type: string, name: string) {
    return this.db
      .selectFrom('asset_lists')
      .select('id')
      .where('owner_id', '=', owner)
      .where('type', '=', type)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  /** Every list (functional users), or those owned by `owner` or about an asset in `containers`. */
  async visible(owner: string | undefined, containers: ContainerRef[]): Promise<AssetListRow[]> {
    let q = this.db.selectFrom('asset_lists').selectAll();
    if (owner !== undefined) {
      q = q.where((eb) =>
        eb.or([
          eb('owner_id', '=', owner),
          ...containers.map((c) =>
            eb.and([eb('asset_container_kind', '=', c.kind), eb('asset_container_id', '=', c.id)]),
          ),
        ]),
      );
    }
    return q.orderBy('created_at').orderBy('id').execute();
  }

  /** The distinct containers lists are about (where approvers may be). */
  async assetContainers(): Promise<ContainerRef[]> {
    const rows = await this.db
      .selectFrom('asset_lists')
      .select(['asset_container_kind', 'asset_container_id'])
      .distinct()
      .where('asset_container_id', 'is not', null)
      .execute();
    return rows.map((r) => ({
      kind: r.asset_container_kind as ContainerRef['kind'],
      id: r.asset_container_id!,
    }));
  }

  async update(id: string, changes: Partial<AssetListRow>): Promise<void> {
    await this.db.updateTable('asset_lists').set(changes).where('id', '=', id).execute();
  }

  /** Deletes lists by id, all in one transaction; how many went. */
  async deleteMany(ids: string[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let n = 0;
      for (let i = 0; i < ids.length; i += 500) {
        const res = await trx
          .deleteFrom('asset_lists')
          .where('id', 'in', ids.slice(i, i + 500))
          .executeTakeFirst();
        n += Number(res.numDeletedRows);
      }
      return n;
    });
  }
}
