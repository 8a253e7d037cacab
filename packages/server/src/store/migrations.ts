import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { platformMigrations } from './platform-migrations.ts';
import { projectMigrations } from '../areas/projects/migrations.ts';
import { projectTokenMigrations } from '../areas/projects/tokens-migrations.ts';
import { spaceMigrations } from '../areas/spaces/migrations.ts';
import { assetMigrations } from '../areas/assets/migrations.ts';
import { catalogMigrations } from '../areas/catalogs/migrations.ts';
import { assetContainerMigrations } from '../areas/asset-containers/migrations.ts';
import { assetListMigrations } from '../areas/asset-lists/migrations.ts';
import { codeEngineMigrations } from '../areas/code-engine/migrations.ts';
import { jobMigrations } from '../areas/jobs/migrations.ts';
import { connectionMigrations } from '../areas/connections/migrations.ts';
import { assetTransferMigrations } from '../areas/asset-transfer/migrations.ts';

/**
 * Every migration of the server, keyed by a name that sorts in the order it must run:
 * 0xxx platform, 1xxx projects, 2xxx spaces, and so on per area.
 */
export const allMigrations: Record<string, Migration> = {
  ...platformMigrations,
  ...projectMigrations,
  ...projectTokenMigrations,
  ...spaceMigrations,
  ...assetMigrations,
  ...catalogMigrations,
  ...codeEngineMigrations,
  ...jobMigrations,
  ...connectionMigrations,
  ...assetContainerMigrations,
  ...assetListMigrations,
  ...assetTransferMigrations,
};

const provider: MigrationProvider = { getMigrations: async () => allMigrations };

export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<void> {
  // Areas add migrations independently, so a later-numbered one may already have run.
  // With a schema given (PostgreSQL), Kysely must look for its own tables there, not in any schema.
  const migrator = new Migrator({
    db,
    provider,
    allowUnorderedMigrations: true,
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
