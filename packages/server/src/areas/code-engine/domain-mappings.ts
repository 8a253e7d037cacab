import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { conflict } from '../../platform/errors.ts';
import {
  baseFields,
  fieldError,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { resourceHandlers } from './resource-handlers.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { isObject, mergePatch } from './merge-patch.ts';
import { componentExists, requireSecret } from './references.ts';
import type { ResourceRecord } from './repository.ts';
import { REGION } from './settings.ts';

interface MappingEntity {
  component: { name: string; resource_type: string };
  tls_secret: string;
}

type Params = { project_id: string; name: string };

/** A fully qualified domain name: two or more DNS labels, lowercase, at most 253 characters. */
const FQDN = /^(?=.{4,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The CNAME target of a project's custom domains. */
const cnameTarget = (projectId: string) =>
  `custom.${crypto.createHash('sha256').update(projectId).digest('hex').slice(0, 11)}.${REGION}.codeengine.appdomain.cloud`;

function checkComponent(component: { name: string; resource_type: string }): void {
  if (component.resource_type !== 'app_v2') {
    throw fieldError(
      400,
      "'component.resource_type' must be 'app_v2': domains map to apps.",
      'component.resource_type',
    );
  }
  if (!component.name) throw fieldError(400, "'component.name' may not be empty.", 'component.name');
}

/** Custom domain mappings to apps, with a TLS secret; deploying, then ready (or failed without the app). */
export function registerDomainMappings(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;
  const deploying = { status: 'deploying', readyStatus: 'ready', readyInMs: area.settings.readyMs };

  async function present(scope: RequestScope, r: ResourceRecord<MappingEntity>) {
    let status = r.status ?? 'ready';
    let reason = r.pending ? 'deploying' : 'ready';
    if (!r.pending && !(await componentExists(area, r.projectId, r.entity.component))) {
      status = 'failed';
      reason = 'app_ref_failed';
    }
    return {
      ...baseFields(scope, r),
      cname_target: cnameTarget(r.projectId),
      component: r.entity.component,
      status,
      status_details: { reason },
      tls_secret: r.entity.tls_secret,
      user_managed: true,
      visibility: 'custom',
    };
  }

  const standard = resourceHandlers<MappingEntity>(area, 'domain_mapping', { present: present });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/domain_mappings': standard.list,

    'POST /projects/{project_id}/domain_mappings': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = req.body as MappingEntity & { name: string };
      if (!FQDN.test(body.name)) {
        throw fieldError(
          400,
          `Invalid 'name': '${body.name}' is not a fully qualified, lowercase domain name.`,
          'name',
        );
      }
      checkComponent(body.component);
      await requireProject(area, scope, project_id, { forCreate: true });
      await requireSecret(area, project_id, body.tls_secret, 'tls', 'tls_secret');
      // A domain can be claimed once in the whole region, whoever claims it.
      const claimed = await resources.findEverywhere('domain_mapping', body.name);
      if (claimed.some((m) => m.projectId !== project_id)) {
        throw conflict(`The domain '${body.name}' is already mapped in another project.`, {
          code: 'domain_already_claimed',
          target: { type: 'field', name: 'name' },
        });
      }
      const created = await resources.create<MappingEntity>({
        projectId: project_id,
        kind: 'domain_mapping',
        name: body.name,
        entity: {
          component: { name: body.component.name, resource_type: body.component.resource_type },
          tls_secret: body.tls_secret,
        },
        transition: deploying,
      });
      if (!created) throw resourceExists('domain_mapping', body.name);
      return sendWithTag(reply, 201, await present(scope, created));
    },

    'GET /projects/{project_id}/domain_mappings/{name}': standard.get,

    'PATCH /projects/{project_id}/domain_mappings/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const patch = isObject(req.body) ? req.body : {};
      // References are checked before the update's transaction, which must not wait for another query.
      if (typeof patch.tls_secret === 'string') {
        await requireSecret(area, project_id, patch.tls_secret, 'tls', 'tls_secret');
      }
      const updated = await resources.update<MappingEntity>(
        project_id,
        'domain_mapping',
        name,
        req.headers['if-match'],
        (current) => {
          const next = mergePatch(current.entity, patch) as Partial<MappingEntity>;
          if (
            !isObject(next.component) ||
            typeof next.component.name !== 'string' ||
            typeof next.component.resource_type !== 'string'
          ) {
            throw fieldError(400, "'component' needs 'name' and 'resource_type'.", 'component');
          }
          if (typeof next.tls_secret !== 'string')
            throw fieldError(400, "'tls_secret' cannot be removed.", 'tls_secret');
          checkComponent(next.component);
          const entity: MappingEntity = {
            component: { name: next.component.name, resource_type: next.component.resource_type },
            tls_secret: next.tls_secret,
          };
          return { entity, transition: deploying };
        },
      );
      if (!updated) throw resourceNotFound('domain_mapping', name);
      return sendWithTag(reply, 200, await present(scope, updated));
    },

    'DELETE /projects/{project_id}/domain_mappings/{name}': standard.delete,
  });
}
