import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerAllowedOutboundDestinations } from './allowed-outbound.ts';
import { registerAppRevisions } from './app-revisions.ts';
import { registerApps } from './apps.ts';
import { createArea } from './area.ts';
import { registerBindings } from './bindings.ts';
import { registerBuildRuns } from './build-runs.ts';
import { registerBuilds } from './builds.ts';
import { registerConfigMaps } from './config-maps.ts';
import { registerDomainMappings } from './domain-mappings.ts';
import { registerFunctionRuntimes } from './function-runtimes.ts';
import { registerFunctions } from './functions.ts';
import { registerJobRuns } from './job-runs.ts';
import { registerJobs } from './jobs.ts';
import { registerPersistentDataStores } from './persistent-data-stores.ts';
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
  registerAllowedOutboundDestinations(app, area);
  registerPersistentDataStores(app, area);
  registerBindings(app, area);
  registerDomainMappings(app, area);
  registerApps(app, area);
  registerAppRevisions(app, area);
  registerBuilds(app, area);
  registerBuildRuns(app, area);
  registerJobs(app, area);
  registerJobRuns(app, area);
  registerFunctions(app, area);
  registerFunctionRuntimes(app, area);
}
