import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';

/** Every API area, registered in seed order. */
export function registerAreas(_app: FastifyInstance, _ctx: AppContext): void {}
