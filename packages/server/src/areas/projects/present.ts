import { fromJson } from '../../store/db.ts';
import { projectSettings } from './settings-service.ts';
import { roleAtLeast, type ProjectRole } from './access.ts';
import { memberView, splitList, type MemberRow, type ProjectRow, type StoredEntity } from './model.ts';

export type Section =
  'name' | 'fields' | 'members' | 'tags' | 'settings' | 'integrations' | 'storage' | 'credentials';

const ALL_SECTIONS: Section[] = [
  'name',
  'fields',
  'members',
  'tags',
  'settings',
  'integrations',
  'storage',
  'credentials',
];
/** The sections the list offers (its `include` has no integrations, storage or credentials). */
export const LIST_SECTIONS: Section[] = ['name', 'fields', 'members', 'tags', 'settings'];

/**
 * The `include` parameter as a set of sections. `everything` means every section the operation
 * offers; `nothing` alone means the metadata only; the default is `fields`.
 */
export function sectionsOf(include: string | undefined, offered: Section[] = ALL_SECTIONS): Set<Section> {
  const asked = splitList(include ?? 'fields');
  if (asked.includes('everything')) return new Set(offered);
  return new Set(asked.filter((s): s is Section => (offered as string[]).includes(s)));
}

export interface ProjectExtras {
  members?: MemberRow[];
  tags?: string[];
  /** The caller's role, which decides which storage credentials `credentials` shows. */
  role?: ProjectRole;
}

/** Storage without the credentials, or with those the role may see (a role sees its own and lower). */
function storageView(entity: StoredEntity, role: ProjectRole | undefined) {
  const { credentials, ...properties } = entity.storage.properties ?? {};
  const view: Record<string, unknown> = { ...entity.storage, properties };
  if (role && credentials) {
    const visible = Object.fromEntries(
      Object.entries(credentials).filter(([r]) => roleAtLeast(role, r as ProjectRole)),
    );
    view.properties = { ...properties, credentials: visible };
  }
  return view;
}

export const projectUrl = (id: string) => `/v2/projects/${id}`;

/** A project as the seed's examples show it: `metadata` plus the requested `entity` sections. */
export function projectView(row: ProjectRow, sections: Set<Section>, extras: ProjectExtras = {}) {
  const metadata = {
    guid: row.id,
    url: projectUrl(row.id),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  if (sections.size === 0) return { metadata };
  const stored = fromJson<StoredEntity>(row.entity, {} as StoredEntity);
  const entity: Record<string, unknown> = {};
  if (sections.has('name') || sections.has('fields')) entity.name = row.name;
  if (sections.has('fields')) {
    Object.assign(entity, {
      description: row.description,
      type: row.type,
      generator: row.generator,
      public: Boolean(row.public),
      creator: row.creator,
      creator_iam_id: row.creator_iam_id,
      storage: storageView(stored, undefined),
      scope: stored.scope,
      catalog: stored.catalog,
    });
    if (stored.compute?.length) entity.compute = stored.compute;
    if (stored.tools?.length) entity.tools = stored.tools;
  }
  if (sections.has('storage')) entity.storage = storageView(stored, undefined);
  if (sections.has('credentials')) entity.storage = storageView(stored, extras.role);
  if (sections.has('members')) entity.members = (extras.members ?? []).map(memberView);
  if (sections.has('tags')) entity.tags = extras.tags ?? [];
  if (sections.has('settings')) entity.settings = projectSettings({ settings: stored.settings });
  if (sections.has('integrations')) entity.integrations = stored.integrations ?? {};
  return { metadata, entity };
}
