import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../../store/db.ts';
import { fromJson, toJson } from '../../store/db.ts';
import { newEntityTag, requireMatch } from './entity-tag.ts';
import type { CodeEngineTables } from './tables.ts';

type Db = Kysely<CodeEngineTables>;
type Trx = Transaction<CodeEngineTables>;
type Row = CodeEngineTables['ce_resources'];

/** A status a resource shows now, and optionally the one it shows after `readyInMs`. */
export interface Transition {
  status: string | null;
  readyStatus?: string;
  readyInMs?: number;
}

/** A stored resource as services see it: JSON decoded, lifecycle applied at read time. */
export interface ResourceRecord<E = Record<string, unknown>> {
  id: string;
  projectId: string;
  kind: string;
  name: string;
  filterKey: string | null;
  entity: E;
  /** Sealed sensitive fields; open them with the area's SecretBox. */
  sealed: string | null;
  entityTag: string;
  /** The status now: `ready_status` once `ready_at` has passed. */
  status: string | null;
  /** True while the resource waits for its ready status. */
  pending: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewResource<E> {
  projectId: string;
  kind: string;
  name: string;
  filterKey?: string | null;
  entity: E;
  sealed?: string | null;
  transition?: Transition;
  /** Defaults to a random UUID. */
  id?: string;
}

/** What an update writes; fields left out stay as they are. A new entity tag is always written. */
export interface ResourceChange<E> {
  entity?: E;
  sealed?: string | null;
  filterKey?: string | null;
  transition?: Transition;
}

export interface ListQuery {
  limit: number;
  /** The name the page starts after (from the `start` token). */
  after?: string;
  filterKey?: string;
}

/** Told whenever a row gets a pending transition or removal, so the lifecycle can wake up. */
export type PendingListener = (at: string) => void;

const iso = (ms: number) => new Date(ms).toISOString();

/** True when the error is a unique-constraint violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Columns of a transition, with the time it completes. */
export function transitionColumns(t: Transition, now: number) {
  const pending = t.readyStatus !== undefined && (t.readyInMs ?? 0) > 0;
  return {
    status: pending ? t.status : (t.readyStatus ?? t.status),
    ready_status: pending ? (t.readyStatus ?? null) : null,
    ready_at: pending ? iso(now + (t.readyInMs ?? 0)) : null,
  };
}

/** The status a row shows at `now`. */
export function effectiveStatus(
  row: { status: string | null; ready_status: string | null; ready_at: string | null },
  now: string,
): { status: string | null; pending: boolean } {
  if (row.ready_status !== null && row.ready_at !== null) {
    return row.ready_at <= now
      ? { status: row.ready_status, pending: false }
      : { status: row.status, pending: true };
  }
  return { status: row.status, pending: false };
}

/** The lifecycle columns of a row as they stand at `now` (a passed transition completed). */
export function settledColumns(
  row: { status: string | null; ready_status: string | null; ready_at: string | null },
  now: string,
) {
  const { status, pending } = effectiveStatus(row, now);
  return pending
    ? { status, ready_status: row.ready_status, ready_at: row.ready_at }
    : { status, ready_status: null, ready_at: null };
}

/**
 * All SQL on Code Engine resources: every kind shares one table, addressed by
 * (project, kind, name). Rows whose `delete_at` has passed are invisible.
 */
export class ResourceRepository {
  readonly db: Db;

  constructor(
    private readonly store: Store,
    private readonly onPending: PendingListener = () => {},
  ) {
    this.db = store.db.withTables<CodeEngineTables>() as unknown as Db;
  }

  private record<E>(row: Row, now: string): ResourceRecord<E> {
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

  private visible(db: Db | Trx, now: string) {
    return db
      .selectFrom('ce_resources')
      .selectAll()
      .where((eb) => eb.or([eb('delete_at', 'is', null), eb('delete_at', '>', now)]));
  }

  async get<E>(projectId: string, kind: string, name: string): Promise<ResourceRecord<E> | undefined> {
    const now = iso(Date.now());
    const row = await this.visible(this.db, now)
      .where('project_id', '=', projectId)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && this.record<E>(row, now);
  }

  async getById<E>(projectId: string, kind: string, id: string): Promise<ResourceRecord<E> | undefined> {
    const now = iso(Date.now());
    const row = await this.visible(this.db, now)
      .where('project_id', '=', projectId)
      .where('kind', '=', kind)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.record<E>(row, now);
  }

  /** Resources of one kind with this name in any project (names that must be unique everywhere). */
  async findEverywhere<E>(kind: string, name: string): Promise<ResourceRecord<E>[]> {
    const now = iso(Date.now());
    const rows = await this.visible(this.db, now).where('kind', '=', kind).where('name', '=', name).execute();
    return rows.map((r) => this.record<E>(r, now));
  }

