import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { fromJson, toJson } from '../../store/db.ts';
import type { CodeEngineArea } from './area.ts';
import { newEntityTag, requireMatch } from './entity-tag.ts';
import {
  effectiveStatus,
  isUniqueViolation,
  settledColumns,
  transitionColumns,
  type NewResource,
  type ResourceRecord,
  type Transition,
} from './repository.ts';
import type { CodeEngineTables } from './tables.ts';

/**
 * Writes that touch a component and the rows that belong to it (an app and its revisions, a job
 * and its runs) in one transaction, on the shared `ce_resources` table.
 */

type Db = Kysely<CodeEngineTables>;
type Trx = Transaction<CodeEngineTables>;
type Row = CodeEngineTables['ce_resources'];

const iso = (ms: number) => new Date(ms).toISOString();

function dbOf(area: CodeEngineArea): Db {
  return area.resources.db;
}

export function rowOf<E>(input: NewResource<E>, nowMs: number): Row {
  const now = iso(nowMs);
  return {
    id: input.id ?? crypto.randomUUID(),
    project_id: input.projectId,
    kind: input.kind,
    name: input.name,
    filter_key: input.filterKey ?? null,
    entity: toJson(input.entity),
    sealed: input.sealed ?? null,
    entity_tag: newEntityTag(),
    ...transitionColumns(input.transition ?? { status: null }, nowMs),
    delete_at: null,
    created_at: now,
    updated_at: now,
  };
}

export function recordOf<E>(row: Row, now: string): ResourceRecord<E> {
  const { status, pending } = effectiveStatus(row, now);
  return {
    id: row.id,
    projectId: row.project_id,
    kind: row.kind,
    name: row.name,
    filterKey: row.filter_key,
    entity: fromJson<E>(row.entity, {} as E),
    sealed: row.sealed,
    entityTag: row.entity_tag,
    status,
    pending,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function insertRows(trx: Trx, rows: Row[], now: string): Promise<void> {
  for (const row of rows) {
    // A name held by a row whose delayed removal has passed is free again.
    await trx
      .deleteFrom('ce_resources')
      .where('project_id', '=', row.project_id)
      .where('kind', '=', row.kind)
      .where('name', '=', row.name)
      .where('delete_at', '<=', now)
      .execute();
    await trx.insertInto('ce_resources').values(row).execute();
  }
}

function notifyPending(area: CodeEngineArea, rows: Row[]): void {
  for (const row of rows) if (row.ready_at) area.lifecycle.notify(row.ready_at);
}

/** Inserts several resources at once; undefined (nothing written) when any name is taken. */
export async function createTogether(
  area: CodeEngineArea,
  inputs: NewResource<unknown>[],
): Promise<ResourceRecord<any>[] | undefined> {
  const nowMs = Date.now();
  const now = iso(nowMs);
  const rows = inputs.map((input) => rowOf(input, nowMs));
  try {
    await dbOf(area)
      .transaction()
      .execute((trx) => insertRows(trx, rows, now));
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
  notifyPending(area, rows);
  return rows.map((row) => recordOf(row, now));
}

/** What `updateWithChildren` writes: the component's change and the rows it adds. */
export interface ComponentChange<E> {
  entity: E;
  transition?: Transition;
  filterKey?: string | null;
  add?: NewResource<unknown>[];
}

/**
 * Changes a component under `If-Match` (412 when stale) and adds rows beside it (a new revision),
 * in one transaction. `change` runs inside it and must not query the database. Undefined when the
 * component is not there.
 */
export async function updateWithChildren<E>(
  area: CodeEngineArea,
  projectId: string,
  kind: string,
  name: string,
  ifMatch: string | undefined,
  change: (current: ResourceRecord<E>) => ComponentChange<E>,
): Promise<{ record: ResourceRecord<E>; added: ResourceRecord<any>[] } | undefined> {
  const result = await dbOf(area)
    .transaction()
    .execute(async (trx) => {
      const nowMs = Date.now();
      const now = iso(nowMs);
      let q = trx
        .selectFrom('ce_resources')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('kind', '=', kind)
        .where('name', '=', name)
        .where((eb) => eb.or([eb('delete_at', 'is', null), eb('delete_at', '>', now)]));
      if (area.ctx.store.dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) return undefined;
      const current = recordOf<E>(row, now);
      requireMatch(ifMatch, current.entityTag);
      const c = change(current);
      const next: Row = {
        ...row,
        entity: toJson(c.entity),
        ...(c.filterKey !== undefined ? { filter_key: c.filterKey } : {}),
        ...(c.transition ? transitionColumns(c.transition, nowMs) : settledColumns(row, now)),
        entity_tag: newEntityTag(),
        updated_at: now,
      };
      await trx
        .updateTable('ce_resources')
        .set({
          entity: next.entity,
          filter_key: next.filter_key,
          status: next.status,
          ready_status: next.ready_status,
          ready_at: next.ready_at,
          entity_tag: next.entity_tag,
          updated_at: next.updated_at,
        })
        .where('id', '=', row.id)
        .execute();
      const added = (c.add ?? []).map((input) => rowOf(input, nowMs));
      await insertRows(trx, added, now);
      return { next, added, now };
    });
  if (!result) return undefined;
  notifyPending(area, [result.next, ...result.added]);
  return {
    record: recordOf<E>(result.next, result.now),
    added: result.added.map((r) => recordOf(r, result.now)),
  };
}

/**
 * Removes a component and every row of `childKind` whose filter key is its name (an app's
 * revisions, a job's runs) in one transaction. False when the component was not there.
 */
export async function deleteWithChildren(
  area: CodeEngineArea,
  projectId: string,
  kind: string,
  name: string,
  childKind: string,
): Promise<boolean> {
  return dbOf(area)
    .transaction()
    .execute(async (trx) => {
      const now = iso(Date.now());
      const res = await trx
        .deleteFrom('ce_resources')
        .where('project_id', '=', projectId)
        .where('kind', '=', kind)
        .where('name', '=', name)
        .where((eb) => eb.or([eb('delete_at', 'is', null), eb('delete_at', '>', now)]))
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return false;
      await trx
        .deleteFrom('ce_resources')
        .where('project_id', '=', projectId)
        .where('kind', '=', childKind)
        .where('filter_key', '=', name)
        .execute();
      return true;
    });
}
