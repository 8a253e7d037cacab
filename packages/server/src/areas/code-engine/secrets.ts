import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  fieldError,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ResourceRecord } from './repository.ts';
import {
  GENERATED_FORMATS,
  SECRET_RESOURCE_TYPES,
  checkSecretData,
  type SecretFormat,
} from './secret-formats.ts';

/** What a secret stores in clear: never its data, which is sealed. */
interface SecretEntity {
  format: SecretFormat;
  generated_by: 'user' | 'system';
  service_access?: Record<string, unknown>;
  service_operator?: Record<string, unknown>;
}

interface SecretPrototype {
  name: string;
  format: SecretFormat;
  data?: Record<string, string>;
  service_access?: {
    resource_key?: { id?: string };
    role?: { crn?: string };
    service_instance: { id?: string };
    serviceid?: { crn?: string; id?: string };
  };
  service_operator?: { resource_group_ids?: string[]; serviceid?: { id?: string } };
}

type Params = { project_id: string; name: string };

const WRITER_ROLE = 'crn:v1:bluemix:public:iam::::serviceRole:Writer';
const randomKey = () => crypto.randomBytes(30).toString('base64url');
const serviceIdOf = (accountId: string, id: string) => ({
  crn: `crn:v1:bluemix:public:iam-identity::a/${accountId}::serviceid:${id}`,
  id,
});

/** Service properties of the generated formats, and the credentials the service would issue. */
function generated(
  scope: RequestScope,
  body: SecretPrototype,
): Pick<SecretEntity, 'service_access' | 'service_operator'> & { data: Record<string, string> } {
  if (body.format === 'service_access') {
    const given = body.service_access;
    const instanceId = given?.service_instance?.id;
    if (!instanceId) {
      throw fieldError(
        400,
        "Secrets of format 'service_access' need 'service_access.service_instance.id'.",
        'service_access.service_instance.id',
      );
    }
    const keyId = given.resource_key?.id ?? crypto.randomUUID();
    const roleCrn = given.role?.crn ?? WRITER_ROLE;
    const serviceId = given.serviceid?.id ?? `ServiceId-${crypto.randomUUID()}`;
    return {
      service_access: {
        resource_key: { id: keyId, name: `key-${keyId.slice(0, 8)}` },
        role: { crn: roleCrn, name: roleCrn.split(':').pop() },
        service_instance: { id: instanceId, type: 'service_instance' },
        serviceid: given.serviceid?.crn
          ? { crn: given.serviceid.crn, id: serviceId }
          : serviceIdOf(scope.accountId, serviceId),
      },
      data: { apikey: randomKey(), resource_instance_id: instanceId, iam_role_crn: roleCrn },
    };
  }
  const given = body.service_operator ?? {};
  const serviceId = given.serviceid?.id ?? `ServiceId-${crypto.randomUUID()}`;
  return {
    service_operator: {
      apikey_id: `ApiKey-${crypto.randomUUID()}`,
      resource_group_ids: given.resource_group_ids ?? [],
      serviceid: serviceIdOf(scope.accountId, serviceId),
      user_managed: given.serviceid?.id !== undefined,
    },
    data: { apikey: randomKey() },
  };
}

/** Refuses service properties that belong to another format. */
function checkProps(body: SecretPrototype): void {
  for (const prop of ['service_access', 'service_operator'] as const) {
    if (body[prop] !== undefined && body.format !== prop) {
      throw fieldError(400, `'${prop}' is only allowed on secrets of format '${prop}'.`, prop);
    }
  }
}

/** Secrets of every format; their data is sealed at rest and only ever leaves in responses. */
export function registerSecrets(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources, box } = area;

  const present = (scope: RequestScope, r: ResourceRecord<SecretEntity>) => ({
    ...baseFields(scope, r),
    resource_type: SECRET_RESOURCE_TYPES[r.entity.format],
    format: r.entity.format,
    generated_by: r.entity.generated_by,
    data: r.sealed ? box.open<Record<string, string>>(r.sealed) : {},
    ...(r.entity.service_access ? { service_access: r.entity.service_access } : {}),
    ...(r.entity.service_operator ? { service_operator: r.entity.service_operator } : {}),
  });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/secrets': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const q = req.query as PageQuery & { format?: SecretFormat };
      const limit = pageLimit(q.limit);
      const after = decodeStart('secrets', q.start);
      const page = await resources.list<SecretEntity>(project_id, 'secret', {
        limit,
        after,
        filterKey: q.format,
      });
      const items = page.items.map((r) => present(scope, r));
      return listBody(scope, 'secrets', 'secrets', { items, more: page.more }, limit, (i) => i.name);
    },

    'POST /projects/{project_id}/secrets': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = req.body as SecretPrototype;
      checkName(body.name);
      checkProps(body);
      checkSecretData(body.format, body.data);
      await requireProject(area, scope, project_id, { forCreate: true });
      const { data, ...props } = GENERATED_FORMATS.has(body.format)
        ? generated(scope, body)
        : { data: body.data ?? {} };
      const created = await resources.create<SecretEntity>({
        projectId: project_id,
        kind: 'secret',
        name: body.name,
        filterKey: body.format,
        entity: { format: body.format, generated_by: 'user', ...props },
        sealed: box.seal(data),
      });
      if (!created) throw resourceExists('secret', body.name);
      return sendWithTag(reply, 201, present(scope, created));
    },

    'GET /projects/{project_id}/secrets/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.get<SecretEntity>(project_id, 'secret', name);
      if (!found) throw resourceNotFound('secret', name);
      return sendWithTag(reply, 200, present(scope, found));
    },

    'PUT /projects/{project_id}/secrets/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const body = req.body as { format: SecretFormat; data?: Record<string, string> };
      const updated = await resources.update<SecretEntity>(
        project_id,
        'secret',
        name,
        req.headers['if-match'],
        (current) => {
          if (body.format !== current.entity.format) {
            throw fieldError(
              400,
              `The format of a secret cannot change: '${name}' is '${current.entity.format}'.`,
              'format',
            );
          }
          checkSecretData(body.format, body.data);
          // Generated credentials stay; other formats take the new data whole.
          return GENERATED_FORMATS.has(body.format) ? {} : { sealed: box.seal(body.data ?? {}) };
        },
      );
      if (!updated) throw resourceNotFound('secret', name);
      return sendWithTag(reply, 200, present(scope, updated));
    },

    'DELETE /projects/{project_id}/secrets/{name}': async (req: FastifyRequest, reply: FastifyReply) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      if (!(await resources.delete(project_id, 'secret', name))) throw resourceNotFound('secret', name);
      return reply.code(202).send();
    },
  });
}
