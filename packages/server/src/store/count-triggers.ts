import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Counts of a table's rows by some of its columns, kept by triggers (see installCountTriggers). */
export interface CountedTable {
  /** The table whose rows are counted. */
  source: string;
  /** The table of counts: `keys` (its primary key) and `n`. */
  counts: string;
  /** The columns counted by. */
  keys: string[];
  /** How many of the first `keys` name what PostgreSQL locks (the container: kind and id). */
  lockedKeys: number;
  /** Prefix of the triggers' names (and of PostgreSQL's trigger functions). */
  name: string;
  /** Prefix of the per-container lock taken on PostgreSQL. */
  lock: string;
  /** Also on update: only for tables whose key columns can change. */
  onUpdate: boolean;
}

/**
 * Triggers, not application code, keep the counts: every way a row comes or goes (a batch insert,
 * a cascade of a container's delete) is counted in the same transaction. A count that reaches 0
 * is removed.
 */
export async function installCountTriggers(db: Kysely<any>, t: CountedTable): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await postgresTriggers(db, t);
  else await sqliteTriggers(db, t);
}

async function sqliteTriggers(db: Kysely<any>, t: CountedTable) {
  const cols = t.keys.join(', ');
  const where = (r: string) => t.keys.map((k) => `${k} = ${r}.${k}`).join(' and ');
  const add = (r: string) => `insert into ${t.counts} (${cols}, n)
    values (${t.keys.map((k) => `${r}.${k}`).join(', ')}, 1)
    on conflict (${cols}) do update set n = n + 1;`;
  const remove = (r: string) => `update ${t.counts} set n = n - 1 where ${where(r)};
    delete from ${t.counts} where ${where(r)} and n <= 0;`;
  const bodies: [string, string][] = [
    ['insert', add('new')],
    ['delete', remove('old')],
    ...(t.onUpdate ? [['update', `${remove('old')} ${add('new')}`] as [string, string]] : []),
  ];
  for (const [event, body] of bodies) {
    await sql
      .raw(`create trigger ${t.name}_${event} after ${event} on ${t.source}\n    begin ${body} end`)
      .execute(db);
  }
}

/**
 * On PostgreSQL the counts change once per statement (transition tables), not once per row: a
 * bulk insert or a cascade is one grouped upsert. Each statement first takes a lock per container
 * (`lockedKeys`; held to the commit), so writers of one container's counts queue instead of
 * deadlocking on count rows taken in different orders.
 */
async function postgresTriggers(db: Kysely<any>, t: CountedTable) {
  const cols = t.keys.join(', ');
  const order = t.keys.map((_, i) => i + 1).join(', ');
  const locked = t.keys.slice(0, t.lockedKeys);
  const lockKey = locked.map((k) => `c.${k}`).join(" || ':' || ");
  const lock = (tt: string) => `perform pg_advisory_xact_lock(hashtext('${t.lock}:' || ${lockKey}))
      from (select distinct ${locked.join(', ')} from ${tt} order by ${locked.map((_, i) => i + 1).join(', ')}) c;`;
  const add = (tt: string) => `insert into ${t.counts} (${cols}, n)
      select ${cols}, count(*) from ${tt}
      group by ${cols} order by ${order}
      on conflict (${cols})
      do update set n = ${t.counts}.n + excluded.n;`;
  const match = t.keys.map((k) => `c.${k} = d.${k}`).join(' and ');
  const remove = (tt: string) => `update ${t.counts} c set n = c.n - d.n
      from (select ${cols}, count(*) as n from ${tt}
            group by ${cols}) d
      where ${match};
    delete from ${t.counts} c using (select distinct ${cols} from ${tt}) d
      where ${match} and c.n <= 0;`;
  const bodies: Record<string, [string, string]> = {
    insert: ['new table as added', `${lock('added')} ${add('added')}`],
    delete: ['old table as removed', `${lock('removed')} ${remove('removed')}`],
  };
  if (t.onUpdate)
    bodies.update = [
      'old table as removed new table as added',
      `${lock('removed')} ${lock('added')} ${remove('removed')} ${add('added')}`,
    ];
  for (const [event, [referencing, body]] of Object.entries(bodies)) {
    await sql
      .raw(
        `create function ${t.name}_${event}() returns trigger language plpgsql as $$
        begin ${body} return null; end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger ${t.name}_${event} after ${event} on ${t.source}
        referencing ${referencing} for each statement execute function ${t.name}_${event}()`,
      )
      .execute(db);
  }
}
