import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import type { Contract } from './contract.ts';
import { errorFormatOfArea, badRequest, type ErrorFormat } from './errors.ts';
import type { RateCategory } from './rate-limit.ts';

export type OperationHandler = (req: FastifyRequest<any>, reply: FastifyReply) => Promise<unknown>;

/** What the platform hooks need to know about a route. */
export interface RouteConfig {
  area: string;
  errorFormat: ErrorFormat;
  operationId: string;
  /** false for the few public routes (token endpoint, health, docs). */
  auth: boolean;
  /** Set when the contract documents a 429 for the operation. */
  rateCategory?: RateCategory;
  /**
   * Whether a project token may call it. A project token acts for its creator but only inside its
   * project, so areas that do not check the project scope themselves must refuse it.
   */
  projectTokens?: boolean;
}

/** Areas whose every operation checks the project scope of a project token (see projects/access.ts). */
const PROJECT_TOKEN_AREAS = new Set(['projects', 'transactional projects', 'assets']);

/** Operations on a container's own lifecycle (archive, restore): for its members, not for tokens. */
const CONTAINER_LIFECYCLE_AREAS = new Set(['asset containers']);

/**
 * A project token may call an operation of those areas, or one whose contract requires a container
 * (`x-required-one-of` with `project_id`) and acts inside it: its container role check
 * (containers/access.ts) lets a project token through for its own project only. Operations that
 * may act outside any container (global runtime specifications, data source types, serving
 * names...) refuse it.
 */
const projectTokensAllowed = (area: string, requiredOneOf: string[] | undefined): boolean =>
  PROJECT_TOKEN_AREAS.has(area) ||
  (Boolean(requiredOneOf?.includes('project_id')) && !CONTAINER_LIFECYCLE_AREAS.has(area));

declare module 'fastify' {
  interface FastifyContextConfig {
    api?: RouteConfig;
  }
}

/** Which contract the handlers belong to; the common core contract unless said otherwise. */
export interface OperationSource {
  contract?: Contract;
  /** Mount point of the contract's paths, e.g. `/codeengine/v2`. */
  prefix?: string;
  /** Error body of every operation of this contract (overrides the per-area format). */
  errorFormat?: ErrorFormat;
}

function rateCategoryOf(method: string, operationId: string, statuses: number[]): RateCategory | undefined {
  if (!statuses.includes(429)) return undefined;
  if (method !== 'GET') return 'write';
  return /^list/.test(operationId) ? 'query' : 'read';
}

/**
 * Registers handlers for contract operations, keyed `METHOD /path/{template}` exactly as the
 * contract writes them. Validation schemas, error format and rate category all come from the
 * contract, so a handler only parses, calls its service and answers.
 */
export function registerOperations(
  app: FastifyInstance,
  ctx: AppContext,
  handlers: Record<string, OperationHandler>,
  options: OperationSource = {},
): void {
  const contract = options.contract ?? ctx.contract;
  const prefix = options.prefix ?? '';
  for (const [key, handler] of Object.entries(handlers)) {
    const op = contract.operation(key);
    const oneOf = op.requiredOneOf;
    app.route({
      method: op.method as any,
      url: prefix + op.path.replace(/\{([^}]+)\}/g, ':$1'),
      schema: op.schema,
      config: {
        api: {
          area: op.area,
          errorFormat: options.errorFormat ?? errorFormatOfArea(op.area),
          operationId: op.operationId,
          auth: true,
          rateCategory: rateCategoryOf(op.method, op.operationId, op.statuses),
          projectTokens: projectTokensAllowed(op.area, oneOf),
        },
      },
      handler: oneOf
        ? async (req, reply) => {
            const query = (req.query ?? {}) as Record<string, unknown>;
            const given = oneOf.filter((name) => query[name] !== undefined && query[name] !== '');
            if (given.length !== 1) {
              throw badRequest(`Exactly one of ${oneOf.join(', ')} must be given (got ${given.length}).`, {
                parameters: oneOf,
              });
            }
            return handler(req, reply);
          }
        : handler,
    });
  }
}
