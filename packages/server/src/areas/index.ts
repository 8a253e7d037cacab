import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { registerProjects } from './projects/routes.ts';
import { registerProjectSettings } from './projects/settings-routes.ts';
import { registerProjectTokens } from './projects/token-routes.ts';
import { registerSpaces } from './spaces/routes.ts';
import { registerAssets } from './assets/routes.ts';
import { registerCatalogs } from './catalogs/routes.ts';
import { registerAssetContainers } from './asset-containers/routes.ts';
import { registerAssetLists } from './asset-lists/routes.ts';
import { registerCodeEngine } from './code-engine/register.ts';
import { registerRuntimeSpecs } from './environments/register.ts';
import { registerConnections } from './connections/routes.ts';
import { registerAssetTransfers } from './asset-transfer/routes.ts';

/** Every API area, registered in seed order. */
export function registerAreas(app: FastifyInstance, ctx: AppContext): void {
  registerProjects(app, ctx);
  registerProjectSettings(app, ctx);
  registerProjectTokens(app, ctx);
  registerSpaces(app, ctx);
  registerAssets(app, ctx);
  registerCatalogs(app, ctx);
  registerAssetContainers(app, ctx);
  registerAssetLists(app, ctx);
  registerAssetTransfers(app, ctx);
  registerCodeEngine(app, ctx);
  registerRuntimeSpecs(app, ctx);
  registerConnections(app, ctx);
}
