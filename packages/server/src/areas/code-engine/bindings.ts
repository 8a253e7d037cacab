import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { conflict, notFound } from '../../platform/errors.ts';
import { fieldError, requireProject, type CodeEngineArea } from './area.ts';
import { hrefOf, registerCodeEngineOperations, scopeOf, type RequestScope } from './http.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import { componentExists, requireSecret } from './references.ts';
import type { ResourceRecord } from './repository.ts';

interface BindingEntity {
  component: { name: string; resource_type: string };
  prefix: string;
  secret_name: string;
}

type Params = { project_id: string; id: string };

/** Components a binding can inject credentials into. */
const BINDABLE = new Set(['app_v2', 'job_v2']);
/** Environment variable prefixes: an uppercase letter, then uppercase letters, digits and `_`. */
const PREFIX = /^[A-Z]([_A-Z0-9]*[A-Z0-9])?$/;
const MAX_PREFIX = 31;

/**
 * Bindings have no name of their own: their stored name is the component and prefix, so one
 * component cannot get the same prefix twice (409) and the database enforces it.
 */
const keyOf = (b: BindingEntity) => `${b.component.resource_type}/${b.component.name}/${b.prefix}`;

/** Service bindings: a service_access secret's credentials injected into an app or job. */
export function registerBindings(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  /** `creating` until ready; then `active` while the component exists, `failed` when it does not. */
  async function present(scope: RequestScope, r: ResourceRecord<BindingEntity>) {
    const status = r.pending
      ? r.status
      : (await componentExists(area, r.projectId, r.entity.component))
        ? 'active'
        : 'failed';
    return {
      component: r.entity.component,
      href: hrefOf(scope, `/projects/${r.projectId}/bindings/${r.id}`),
      id: r.id,
      prefix: r.entity.prefix,
      project_id: r.projectId,
      resource_type: 'binding_v2',
      secret_name: r.entity.secret_name,
      status,
    };
  }

  const bindingNotFound = (id: string) =>
    notFound(`The binding '${id}' does not exist in this project.`, {
      code: 'binding_not_found',
      target: { type: 'parameter', name: 'id' },
    });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/bindings': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const after = decodeStart('bindings', q.start);
      const page = await resources.list<BindingEntity>(project_id, 'binding', { limit, after });
      const items = await Promise.all(page.items.map((r) => present(scope, r)));
      return listBody(scope, 'bindings', 'bindings', { items, more: page.more }, limit, (i) =>
        keyOf(i as BindingEntity),
      );
    },

    'POST /projects/{project_id}/bindings': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = req.body as BindingEntity;
      if (!BINDABLE.has(body.component.resource_type)) {
        throw fieldError(
          400,
          "'component.resource_type' must be 'app_v2' or 'job_v2'.",
          'component.resource_type',
        );
      }
      if (!body.component.name) throw fieldError(400, "'component.name' may not be empty.", 'component.name');
      if (body.prefix.length > MAX_PREFIX || !PREFIX.test(body.prefix)) {
        throw fieldError(
          400,
          `Invalid 'prefix': '${body.prefix}' must be 1 to ${MAX_PREFIX} uppercase letters, digits or '_', starting with a letter.`,
          'prefix',
        );
      }
      await requireProject(area, scope, project_id, { forCreate: true });
      await requireSecret(area, project_id, body.secret_name, 'service_access', 'secret_name');
      const entity: BindingEntity = {
        component: { name: body.component.name, resource_type: body.component.resource_type },
        prefix: body.prefix,
        secret_name: body.secret_name,
      };
      const created = await resources.create<BindingEntity>({
        projectId: project_id,
        kind: 'binding',
        name: keyOf(entity),
        filterKey: `${entity.component.resource_type}/${entity.component.name}`,
        entity,
        transition: { status: 'creating', readyStatus: 'active', readyInMs: area.settings.readyMs },
      });
      if (!created) {
        throw conflict(
          `The component '${entity.component.name}' already has a binding with prefix '${entity.prefix}'.`,
          {
            code: 'binding_already_exists',
            target: { type: 'field', name: 'prefix' },
          },
        );
      }
      return reply.code(201).send(await present(scope, created));
    },

    'GET /projects/{project_id}/bindings/{id}': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id, id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.getById<BindingEntity>(project_id, 'binding', id);
      if (!found) throw bindingNotFound(id);
      return present(scope, found);
    },

    'DELETE /projects/{project_id}/bindings/{id}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.getById<BindingEntity>(project_id, 'binding', id);
      if (!found || !(await resources.delete(project_id, 'binding', found.name))) throw bindingNotFound(id);
      return reply.code(202).send();
    },
  });
}
