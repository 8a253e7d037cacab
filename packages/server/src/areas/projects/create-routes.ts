import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { ApiError, badRequest, forbidden } from '../../platform/errors.ts';
import { registerOperations, type OperationHandler } from '../../platform/operations.ts';
import { capped, discardRest } from '../../platform/uploads.ts';
import { ArchiveImporter } from './archive-import.ts';
import type { CreateProjectInput, ProjectService } from './service.ts';

const CREATE = 'POST /transactional/v2/projects';
/** Text fields the multipart form may carry beside `file` (ARCHIVE.md). */
const FORM_FIELDS = new Set(['name', 'description', 'generator', 'type', 'tags']);
const FIELD_MAX = 64 * 1024;

/** A parser error of the multipart body as the API's answer. */
function formError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; message?: string };
  return badRequest(`The multipart/form-data body could not be read: ${e.message ?? String(err)}.`);
}

interface UploadedForm {
  file?: string;
  fields: Record<string, string>;
}

/**
 * Reads the form: text fields kept, the `file` part streamed to a temp file (never held in
 * memory) and cut at the archive limit with a 413.
 */
async function readForm(req: FastifyRequest, importer: ArchiveImporter): Promise<UploadedForm> {
  const form: UploadedForm = { fields: {} };
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file')
          throw badRequest(`Unexpected file field '${part.fieldname}'; send the archive as 'file'.`);
        if (form.file) throw badRequest("Send one archive: the form has more than one 'file'.");
        form.file = await importer.tempFile();
        await pipeline(
          part.file,
          capped(importer.limits.maxArchiveBytes),
          fs.createWriteStream(form.file, { flags: 'wx' }),
        );
      } else {
        if (!FORM_FIELDS.has(part.fieldname)) {
          throw badRequest(
            `Unknown form field '${part.fieldname}'; the form carries file, ${[...FORM_FIELDS].join(', ')}.`,
          );
        }
        if (part.valueTruncated)
          throw badRequest(`Form field '${part.fieldname}' is longer than ${FIELD_MAX} bytes.`);
        if (part.fieldname in form.fields) throw badRequest(`Form field '${part.fieldname}' is given twice.`);
        form.fields[part.fieldname] = String(part.value);
      }
    }
    return form;
  } catch (err) {
    if (form.file) await fs.promises.rm(form.file, { force: true });
    discardRest(req, importer.limits.maxArchiveBytes);
    throw formError(err);
  }
}

/** The project fields of the form; the archive's manifest fills those left out. */
function projectFields(fields: Record<string, string>): Partial<CreateProjectInput> {
  const out: Partial<CreateProjectInput> = {};
  if (fields.name !== undefined) out.name = fields.name;
  if (fields.description !== undefined) out.description = fields.description;
  if (fields.generator !== undefined) out.generator = fields.generator;
  if (fields.type !== undefined) out.type = fields.type;
  if (fields.tags !== undefined) {
    out.tags = fields.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  }
  return out;
}

const mediaOf = (req: FastifyRequest) =>
  String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();

/**
 * `POST /transactional/v2/projects`: a JSON body creates the project at once (201); a
 * multipart/form-data body with an exported archive creates it and imports its assets in the
 * background (202 with the transaction to follow). Multipart parsing is kept to this one route.
 */
export function registerProjectCreation(
  app: FastifyInstance,
  ctx: AppContext,
  projects: ProjectService,
): void {
  const importer = new ArchiveImporter(ctx);
  app.addHook('onReady', () => importer.startSweeping());
  // preClose: the runs stop (and give their leases back) while the database is still open.
  app.addHook('preClose', () => importer.close());

  app.register(async (child) => {
    await child.register(multipart, {
      limits: {
        fileSize: importer.limits.maxArchiveBytes + 1,
        fieldSize: FIELD_MAX,
        fields: 20,
        files: 4,
        parts: 30,
      },
    });
    // The contract's body schema is the JSON one: validate JSON bodies only; the form is read here.
    child.addHook('onRoute', (route) => {
      const body = (route.schema as any)?.body;
      if (body && !body.content) {
        route.schema = { ...route.schema, body: { content: { 'application/json': { schema: body } } } };
      }
    });
    registerOperations(child, ctx, {
      [CREATE]: (async (
        req: FastifyRequest<{ Querystring: { verify_unique_name?: boolean } }>,
        reply: FastifyReply,
      ) => {
        const verify = req.query.verify_unique_name ?? true;
        if (req.isMultipart()) {
          if (req.principal.kind !== 'user') {
            discardRest(req, importer.limits.maxArchiveBytes);
            throw forbidden('Permission Denied: a project token cannot create projects.');
          }
          const form = await readForm(req, importer);
          if (!form.file)
            throw badRequest("The form has no 'file': send the exported project archive (.zip).");
          const ids = await importer.accept(req.principal, form.file, projectFields(form.fields), verify);
          const location = `/v2/projects/${ids.projectId}`;
          reply.code(202).header('location', location);
          return {
            location,
            transaction_detail: {
              id: ids.transactionId,
              links: {
                self: `/transactional/v2/projects/${ids.projectId}/transactions/${ids.transactionId}`,
              },
            },
          };
        }
        if (mediaOf(req) !== 'application/json') {
          throw new ApiError(
            415,
            'Send the project as application/json, or an archive as multipart/form-data.',
          );
        }
        const { projectId } = await projects.create(req.principal, req.body as CreateProjectInput, verify);
        const location = `/v2/projects/${projectId}`;
        reply.code(201).header('location', location);
        return { location };
      }) as OperationHandler,
    });
  });
}
