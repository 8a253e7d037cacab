import type { Kysely } from 'kysely';
import type { Store } from '../../store/db.ts';
import { fromJson, toJson } from '../../store/db.ts';
import {
  effectiveStatus,
  isUniqueViolation,
  transitionColumns,
  type PendingListener,
  type Transition,
} from './repository.ts';
import type { CodeEngineTables } from './tables.ts';

type Db = Kysely<CodeEngineTables>;
type Row = CodeEngineTables['ce_projects'];

export interface ProjectEntity {
  tags?: string[];
}

export interface ProjectRecord {
  id: string;
  name: string;
  ownerId: string;
  accountId: string;
  resourceGroupId: string;
  entity: ProjectEntity;
  status: string;
  /** True once deletion was asked for (the project shows `deleting` until it is gone). */
  deleting: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewProject {
  id: string;
  name: string;
  ownerId: string;
  accountId: string;
  resourceGroupId: string;
  entity: ProjectEntity;
  transition: Transition;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** All SQL on Code Engine projects. A project is visible to its owner only, until `delete_at`. */
export class ProjectRepository {
  readonly db: Db;

  constructor(
    store: Store,
    private readonly onPending: PendingListener = () => {},
  ) {
    this.db = store.db.withTables<CodeEngineTables>() as unknown as Db;
  }

  private record(row: Row, now: string): ProjectRecord {
    return {
      id: row.id,
      name: row.name,
      ownerId: row.owner_id,
      accountId: row.account_id,
      resourceGroupId: row.resource_group_id,
      entity: fromJson<ProjectEntity>(row.entity, {}),
      status: effectiveStatus(row, now).status ?? row.status,
      deleting: row.delete_at !== null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  private visible(ownerId: string, now: string) {
    return this.db
      .selectFrom('ce_projects')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where((eb) => eb.or([eb('delete_at', 'is', null), eb('delete_at', '>', now)]));
  }

  async get(ownerId: string, id: string): Promise<ProjectRecord | undefined> {
    const now = iso(Date.now());
    const row = await this.visible(ownerId, now).where('id', '=', id).executeTakeFirst();
    return row && this.record(row, now);
  }

  async list(
    ownerId: string,
    limit: number,
    after?: string,
  ): Promise<{ items: ProjectRecord[]; more: boolean }> {
    const now = iso(Date.now());
    let q = this.visible(ownerId, now);
    if (after !== undefined) q = q.where('name', '>', after);
    const rows = await q
      .orderBy('name')
      .limit(limit + 1)
      .execute();
    return { items: rows.slice(0, limit).map((r) => this.record(r, now)), more: rows.length > limit };
  }

  /** Inserts a project; undefined when its owner already has a project of that name. */
  async create(input: NewProject): Promise<ProjectRecord | undefined> {
    const nowMs = Date.now();
    const now = iso(nowMs);
    const lifecycle = transitionColumns(input.transition, nowMs);
    const row: Row = {
      id: input.id,
      name: input.name,
      owner_id: input.ownerId,
      account_id: input.accountId,
      resource_group_id: input.resourceGroupId,
      entity: toJson(input.entity),
      ...lifecycle,
      status: lifecycle.status ?? 'active',
      delete_at: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        // A project past its removal time no longer holds its name.
        await trx
          .deleteFrom('ce_projects')
          .where('owner_id', '=', row.owner_id)
          .where('name', '=', row.name)
          .where('delete_at', '<=', now)
          .execute();
        await trx.insertInto('ce_projects').values(row).execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
    if (row.ready_at) this.onPending(row.ready_at);
    return this.record(row, now);
  }

  /**
   * Shows the project as `deleting` for `inMs`, then removes it with everything in it. A project
   * already being deleted keeps its removal time.
   */
  async deleteLater(ownerId: string, id: string, inMs: number): Promise<boolean> {
    const nowMs = Date.now();
    const now = iso(nowMs);
    const current = await this.visible(ownerId, now).where('id', '=', id).executeTakeFirst();
    if (!current) return false;
    if (current.delete_at !== null) return true;
    if (inMs <= 0) {
      await this.db.deleteFrom('ce_projects').where('id', '=', id).execute();
      return true;
    }
    const deleteAt = iso(nowMs + inMs);
    await this.db
      .updateTable('ce_projects')
      .set({ status: 'deleting', ready_status: null, ready_at: null, delete_at: deleteAt, updated_at: now })
      .where('id', '=', id)
      .where('delete_at', 'is', null)
      .execute();
    this.onPending(deleteAt);
    return true;
  }
}
