import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';

const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Common core API (local)</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`;

/** The contract as JSON, an interactive page over it (Swagger UI, served locally), and health. */
export function registerDocsAndHealth(app: FastifyInstance, ctx: AppContext): void {
  const doc = JSON.stringify(ctx.contract.doc);
  const codeEngineDoc = JSON.stringify(ctx.codeEngineContract.doc);
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json').send(doc));
  app.get('/codeengine/v2/openapi.json', async (_req, reply) =>
    reply.type('application/json').send(codeEngineDoc),
  );
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/docs/:asset', async (req, reply) => {
    const { asset } = req.params as { asset: string };
    const type = ASSETS[asset];
    if (!type) return reply.callNotFound();
    return reply.type(type).send(fs.createReadStream(path.join(swaggerDir, asset)));
  });
  app.get('/health', async (_req, reply) => {
    const ok = await ctx.store.ping();
    reply.code(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', database: ctx.store.dialect };
  });
}
