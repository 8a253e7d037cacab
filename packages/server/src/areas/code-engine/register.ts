import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { createArea } from './area.ts';
import { registerConfigMaps } from './config-maps.ts';
import { registerProjects } from './projects.ts';
import { registerSecrets } from './secrets.ts';

/** The local Code Engine v2 API under `/codeengine/v2`. */
export function registerCodeEngine(app: FastifyInstance, ctx: AppContext): void {
  const area = createArea(ctx);
  // Transitions and removals left pending by a previous run complete on time (or now, when overdue).
  app.addHook('onReady', () => area.lifecycle.sweep());
  app.addHook('onClose', async () => area.lifecycle.close());

  registerProjects(app, area);
  registerConfigMaps(app, area);
  registerSecrets(app, area);
}
