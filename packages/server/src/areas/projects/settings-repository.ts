import type { Store } from '../../store/db.ts';
import { fromJson, nowIso, toJson } from '../../store/db.ts';
import { notFound } from '../../platform/errors.ts';
import type { ProjectTables } from './tables.ts';

/** The part of a project's entity JSON that settings and integrations live in. */
export interface EntityWithSettings {
  settings?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  [section: string]: unknown;
}

const gone = (projectId: string) =>
  notFound(`Failed to retrieve project: ${projectId}.`, { parameters: [projectId] });

/**
 * Settings and integrations are sections of the project entity (`projects.entity`), so the
 * project document (`include=settings,integrations`) and these operations always agree.
 */
export class SettingsRepository {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db.withTables<ProjectTables>();
  }

  async readEntity(projectId: string): Promise<EntityWithSettings> {
    const row = await this.db
      .selectFrom('projects')
      .select('entity')
      .where('id', '=', projectId)
      .executeTakeFirst();
    if (!row) throw gone(projectId);
    return fromJson<EntityWithSettings>(row.entity, {});
  }

  /**
   * Read-modify-write of the entity in one transaction; on PostgreSQL the row is locked so a
   * concurrent change to another section of the entity is not lost.
   */
  async updateEntity<T>(projectId: string, change: (entity: EntityWithSettings) => T): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('projects').select('entity').where('id', '=', projectId);
      if (this.store.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) throw gone(projectId);
      const entity = fromJson<EntityWithSettings>(row.entity, {});
      const result = change(entity);
      await trx
        .updateTable('projects')
        .set({ entity: toJson(entity), updated_at: nowIso() })
        .where('id', '=', projectId)
        .execute();
      return result;
    });
  }
}
