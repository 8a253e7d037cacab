import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { conflict } from '../../platform/errors.ts';
import { fieldError, projectNotFound, requireProject, type CodeEngineArea } from './area.ts';
import { hrefOf, registerCodeEngineOperations, scopeOf, type RequestScope } from './http.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ProjectRecord } from './project-repository.ts';
import { REGION } from './settings.ts';

interface ProjectPrototype {
  name: string;
  resource_group_id?: string;
  tags?: string[];
}

/** Project names: 1 to 128 characters of letters, digits, spaces and `-_.:`, as the console allows. */
const PROJECT_NAME = /^[A-Za-z0-9 ._:-]{1,128}$/;
const RESOURCE_GROUP_ID = /^[0-9a-f]{32}$/;

/** Each account's default resource group, used when a project names none. */
const defaultResourceGroup = (accountId: string) =>
  crypto.createHash('sha256').update(`rg:${accountId}`).digest('hex').slice(0, 32);

export function presentProject(scope: RequestScope, p: ProjectRecord) {
  return {
    account_id: p.accountId,
    created_at: p.createdAt,
    crn: `crn:v1:bluemix:public:codeengine:${REGION}:a/${p.accountId}:${p.id}::`,
    href: hrefOf(scope, `/projects/${p.id}`),
    id: p.id,
    name: p.name,
    region: REGION,
    resource_group_id: p.resourceGroupId,
    resource_type: 'project_v2',
    status: p.status,
  };
}

/** Projects, their status details and egress IPs. */
export function registerProjects(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx } = area;

  async function create(scope: RequestScope, body: ProjectPrototype) {
    if (!PROJECT_NAME.test(body.name) || body.name.trim() !== body.name) {
      throw fieldError(
        400,
        `Invalid 'name': '${body.name}' must be 1 to 128 letters, digits, spaces or '-_.:', without leading or trailing spaces.`,
        'name',
      );
    }
    if (body.resource_group_id !== undefined && !RESOURCE_GROUP_ID.test(body.resource_group_id)) {
      throw fieldError(
        400,
        `Invalid 'resource_group_id': '${body.resource_group_id}' is not a resource group id.`,
        'resource_group_id',
      );
    }
    const project = await area.projects.create({
      id: crypto.randomUUID(),
      name: body.name,
      ownerId: scope.userId,
      accountId: scope.accountId,
      resourceGroupId: body.resource_group_id ?? defaultResourceGroup(scope.accountId),
      entity: body.tags ? { tags: body.tags } : {},
      transition: { status: 'creating', readyStatus: 'active', readyInMs: area.settings.readyMs },
    });
    if (!project) {
      throw conflict(`A project named '${body.name}' already exists in this region of your account.`, {
        code: 'project_name_already_exists',
        target: { type: 'field', name: 'name' },
      });
    }
    return presentProject(scope, project);
  }

  registerCodeEngineOperations(app, ctx, {
    'GET /projects': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const page = await area.projects.list(scope.userId, limit, decodeStart('projects', q.start));
      const items = page.items.map((p) => presentProject(scope, p));
      return listBody(scope, 'projects', 'projects', { items, more: page.more }, limit, (p) => p.name);
    },

    'POST /projects': async (req: FastifyRequest, reply: FastifyReply) =>
      reply.code(202).send(await create(scopeOf(req, ctx), req.body as ProjectPrototype)),

    'GET /projects/{id}': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      return presentProject(scope, await requireProject(area, scope, (req.params as { id: string }).id));
    },

    'DELETE /projects/{id}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const id = (req.params as { id: string }).id;
      if (!(await area.projects.deleteLater(scope.userId, id, area.settings.deleteMs)))
        throw projectNotFound(id);
      return reply.code(202).send();
    },

    'GET /projects/{project_id}/status_details': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const project = await requireProject(area, scope, (req.params as { project_id: string }).project_id);
      const active = project.status === 'active';
      return {
        cbr: { data_plane: { enforcement: 'none', inbound_private: 'allowed', inbound_public: 'allowed' } },
        domain: active ? 'ready' : 'unknown',
        project: project.deleting ? 'disabled' : 'enabled',
        vpe: active ? 'ready' : 'unknown',
        vpe_not_enabled: false,
      };
    },

    'GET /projects/{project_id}/egress_ips': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const project = await requireProject(area, scope, (req.params as { project_id: string }).project_id);
      return egressIps(project.id);
    },
  });
}

/**
 * Stable addresses per project: private ones in 10.0.0.0/8 and public ones in the documentation
 * ranges (192.0.2.0/24, 198.51.100.0/24), as nothing here leaves the machine.
 */
function egressIps(projectId: string) {
  const h = crypto.createHash('sha256').update(projectId).digest();
  return {
    private: [`10.${h[0]}.${h[1]}.${h[2] || 1}`, `10.${h[3]}.${h[4]}.${h[5] || 1}`],
    public: [`192.0.2.${h[6] || 1}`, `198.51.100.${h[7] || 1}`],
  };
}
