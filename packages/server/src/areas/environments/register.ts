import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerHardwareSpecifications } from '../hardware-specifications/routes.ts';
import { registerPackageExtensions } from '../package-extensions/routes.ts';
import { registerSoftwareSpecifications } from '../software-specifications/routes.ts';
import { registerEnvironments } from './routes.ts';

/** Environments, hardware and software specifications and package extensions, in seed order. */
export function registerRuntimeSpecs(app: FastifyInstance, ctx: AppContext): void {
  registerEnvironments(app, ctx);
  registerHardwareSpecifications(app, ctx);
  registerSoftwareSpecifications(app, ctx);
  registerPackageExtensions(app, ctx);
}
