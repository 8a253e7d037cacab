import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  baseFields,
  checkName,
  fieldError,
  requireProject,
  resourceExists,
  type CodeEngineArea,
} from './area.ts';
import { resourceHandlers } from './resource-handlers.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag, type RequestScope } from './http.ts';
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

  const standard = resourceHandlers<StoreEntity>(area, 'persistent_data_store', { present: presentStore });

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/persistent_data_stores': standard.list,

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

    'GET /projects/{project_id}/persistent_data_stores/{name}': standard.get,

    'DELETE /projects/{project_id}/persistent_data_stores/{name}': standard.delete,
  });
}
