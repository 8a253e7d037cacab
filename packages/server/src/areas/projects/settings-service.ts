import type { Store } from '../../store/db.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { requireProjectRole } from './access.ts';
import { SettingsRepository, type EntityWithSettings } from './settings-repository.ts';

/** A settings group is a small tree of flags; this is each group's shape with its default values. */
type FlagTree = { [name: string]: boolean | FlagTree };

/** What a new project has: every restriction and feature off, as the seed's examples show. */
const SETTING_DEFAULTS = {
  audit_events: { enabled: false },
  access_restrictions: { data: false, data_permissions: { editor: false }, reporting: { authorized: false } },
  folders: { enabled: false },
} satisfies Record<string, FlagTree>;

export type SettingsGroup = keyof typeof SETTING_DEFAULTS;
export const SETTINGS_GROUPS = Object.keys(SETTING_DEFAULTS) as SettingsGroup[];

/** Keeps the flags the group knows, fills the ones not given with defaults, drops anything else. */
function conform(shape: FlagTree, value: unknown): FlagTree {
  const given = value && typeof value === 'object' && !Array.isArray(value) ? (value as any) : {};
  const out: FlagTree = {};
  for (const [name, fallback] of Object.entries(shape)) {
    out[name] =
      typeof fallback === 'boolean'
        ? typeof given[name] === 'boolean'
          ? given[name]
          : fallback
        : conform(fallback, given[name]);
  }
  return out;
}

/** Every settings group of a project entity, defaults filled in (for `include=settings` too). */
export function projectSettings(entity: EntityWithSettings): Record<SettingsGroup, FlagTree> {
  const stored = entity.settings ?? {};
  return Object.fromEntries(
    SETTINGS_GROUPS.map((group) => [group, conform(SETTING_DEFAULTS[group], stored[group])]),
  ) as Record<SettingsGroup, FlagTree>;
}

const INTEGRATION_GUID = /^[^\p{Cc}]{1,255}$/u;

export interface JupyterLabIntegration {
  guid: string;
}

/** Project settings groups and the JupyterLab integration: viewers read, admins change. */
export class SettingsService {
  private readonly repo: SettingsRepository;

  constructor(private readonly store: Store) {
    this.repo = new SettingsRepository(store);
  }

  async getGroup(principal: Principal, projectId: string, group: SettingsGroup): Promise<FlagTree> {
    await requireProjectRole(this.store, principal, projectId, 'viewer');
    return projectSettings(await this.repo.readEntity(projectId))[group];
  }

  /** PUT replaces the whole group: flags left out go back to their defaults. */
  async putGroup(principal: Principal, projectId: string, group: SettingsGroup, body: unknown) {
    await requireProjectRole(this.store, principal, projectId, 'admin');
    const value = conform(SETTING_DEFAULTS[group], body);
    await this.repo.updateEntity(projectId, (entity) => {
      entity.settings = { ...(entity.settings ?? {}), [group]: value };
    });
    return value;
  }

  async getJupyterLab(principal: Principal, projectId: string): Promise<JupyterLabIntegration> {
    await requireProjectRole(this.store, principal, projectId, 'viewer');
    const found = jupyterLabOf(await this.repo.readEntity(projectId));
    if (!found) throw notConfigured(projectId);
    return found;
  }

  async putJupyterLab(principal: Principal, projectId: string, body: { guid: string }) {
    const guid = body.guid.trim();
    if (!INTEGRATION_GUID.test(guid)) {
      throw badRequest('Entity body.guid must be 1 to 255 characters without control characters.', {
        parameters: ['guid'],
      });
    }
    await requireProjectRole(this.store, principal, projectId, 'admin');
    const integration: JupyterLabIntegration = { guid };
    await this.repo.updateEntity(projectId, (entity) => {
      entity.integrations = { ...(entity.integrations ?? {}), jupyterlab: integration };
    });
    return integration;
  }

  async deleteJupyterLab(principal: Principal, projectId: string): Promise<void> {
    await requireProjectRole(this.store, principal, projectId, 'admin');
    await this.repo.updateEntity(projectId, (entity) => {
      if (!jupyterLabOf(entity)) throw notConfigured(projectId);
      const { jupyterlab: _removed, ...others } = entity.integrations ?? {};
      entity.integrations = others;
    });
  }
}

function jupyterLabOf(entity: EntityWithSettings): JupyterLabIntegration | undefined {
  const value = entity.integrations?.jupyterlab as { guid?: unknown } | undefined;
  return value && typeof value.guid === 'string' ? { guid: value.guid } : undefined;
}

const notConfigured = (projectId: string) =>
  notFound(`The project ${projectId} has no JupyterLab integration.`, { parameters: [projectId] });
