import crypto from 'node:crypto';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import { fromJson, nowIso, toJson } from '../../store/db.ts';
import { requireProjectAccess, requireProjectRole, type ProjectRole } from './access.ts';
import { decodeBookmark, encodeBookmark } from './bookmark.ts';
import { runProjectDeletionHooks } from './lifecycle.ts';
import { deleteContainerContents } from '../asset-containers/contents.ts';
import {
  DEFAULT_ACCOUNT,
  keywordColumn,
  splitList,
  timeOrderedUuid,
  type ProjectRow,
  type ProjectStorage,
  type StoredEntity,
} from './model.ts';
import { LIST_SECTIONS, projectUrl, projectView, sectionsOf, type Section } from './present.ts';
import {
  addTags,
  deleteProjectRows,
  findProject,
  findProjectForUpdate,
  findTransaction,
  insertMembers,
  insertProject,
  insertTransaction,
  nameKeywordPatterns,
  projectListQueries,
  membersOfProjects,
  nameTaken,
  projectDb,
  setMembersProjectType,
  tagsOf,
  tagsOfProjects,
  updateProject,
  type ProjectDb,
  type ProjectFilter,
  type TransactionRow,
} from './repository.ts';
import { validTag } from './tags.ts';

const ACCOUNT = /^[0-9a-f-]{3,36}$/;
// C0/C1 control characters and the characters HTML would interpret.
const NAME_FORBIDDEN = /[\p{Cc}<>]/u;
const NAME_MAX = 100;
const TOTAL_CAP = 10_000;

/** A project name the service accepts, or the documented 400. */
export function checkName(name: unknown, field = 'body.name'): string {
  if (typeof name !== 'string' || !name.trim()) throw badRequest(`Entity ${field} must not be empty.`);
  if (name.length > NAME_MAX) throw badRequest(`Entity ${field} is longer than ${NAME_MAX} characters.`);
  if (NAME_FORBIDDEN.test(name)) throw badRequest(`Entity ${field} contains invalid characters.`);
  return name;
}

const randomKey = (bytes: number) => crypto.randomBytes(bytes).toString('base64url');

/** The storage a new project gets: a generated bucket and per-role credentials for COS. */
function newStorage(given: any, projectName: string): ProjectStorage {
  const type: string = given?.type ?? 'assetfiles';
  const storage: ProjectStorage = { type, guid: given?.guid ?? crypto.randomUUID(), properties: {} };
  for (const key of ['resource_crn', 'plan_id', 'delegated'] as const) {
    if (given?.[key] !== undefined) (storage as any)[key] = given[key];
  }
  if (type === 'bmcos_object_storage') {
    const slug =
      projectName
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '')
        .slice(0, 20) || 'project';
    const role = (withCrn: boolean) => ({
      api_key: randomKey(32),
      service_id: `ServiceId-${crypto.randomUUID()}`,
      access_key_id: crypto.randomBytes(16).toString('hex'),
      secret_access_key: crypto.randomBytes(24).toString('hex'),
      ...(withCrn
        ? { resource_key_crn: `crn:v1:local:public:cloud-object-storage:::${crypto.randomUUID()}` }
        : {}),
    });
    storage.properties = {
      bucket_name: `${slug}-donotdelete-pr-${crypto.randomBytes(7).toString('hex')}`,
      bucket_region: 'us-south',
      endpoint_url: 'https://s3.us-south.cloud-object-storage.appdomain.cloud',
      ...(given?.properties ?? {}),
      credentials: { admin: role(false), editor: role(true), viewer: role(true) },
    };
  } else if (given?.properties) {
    storage.properties = { ...given.properties };
  }
  return storage;
}

export interface CreateProjectInput {
  name: string;
  generator: string;
  description?: string;
  type?: string;
  storage?: Record<string, unknown>;
  compute?: Record<string, unknown>[];
  tags?: string[];
  tools?: string[];
  public?: boolean;
  enforce_members?: boolean;
  catalog?: { public?: boolean };
  settings?: Record<string, unknown>;
  /** Not in the seed's body: lets a caller place the project in an account other than "999". */
  scope?: { bss_account_id?: string };
}