  /** One page in name order, and whether more follow. */
  async list<E>(
    projectId: string,
    kind: string,
    q: ListQuery,
  ): Promise<{ items: ResourceRecord<E>[]; more: boolean }> {
    const now = iso(Date.now());
    let query = this.visible(this.db, now).where('project_id', '=', projectId).where('kind', '=', kind);
    if (q.filterKey !== undefined) query = query.where('filter_key', '=', q.filterKey);
    if (q.after !== undefined) query = query.where('name', '>', q.after);
    const rows = await query
      .orderBy('name')
      .limit(q.limit + 1)
      .execute();
    return { items: rows.slice(0, q.limit).map((r) => this.record<E>(r, now)), more: rows.length > q.limit };
  }

  /** Inserts a resource; undefined when the name is already taken in the project. */
  async create<E>(input: NewResource<E>): Promise<ResourceRecord<E> | undefined> {
    const nowMs = Date.now();
    const now = iso(nowMs);
    const row: Row = {
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
    try {
      await this.db.transaction().execute(async (trx) => {
        // A resource deleted with a delay still holds its name until it is gone; past that, free it.
        await trx
          .deleteFrom('ce_resources')
          .where('project_id', '=', row.project_id)
          .where('kind', '=', row.kind)
          .where('name', '=', row.name)
          .where('delete_at', '<=', now)
          .execute();
        await trx.insertInto('ce_resources').values(row).execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
    if (row.ready_at) this.onPending(row.ready_at);
    return this.record<E>(row, now);
  }

  /**
   * Changes a resource under `If-Match` (412 when stale; `*` matches any version). `change` sees the
   * current record inside the transaction and may throw to refuse; it must not query the database
   * itself (SQLite has one connection, held by the transaction). Undefined when not found.
   */
  async update<E>(
    projectId: string,
    kind: string,
    name: string,
    ifMatch: string | undefined,
    change: (current: ResourceRecord<E>) => ResourceChange<E> | Promise<ResourceChange<E>>,
  ): Promise<ResourceRecord<E> | undefined> {
    const result = await this.db.transaction().execute(async (trx) => {
      const nowMs = Date.now();
      const now = iso(nowMs);
      let q = this.visible(trx, now)
        .where('project_id', '=', projectId)
        .where('kind', '=', kind)
        .where('name', '=', name);
      if (this.store.dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) return undefined;
      const current = this.record<E>(row, now);
      requireMatch(ifMatch, current.entityTag);
      const c = await change(current);
      const next: Row = {
        ...row,
        ...(c.entity !== undefined ? { entity: toJson(c.entity) } : {}),
        ...(c.sealed !== undefined ? { sealed: c.sealed } : {}),
        ...(c.filterKey !== undefined ? { filter_key: c.filterKey } : {}),
        ...(c.transition ? transitionColumns(c.transition, nowMs) : settledColumns(row, now)),
        entity_tag: newEntityTag(),
        updated_at: now,
      };
      await trx
        .updateTable('ce_resources')
        .set({
          entity: next.entity,
          sealed: next.sealed,
          filter_key: next.filter_key,
          status: next.status,
          ready_status: next.ready_status,
          ready_at: next.ready_at,
          entity_tag: next.entity_tag,
          updated_at: next.updated_at,
        })
        .where('id', '=', row.id)
        .execute();
      return { record: this.record<E>(next, now), readyAt: next.ready_at };
    });
    if (result?.readyAt) this.onPending(result.readyAt);
    return result?.record;
  }

  /** Removes a resource now; false when there was none. */
  async delete(projectId: string, kind: string, name: string): Promise<boolean> {
    const now = iso(Date.now());
    const res = await this.db
      .deleteFrom('ce_resources')
      .where('project_id', '=', projectId)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .where((eb) => eb.or([eb('delete_at', 'is', null), eb('delete_at', '>', now)]))
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /**
   * Shows a resource in `status` (e.g. `deleting`) for `inMs`, then removes it. False when there was
   * none; a resource already being deleted keeps its original removal time.
   */
  async deleteLater(
    projectId: string,
    kind: string,
    name: string,
    status: string,
    inMs: number,
  ): Promise<boolean> {
    if (inMs <= 0) return this.delete(projectId, kind, name);
    const nowMs = Date.now();
    const now = iso(nowMs);
    const deleteAt = iso(nowMs + inMs);
    return this.db.transaction().execute(async (trx) => {
      const row = await this.visible(trx, now)
        .where('project_id', '=', projectId)
        .where('kind', '=', kind)
        .where('name', '=', name)
        .executeTakeFirst();
      if (!row) return false;
      if (row.delete_at === null) {
        await trx
          .updateTable('ce_resources')
          .set({ status, ready_status: null, ready_at: null, delete_at: deleteAt, updated_at: now })
          .where('id', '=', row.id)
          .execute();
        this.onPending(deleteAt);
      }
      return true;
    });
  }

  async count(projectId: string, kind: string): Promise<number> {
    const now = iso(Date.now());
    const row = await this.db
      .selectFrom('ce_resources')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('kind', '=', kind)
      .where((eb) => eb.or([eb('delete_at', 'is', null), eb('delete_at', '>', now)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
