import type { Migration } from 'kysely';

export const spaceMigrations: Record<string, Migration> = {};