/** How `create` records its transaction; an archive import starts one still running. */
export interface CreateTransactionOptions {
  kind?: string;
  status?: string;
  detail?: Record<string, unknown>;
  /** More writes inside the creating database transaction, once the project row exists. */
  within?: (trx: ProjectDb, ids: { projectId: string; transactionId: string }) => Promise<void>;
}

export interface TransactionView {
  id: string;
  project_id: string;
  type: string;
  status: string;
  location: string;
  created_at: string;
  updated_at: string;
  links: { self: string };
}

const transactionUrl = (projectId: string, id: string) =>
  `/transactional/v2/projects/${projectId}/transactions/${id}`;

function transactionView(row: TransactionRow): TransactionView {
  return {
    id: row.id,
    project_id: row.project_id,
    type: row.kind,
    status: row.status,
    location: projectUrl(row.project_id),
    ...fromJson<Record<string, unknown>>(row.detail, {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
    links: { self: transactionUrl(row.project_id, row.id) },
  };
}

/** Projects: create, read, list, change and delete. Members and tags live in their own modules. */
export class ProjectService {
  private readonly lists: ReturnType<typeof projectListQueries>;

  constructor(private readonly ctx: AppContext) {
    this.lists = projectListQueries(ctx.store);
  }

  private get db() {
    return projectDb(this.ctx.store);
  }

  /**
   * Creates the project, its storage and catalog, the creator as admin, the tags and a
   * transaction record, all in one database transaction.
   */
  async create(
    principal: Principal,
    input: CreateProjectInput,
    verifyUniqueName = true,
    recorded: CreateTransactionOptions = {},
  ): Promise<{ projectId: string; transactionId: string }> {
    if (principal.kind !== 'user') {
      throw forbidden('Permission Denied: a project token cannot create projects.');
    }
    const name = checkName(input.name);
    const account = input.scope?.bss_account_id ?? DEFAULT_ACCOUNT;
    if (typeof account !== 'string' || !ACCOUNT.test(account)) {
      throw badRequest('Entity body.scope.bss_account_id must match ^[0-9a-f-]{3,36}$.');
    }
    if (input.tags) for (const tag of input.tags) validTag(tag);
    const tags = [...new Set(input.tags ?? [])];
    const now = nowIso();
    const id = timeOrderedUuid();
    const entity: StoredEntity = {
      storage: newStorage(input.storage, name),
      scope: { bss_account_id: account, enforce_members: input.enforce_members ?? true },
      catalog: { guid: crypto.randomUUID(), public: input.catalog?.public ?? false },
      compute: input.compute ?? [],
      tools: input.tools ?? [],
      settings: input.settings ?? {},
      integrations: {},
    };
    const row: ProjectRow = {
      id,
      name,
      description: input.description ?? '',
      type: input.type ?? 'cpd',
      generator: input.generator,
      public: input.public ? 1 : 0,
      creator: principal.username,
      creator_iam_id: principal.iamId,
      bss_account_id: account,
      entity: toJson(entity),
      name_keywords: keywordColumn(name),
      created_at: now,
      updated_at: now,
    };
    const transactionId = crypto.randomUUID();
    await this.db.transaction().execute(async (trx) => {
      if (verifyUniqueName && (await nameTaken(trx, account, name))) {
        throw badRequest(
          `A project named '${name}' already exists in account ${account}; project names must be unique.`,
        );
      }
      await insertProject(trx, row);
      await insertMembers(trx, [
        {
          project_id: id,
          iam_id: principal.iamId,
          user_name: principal.username,
          role: 'admin',
          type: 'user',
          state: 'ACTIVE',
          bss_account_id: account,
          project_type: row.type,
          created_at: now,
          updated_at: now,
        },
      ]);
      await addTags(trx, id, tags, now);
      await insertTransaction(trx, {
        id: transactionId,
        project_id: id,
        kind: recorded.kind ?? 'create',
        status: recorded.status ?? 'succeeded',
        creator_iam_id: principal.iamId,
        detail: toJson(
          recorded.detail ?? { steps: ['project', 'storage', 'catalog', 'members', 'tags', 'settings'] },
        ),
        created_at: now,
        updated_at: now,
      });
      await recorded.within?.(trx, { projectId: id, transactionId });
    });
    return { projectId: id, transactionId };
  }

  /** Deletes the project and everything under it (assets too) in one database transaction. Admins only. */
  async delete(principal: Principal, projectId: string): Promise<void> {
    await requireProjectRole(this.ctx.store, principal, projectId, 'admin');
    const removeContent = await this.db.transaction().execute(async (trx) => {
      await runProjectDeletionHooks(trx, projectId);
      const remove = await deleteContainerContents(this.ctx, trx, { kind: 'project', id: projectId });
      await deleteProjectRows(trx, projectId);
      return remove;
    });
    await removeContent();
  }

  async transaction(
    principal: Principal,
    projectId: string,
    transactionId: string,
  ): Promise<TransactionView> {
    await requireProjectRole(this.ctx.store, principal, projectId, 'viewer');
    const row = await findTransaction(this.db, transactionId);
    if (!row || row.project_id !== projectId) {
      throw notFound(`Transaction ${transactionId} is not associated with project ${projectId}`);
    }
    return transactionView(row);
  }

  /** The project with the requested sections; undefined for `include=nothing` (204). */
  async get(principal: Principal, projectId: string, include: string | undefined) {
    const { role, project } = await requireProjectAccess(this.ctx.store, principal, projectId, 'viewer');
    const sections = sectionsOf(include);
    if (sections.size === 0) return undefined;
    return this.view(projectId, sections, role, project);
  }

  private async view(projectId: string, sections: Set<Section>, role: ProjectRole, read?: ProjectRow) {
    const row = read ?? (await findProject(this.db, projectId));
    if (!row) throw notFound(`Failed to retrieve project: ${projectId}.`);
    const members = sections.has('members')
      ? (await membersOfProjects(this.db, [projectId])).get(projectId)
      : [];
    const tags = sections.has('tags') ? await tagsOf(this.db, projectId) : [];
    return projectView(row, sections, { members, tags, role });
  }

  /** Partial update of the documented fields. Editors and admins. */
  async update(principal: Principal, projectId: string, patch: Record<string, any>) {
    const role = await requireProjectRole(this.ctx.store, principal, projectId, 'editor');
    const changes: Partial<ProjectRow> = {};
    if (patch.name !== undefined) {
      changes.name = checkName(patch.name);
      changes.name_keywords = keywordColumn(changes.name);
    }
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.type !== undefined) changes.type = patch.type;
    if (patch.public !== undefined) changes.public = patch.public ? 1 : 0;
    await this.db.transaction().execute(async (trx) => {
      const row = await findProjectForUpdate(trx, projectId, this.ctx.store.dialect);
      if (!row) throw notFound(`Failed to retrieve project: ${projectId}.`);
      const entity = fromJson<StoredEntity>(row.entity, {} as StoredEntity);
      if (patch.compute !== undefined) entity.compute = patch.compute;
      if (patch.tools !== undefined) entity.tools = patch.tools;
      if (patch.catalog !== undefined) entity.catalog = { ...entity.catalog, ...patch.catalog };
      await updateProject(trx, projectId, { ...changes, entity: toJson(entity), updated_at: nowIso() });
      if (changes.type !== undefined) await setMembersProjectType(trx, projectId, changes.type);
    });
    return this.view(projectId, new Set<Section>(['fields']), role);
  }

  /** Replaces storage credentials (COS) or repository fields (local git). Admins only. */
  async updateStorageProperties(principal: Principal, projectId: string, body: Record<string, any>) {
    await requireProjectRole(this.ctx.store, principal, projectId, 'admin');
    if (body.credentials === undefined && body.repository === undefined) {
      throw badRequest('The request body must contain credentials or repository.');
    }
    return this.db.transaction().execute(async (trx) => {
      const row = await findProjectForUpdate(trx, projectId, this.ctx.store.dialect);
      if (!row) throw notFound(`Failed to retrieve project: ${projectId}.`);
      const entity = fromJson<StoredEntity>(row.entity, {} as StoredEntity);
      const type = entity.storage.type;
      if (type !== 'bmcos_object_storage' && type !== 'local_git_storage') {
        throw badRequest(
          `Only the properties of bmcos_object_storage and local_git_storage storage can be updated; ` +
            `project ${projectId} uses ${type}.`,
        );
      }
      if (body.credentials !== undefined && type !== 'bmcos_object_storage') {
        throw badRequest(
          `Entity body.credentials applies to bmcos_object_storage only; the project uses ${type}.`,
        );
      }
      if (body.repository !== undefined && type !== 'local_git_storage') {
        throw badRequest(
          `Entity body.repository applies to local_git_storage only; the project uses ${type}.`,
        );
      }
      const now = nowIso();
      const properties = entity.storage.properties;
      if (body.credentials) {
        properties.credentials = { ...(properties.credentials ?? {}), ...body.credentials };
        entity.credentials_updated_at = now;
      }
      if (body.repository) {
        properties.repository = { ...((properties.repository as object) ?? {}), ...body.repository };
      }
      await updateProject(trx, projectId, { entity: toJson(entity), updated_at: now });
      return {
        ...(properties.credentials ? { credentials: properties.credentials } : {}),
        ...(entity.credentials_updated_at ? { credentials_updated_at: entity.credentials_updated_at } : {}),
        ...(properties.repository ? { repository: properties.repository } : {}),
      };
    });
  }

  private filterOf(principal: Principal): ProjectFilter {
    return {
      iamId: principal.iamId,
      onlyProjectId: principal.kind === 'project_token' ? principal.projectId : undefined,
    };
  }

  /** `GET /v2/projects`: the caller's projects, filtered, one keyset page at a time. */
  async list(principal: Principal, q: Record<string, any>) {
    if (q.name !== undefined && q.bss_account_id === undefined) {
      throw badRequest(
        "The 'name' query parameter must be used in conjunction with the 'bss_account_id' query parameter.",
      );
    }
    if (q.roles !== undefined && q.member === undefined) {
      throw badRequest(
        "The 'roles' query parameter must be used in conjunction with the 'member' query parameter.",
      );
    }
    if (q.guids !== undefined && q.member === undefined) {
      throw badRequest(
        "The 'guids' query parameter only works in conjunction with the 'member' query parameter.",
      );
    }
    const filter: ProjectFilter = {
      ...this.filterOf(principal),
      bssAccountId: q.bss_account_id,
      type: q.type,
      member: q.member,
      roles: q.roles !== undefined ? splitList(q.roles) : undefined,
      tagNames: q.tag_names !== undefined ? splitList(q.tag_names) : undefined,
      nameExact: q.name !== undefined && (q.match ?? 'exact') === 'exact' ? q.name : undefined,
      nameLike: q.name !== undefined && q.match === 'keyword' ? nameKeywordPatterns(q.name) : undefined,
      guids: q.guids !== undefined ? splitList(q.guids) : undefined,
    };
    if (filter.tagNames && !filter.tagNames.length) filter.tagNames = undefined;
    if (filter.guids && !filter.guids.length) filter.guids = ['-'];
    const limit: number = q.limit ?? 10;
    const afterId = q.bookmark !== undefined ? decodeBookmark(q.bookmark) : undefined;
    const sections = sectionsOf(q.include, LIST_SECTIONS);
    const { rows: page, total } = limit
      ? await this.lists.page({ filter, afterId, limit: limit + 1, skip: q.skip ?? 0 })
      : { rows: [], total: await this.lists.count(filter) };
    const more = page.length > limit;
    const rows = more ? page.slice(0, limit) : page;
    const ids = rows.map((r) => r.id);
    const [members, tags] = await Promise.all([
      sections.has('members') ? membersOfProjects(this.db, ids) : undefined,
      sections.has('tags') ? tagsOfProjects(this.db, ids) : undefined,
    ]);
    return {
      total_results: total,
      ...(more ? { bookmark: encodeBookmark(rows[rows.length - 1].id) } : {}),
      resources: rows.map((r) =>
        projectView(r, sections, { members: members?.get(r.id), tags: tags?.get(r.id) }),
      ),
    };
  }

  /** `GET /v2/projects/total`: counts at most 10,000; the account defaults to "999". */
  async total(principal: Principal, q: Record<string, any>) {
    const filter: ProjectFilter = {
      ...this.filterOf(principal),
      bssAccountId: q.bss_account_id ?? DEFAULT_ACCOUNT,
      type: q.type,
      member: q.member,
      tagNames: q.tag_names !== undefined ? splitList(q.tag_names) : undefined,
    };
    if (filter.tagNames && !filter.tagNames.length) filter.tagNames = undefined;
    return { total: await this.lists.count(filter, TOTAL_CAP) };
  }
}
