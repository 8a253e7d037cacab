import type { ProjectDb } from './repository.ts';

/**
 * Work other modules must do, inside the same database transaction, when a project is deleted:
 * rows that point at the project without a foreign key (assets, jobs...). Tables with
 * `references('projects.id').onDelete('cascade')` need no hook. A hook that throws rolls the
 * whole deletion back.
 */
export type ProjectDeletionHook = (trx: ProjectDb, projectId: string) => Promise<void>;

const deletionHooks = new Map<string, ProjectDeletionHook>();

/** Registers (or replaces) the hook of a module; `name` keeps repeated registrations to one. */
export function onProjectDeletion(name: string, hook: ProjectDeletionHook): void {
  deletionHooks.set(name, hook);
}

export function removeProjectDeletionHook(name: string): void {
  deletionHooks.delete(name);
}

export async function runProjectDeletionHooks(trx: ProjectDb, projectId: string): Promise<void> {
  for (const hook of deletionHooks.values()) await hook(trx, projectId);
}
