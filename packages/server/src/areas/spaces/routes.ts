import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';

export function registerSpaces(app: FastifyInstance, ctx: AppContext): void {
  registerOperations(app, ctx, {});
}
