import type { AppContext } from '../../platform/context.ts';
import { ApiError, conflict, notFound } from '../../platform/errors.ts';
import { Lifecycle } from './lifecycle.ts';
import { ProjectRepository, type ProjectRecord } from './project-repository.ts';
import { ResourceRepository, type ResourceRecord } from './repository.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import { loadCodeEngineSettings, REGION, type CodeEngineSettings } from './settings.ts';
import { hrefOf, type RequestScope } from './http.ts';
import { KINDS, type Kind } from './kinds.ts';
import type { CodeEngineTables } from './tables.ts';

/** Everything the Code Engine services share: repositories, lifecycle, secret sealing, settings. */
export interface CodeEngineArea {
  ctx: AppContext;
  settings: CodeEngineSettings;
  projects: ProjectRepository;
  resources: ResourceRepository;
  lifecycle: Lifecycle;
  box: SecretBox;
}

export function createArea(ctx: AppContext): CodeEngineArea {
  const db = ctx.store.db.withTables<CodeEngineTables>() as any;
  const lifecycle = new Lifecycle(db, ctx.log);
  return {
    ctx,
    settings: loadCodeEngineSettings(),
    projects: new ProjectRepository(ctx.store, lifecycle.notify),
    resources: new ResourceRepository(ctx.store, lifecycle.notify),
    lifecycle,
    box: ctx.secrets,
  };
}

/** An error in the service's own words, with the machine code and the input at fault. */
export function fieldError(
  status: number,
  message: string,
  field: string,
  code = 'invalid_request',
): ApiError {
  return new ApiError(status, message, { code, target: { type: 'field', name: field } });
}

export function projectNotFound(projectId: string): ApiError {
  return notFound(`Project with ID '${projectId}' does not exist in your account.`, {
    code: 'project_not_found',
    target: { type: 'parameter', name: 'project_id' },
  });
}

/**
 * The caller's project, or 404: a project belongs to the user who created it, and anyone else is
 * told it does not exist (as the service does for projects outside one's account). `forCreate`
 * refuses new resources in a project being deleted (409).
 */
export async function requireProject(
  area: CodeEngineArea,
  scope: RequestScope,
  projectId: string,
  opts: { forCreate?: boolean } = {},
): Promise<ProjectRecord> {
  const project = await area.projects.get(scope.userId, projectId);
  if (!project) throw projectNotFound(projectId);
  if (opts.forCreate && project.deleting) {
    throw conflict(`Project '${projectId}' is being deleted; no resources can be created in it.`, {
      code: 'project_deleting',
      target: { type: 'parameter', name: 'project_id' },
    });
  }
  return project;
}

/** 404 for a resource that is not there, naming it as the service does. */
export function resourceNotFound(kind: Kind, name: string, param = 'name'): ApiError {
  const label = kind.replace(/_/g, ' ');
  return notFound(`The ${label} '${name}' does not exist in this project.`, {
    code: `${kind}_not_found`,
    target: { type: 'parameter', name: param },
  });
}

/** 409 for a name already taken. */
export function resourceExists(kind: Kind, name: string): ApiError {
  const label = kind.replace(/_/g, ' ');
  return conflict(`A ${label} named '${name}' already exists in this project.`, {
    code: `${kind}_already_exists`,
    target: { type: 'field', name: 'name' },
  });
}

/** The fields every project resource shows: href, id, name, project_id, region, created_at, entity_tag. */
export function baseFields(scope: RequestScope, record: ResourceRecord<unknown>, key = record.name) {
  const kind = KINDS[record.kind as Kind];
  return {
    created_at: record.createdAt,
    entity_tag: record.entityTag,
    href: hrefOf(scope, `/projects/${record.projectId}/${kind.path}/${encodeURIComponent(key)}`),
    id: record.id,
    name: record.name,
    project_id: record.projectId,
    region: REGION,
    ...(kind.resourceType ? { resource_type: kind.resourceType } : {}),
  };
}

/**
 * Kubernetes-style resource names, as the service uses: lowercase letters, digits, `-` and `.`,
 * starting and ending with a letter or digit, at most `max` characters.
 */
const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkName(name: string, opts: { max?: number; dots?: boolean; field?: string } = {}): void {
  const max = opts.max ?? 253;
  const pattern = opts.dots === false ? LABEL_NAME : RESOURCE_NAME;
  if (name.length === 0 || name.length > max || !pattern.test(name)) {
    throw fieldError(
      400,
      `Invalid '${opts.field ?? 'name'}': '${name}' must be 1 to ${max} lowercase letters, digits` +
        (opts.dots === false ? " or '-'" : ", '-' or '.'") +
        ', starting and ending with a letter or digit.',
      opts.field ?? 'name',
    );
  }
}
