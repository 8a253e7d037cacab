import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { SettingsService, type SettingsGroup } from './settings-service.ts';

type ProjectRequest = FastifyRequest<{ Params: { project_id: string }; Body: unknown }>;

export function registerProjectSettings(app: FastifyInstance, ctx: AppContext): void {
  const settings = new SettingsService(ctx.store);

  const getGroup = (group: SettingsGroup) => async (req: ProjectRequest) =>
    settings.getGroup(req.principal, req.params.project_id, group);
  const putGroup = (group: SettingsGroup) => async (req: ProjectRequest) =>
    settings.putGroup(req.principal, req.params.project_id, group, req.body);

  registerOperations(app, ctx, {
    'GET /v2/projects/{project_id}/settings/audit_events': getGroup('audit_events'),
    'PUT /v2/projects/{project_id}/settings/audit_events': putGroup('audit_events'),
    'GET /v2/projects/{project_id}/settings/access_restrictions': getGroup('access_restrictions'),
    'PUT /v2/projects/{project_id}/settings/access_restrictions': putGroup('access_restrictions'),
    'GET /v2/projects/{project_id}/settings/folders': getGroup('folders'),
    'PUT /v2/projects/{project_id}/settings/folders': putGroup('folders'),
    'GET /v2/projects/{project_id}/integrations/jupyterlab': async (req: ProjectRequest) =>
      settings.getJupyterLab(req.principal, req.params.project_id),
    'PUT /v2/projects/{project_id}/integrations/jupyterlab': async (req: ProjectRequest) =>
      settings.putJupyterLab(req.principal, req.params.project_id, req.body as { guid: string }),
    'DELETE /v2/projects/{project_id}/integrations/jupyterlab': async (req: ProjectRequest, reply) => {
      await settings.deleteJupyterLab(req.principal, req.params.project_id);
      return reply.code(204).send();
    },
  });
}
