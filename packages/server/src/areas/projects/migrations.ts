import type { Migration } from 'kysely';

export const projectMigrations: Record<string, Migration> = {};
