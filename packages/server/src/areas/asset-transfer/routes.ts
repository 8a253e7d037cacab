import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { ApiError, badRequest } from '../../platform/errors.ts';
import { registerOperations } from '../../platform/operations.ts';
import { capped, discardRest } from '../../platform/uploads.ts';
import { payloadTooLarge } from '../../store/blobs.ts';
import { containerOfQuery, requireContainerRole } from '../containers/access.ts';
import { pageLinks } from '../spaces/paging.ts';
import { TransferService, type ExportBody, type ImportForm } from './service.ts';
import { TransferWorker } from './worker.ts';

type ListQuery = { limit?: number; start?: string; hard_delete?: boolean };

const container = (req: FastifyRequest) => containerOfQuery(req.query as Record<string, unknown>);
const query = (req: FastifyRequest) => req.query as ListQuery;
const param = (req: FastifyRequest, name: 'export_id' | 'import_id') =>
  (req.params as Record<string, string>)[name];

/** Text fields the import form may carry beside `file`. */
const FORM_FIELDS = new Set(['encryption_key', 'format']);
const FIELD_MAX = 4 * 1024;

const mediaOf = (req: FastifyRequest) =>
  String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();

/**
 * The uploaded archive in a temp file (never whole in memory, cut at the limit with a 413) and
 * the form's fields: a raw `application/zip` body, or a `multipart/form-data` form.
 */
async function readUpload(
  req: FastifyRequest,
  worker: TransferWorker,
): Promise<{ file: string; form: ImportForm }> {
  const limit = worker.limits.maxArchiveBytes;
  let file: string | undefined;
  const form: Record<string, string> = {};
  try {
    if (req.isMultipart()) {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file')
            throw badRequest(`Unexpected file field '${part.fieldname}'; send the archive as 'file'.`);
          if (file) throw badRequest("Send one archive: the form has more than one 'file'.");
          file = await worker.tempFile();
          await pipeline(part.file, capped(limit), fs.createWriteStream(file, { flags: 'wx' }));
        } else {
          if (!FORM_FIELDS.has(part.fieldname))
            throw badRequest(
              `Unknown form field '${part.fieldname}'; the form carries file, encryption_key, format.`,
            );
          if (part.valueTruncated)
            throw badRequest(`Form field '${part.fieldname}' is longer than ${FIELD_MAX} bytes.`);
          if (part.fieldname in form) throw badRequest(`Form field '${part.fieldname}' is given twice.`);
          form[part.fieldname] = String(part.value);
        }
      }
      if (!file) throw badRequest("The form has no 'file': send the exported archive (.zip).");
    } else {
      const declared = Number(req.headers['content-length']);
      if (Number.isSafeInteger(declared) && declared > limit) throw payloadTooLarge(limit);
      file = await worker.tempFile();
      const body = req.body instanceof Readable ? req.body : Readable.from([]);
      await pipeline(body, capped(limit), fs.createWriteStream(file, { flags: 'wx' }));
    }
    return { file, form };
  } catch (err) {
    if (file) await fs.promises.rm(file, { force: true });
    discardRest(req, limit);
    if (err instanceof ApiError) throw err;
    throw badRequest(`The upload could not be read: ${(err as Error).message}.`);
  }
}

export function registerAssetTransfers(app: FastifyInstance, ctx: AppContext): void {
  const worker = new TransferWorker(ctx);
  const transfers = new TransferService(ctx, worker);
  app.addHook('onReady', () => worker.startSweeping());
  // preClose: runs stop (and give their leases back) while the database is still open.
  app.addHook('preClose', () => worker.close());

  const withLinks = (req: FastifyRequest, page: { nextKey?: string; body: object }, list: string) => {
    const { first, next } = pageLinks(req, ctx, page.nextKey, list);
    return { first, ...(next ? { next } : {}), ...page.body };
  };

  registerOperations(app, ctx, {
    'GET /v2/asset_exports': async (req: FastifyRequest) =>
      withLinks(
        req,
        await transfers.list(
          'export',
          req.principal,
          container(req),
          query(req).limit ?? 100,
          query(req).start,
        ),
        'asset_exports',
      ),

    'POST /v2/asset_exports': async (req: FastifyRequest) =>
      transfers.startExport(req.principal, container(req), (req.body ?? {}) as ExportBody),

    'GET /v2/asset_exports/{export_id}': async (req: FastifyRequest) =>
      transfers.get('export', req.principal, container(req), param(req, 'export_id')),

    'DELETE /v2/asset_exports/{export_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await transfers.cancel(
        'export',
        req.principal,
        container(req),
        param(req, 'export_id'),
        query(req).hard_delete ?? false,
      );
      return reply.code(200).send();
    },

    'GET /v2/asset_exports/{export_id}/content': async (req: FastifyRequest, reply: FastifyReply) => {
      const file = await transfers.content(req.principal, container(req), param(req, 'export_id'));
      return reply
        .type('application/zip')
        .header('content-length', String(file.size))
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(file.stream);
    },

    'GET /v2/asset_imports': async (req: FastifyRequest) =>
      withLinks(
        req,
        await transfers.list(
          'import',
          req.principal,
          container(req),
          query(req).limit ?? 100,
          query(req).start,
        ),
        'asset_imports',
      ),

    'GET /v2/asset_imports/{import_id}': async (req: FastifyRequest) =>
      transfers.get('import', req.principal, container(req), param(req, 'import_id')),

    'DELETE /v2/asset_imports/{import_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await transfers.cancel(
        'import',
        req.principal,
        container(req),
        param(req, 'import_id'),
        query(req).hard_delete ?? false,
      );
      return reply.code(200).send();
    },
  });

  // The upload is read as a stream (raw zip or multipart form): parsers kept to this one route.
  app.register(async (child) => {
    await child.register(multipart, {
      limits: {
        fileSize: worker.limits.maxArchiveBytes + 1,
        fieldSize: FIELD_MAX,
        fields: 5,
        files: 2,
        parts: 8,
      },
    });
    child.addContentTypeParser(['application/zip', 'application/octet-stream'], (_req, payload, done) =>
      done(null, payload),
    );
    registerOperations(child, ctx, {
      'POST /v2/asset_imports': async (req: FastifyRequest) => {
        const media = mediaOf(req);
        if (!req.isMultipart() && media !== 'application/zip' && media !== 'application/octet-stream') {
          discardRest(req, worker.limits.maxArchiveBytes);
          throw new ApiError(
            415,
            'Send the archive as application/zip, or as multipart/form-data with a file field.',
            {
              parameters: ['content-type'],
            },
          );
        }
        const target = container(req);
        try {
          await requireContainerRole(ctx, req.principal, target, 'editor');
        } catch (err) {
          discardRest(req, worker.limits.maxArchiveBytes);
          throw err;
        }
        const { file, form } = await readUpload(req, worker);
        return transfers.startImport(req.principal, target, file, form);
      },
    });
  });
}
