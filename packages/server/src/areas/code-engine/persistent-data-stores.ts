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
import { requireSecret } from './references.ts';
import type { ResourceRecord } from './repository.ts';

interface StoreEntity {
  storage_type: 'object_storage';
  data: { bucket_location: string; bucket_name: string; secret_name: string } & Record<string, string>;
}

type Params = { project_id: string; name: string };

/** Object storage bucket names: 3 to 63 lowercase letters, digits, `-` and `.`. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function presentStore(scope: RequestScope, r: ResourceRecord<StoreEntity>) {
  return { ...baseFields(scope, r), storage_type: r.entity.storage_type, data: r.entity.data };
}

/** Persistent data stores: object storage buckets reached with an HMAC secret. No update. */
export function registerPersistentDataStores(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/persistent_data_stores': async (req: FastifyRequest) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      await requireProject(area, scope, project_id);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const after = decodeStart('persistent_data_stores', q.start);
      const page = await resources.list<StoreEntity>(project_id, 'persistent_data_store', { limit, after });
      const items = page.items.map((r) => presentStore(scope, r));
      return listBody(
        scope,
        'persistent_data_stores',
        'persistent_data_stores',
        { items, more: page.more },
        limit,
        (i) => i.name,
      );
    },

    'POST /projects/{project_id}/persistent_data_stores': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const scope = scopeOf(req, ctx);
      const { project_id } = req.params as Params;
      const body = req.body as { name: string; storage_type: 'object_storage'; data?: StoreEntity['data'] };
      checkName(body.name);
      if (!body.data) {
        throw fieldError(400, "'data' is required: the bucket's location, name and HMAC secret.", 'data');
      }
      if (!BUCKET_NAME.test(body.data.bucket_name) || body.data.bucket_name.includes('..')) {
        throw fieldError(
          400,
          `Invalid 'data.bucket_name': '${body.data.bucket_name}' is not a bucket name.`,
          'data.bucket_name',
        );
      }
      await requireProject(area, scope, project_id, { forCreate: true });
      await requireSecret(area, project_id, body.data.secret_name, 'hmac_auth', 'data.secret_name');
      const created = await resources.create<StoreEntity>({
        projectId: project_id,
        kind: 'persistent_data_store',
        name: body.name,
        entity: { storage_type: body.storage_type, data: body.data },
      });
      if (!created) throw resourceExists('persistent_data_store', body.name);
      return sendWithTag(reply, 201, presentStore(scope, created));
    },

    'GET /projects/{project_id}/persistent_data_stores/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      const found = await resources.get<StoreEntity>(project_id, 'persistent_data_store', name);
      if (!found) throw resourceNotFound('persistent_data_store', name);
      return sendWithTag(reply, 200, presentStore(scope, found));
    },

    'DELETE /projects/{project_id}/persistent_data_stores/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const scope = scopeOf(req, ctx);
      const { project_id, name } = req.params as Params;
      await requireProject(area, scope, project_id);
      if (!(await resources.delete(project_id, 'persistent_data_store', name))) {
        throw resourceNotFound('persistent_data_store', name);
      }
      return reply.code(202).send();
    },
  });
}
