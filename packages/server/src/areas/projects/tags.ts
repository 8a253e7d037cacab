import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, notFound, unprocessable } from '../../platform/errors.ts';
import { nowIso } from '../../store/db.ts';
import { requireProjectRole } from './access.ts';
import { MAX_ITEMS_PER_REQUEST } from './model.ts';
import { addTags, projectDb, removeTags, tagsOf, updateProject, type ProjectDb } from './repository.ts';

/**
 * The seed's tag rule: 1 to 30 characters, no comma, and no < > ' " & unless written as a
 * character entity (`&lt;`, `&#39;`...).
 */
const TAG = /^(?:[^,<>'"&]|&(?:lt|gt|apos|quot|amp|#[0-9]+|#x[0-9a-fA-F]+);)+$/;
/** Keeps a project's tag list (and the list filter) bounded. */
export const MAX_TAGS_PER_PROJECT = 100;

export function validTag(tag: string): string {
  if (typeof tag !== 'string' || tag.length < 1 || tag.length > 30 || !TAG.test(tag)) {
    throw badRequest(
      `Tag '${String(tag)}' is invalid: a tag has 1 to 30 characters, no comma, and no < > ' " & ` +
        'unless escaped as a character entity.',
    );
  }
  return tag;
}

export type TagOperation = { op: 'add' | 'remove'; tags: string[] };

/** Project tags: viewers read them, editors and admins change them. */
export class TagService {
  constructor(private readonly ctx: AppContext) {}

  private get db() {
    return projectDb(this.ctx.store);
  }

  async list(principal: Principal, projectId: string): Promise<string[]> {
    await requireProjectRole(this.ctx.store, principal, projectId, 'viewer');
    return tagsOf(this.db, projectId);
  }

  /** Applies the operations in order, all or nothing, and answers the resulting tags. */
  async apply(principal: Principal, projectId: string, ops: TagOperation[]): Promise<string[]> {
    await requireProjectRole(this.ctx.store, principal, projectId, 'editor');
    const named = ops.reduce((n, op) => n + op.tags.length, 0);
    if (named > MAX_ITEMS_PER_REQUEST) {
      throw badRequest(`A request may name at most ${MAX_ITEMS_PER_REQUEST} tags; it named ${named}.`);
    }
    for (const op of ops) op.tags.forEach(validTag);
    return this.db.transaction().execute(async (trx) => {
      const now = nowIso();
      for (const op of ops) {
        if (op.op === 'add') await addTags(trx, projectId, op.tags, now);
        else await removeTags(trx, projectId, op.tags);
      }
      const tags = await tagsOf(trx, projectId);
      if (tags.length > MAX_TAGS_PER_PROJECT) {
        throw unprocessable(
          `A project can carry at most ${MAX_TAGS_PER_PROJECT} tags; this change would leave ${tags.length}.`,
        );
      }
      await touch(trx, projectId, now);
      return tags;
    });
  }

  /** Removes the named tags (absent ones are ignored), or all tags when none are named. */
  async removeMany(principal: Principal, projectId: string, tags: string[] | undefined): Promise<void> {
    await requireProjectRole(this.ctx.store, principal, projectId, 'editor');
    await this.db.transaction().execute(async (trx) => {
      await removeTags(trx, projectId, tags);
      await touch(trx, projectId, nowIso());
    });
  }

  /** Removes one tag; 404 when the project does not carry it. */
  async removeOne(principal: Principal, projectId: string, tag: string): Promise<void> {
    await requireProjectRole(this.ctx.store, principal, projectId, 'editor');
    await this.db.transaction().execute(async (trx) => {
      const tags = await tagsOf(trx, projectId);
      if (!tags.includes(tag)) throw notFound(`Project ${projectId} has no tag '${tag}'.`);
      await removeTags(trx, projectId, [tag]);
      await touch(trx, projectId, nowIso());
    });
  }
}

const touch = (db: ProjectDb, projectId: string, now: string) =>
  updateProject(db, projectId, { updated_at: now });
