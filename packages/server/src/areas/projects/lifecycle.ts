import type { ProjectDb } from './repository.ts';

/**
 * Work other modules must do, inside the same database transaction, when a project is deleted:
 * rows that point at the project without a foreign key (assets, jobs...). Tables with
 * `references('projects.id').onDelete('cascade')` need no hook.
 */
export type ProjectDeletionHook = (trx: ProjectDb, projectId: string) => Promise<void>;

const deletionHooks = new Set<ProjectDeletionHook>();

export function onProjectDeletion(hook: ProjectDeletionHook): void {
  deletionHooks.add(hook);
}

export async function runProjectDeletionHooks(trx: ProjectDb, projectId: string): Promise<void> {
  for (const hook of deletionHooks) await hook(trx, projectId);
}
