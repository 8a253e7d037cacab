import { sql } from 'kysely';
import type { Store } from '../../packages/server/src/store/db.ts';

/** Every row of every table of the server's database, for before/after comparisons. */
export async function snapshotDatabase(store: Store, schema?: string): Promise<Record<string, unknown[]>> {
  const tables = (await store.db.introspection.getTables())
    .filter((t) => (store.dialect === 'postgres' ? t.schema === schema : true))
    .map((t) => t.name)
    .filter((name) => !name.startsWith('kysely_'))
    .sort();
  const out: Record<string, unknown[]> = {};
  for (const name of tables) {
    const rows = (await sql`select * from ${sql.table(name)}`.execute(store.db)).rows;
    out[name] = rows.map((r) => JSON.stringify(r)).sort() as unknown[];
  }
  return out;
}
