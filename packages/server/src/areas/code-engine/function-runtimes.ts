import type { FastifyInstance } from 'fastify';
import { fieldError, type CodeEngineArea } from './area.ts';
import { registerCodeEngineOperations } from './http.ts';

export interface FunctionRuntime {
  default: boolean;
  deprecated: boolean;
  family: string;
  id: string;
  name: string;
  optimized: boolean;
}

/**
 * The runtimes functions can run on: a fixed catalog, one default per family. Deprecated runtimes
 * keep running existing functions but take no new ones.
 */
export const FUNCTION_RUNTIMES: readonly FunctionRuntime[] = [
  {
    id: 'nodejs-18',
    name: 'Node.js 18',
    family: 'nodejs',
    default: false,
    deprecated: true,
    optimized: false,
  },
  {
    id: 'nodejs-20',
    name: 'Node.js 20',
    family: 'nodejs',
    default: true,
    deprecated: false,
    optimized: true,
  },
  {
    id: 'nodejs-22',
    name: 'Node.js 22',
    family: 'nodejs',
    default: false,
    deprecated: false,
    optimized: false,
  },
  {
    id: 'python-3.11',
    name: 'Python 3.11',
    family: 'python',
    default: true,
    deprecated: false,
    optimized: true,
  },
  {
    id: 'python-3.12',
    name: 'Python 3.12',
    family: 'python',
    default: false,
    deprecated: false,
    optimized: false,
  },
];

/**
 * 400 unless `id` names a runtime of the catalog; a deprecated one only when `allowDeprecated`
 * (a function that already runs on it).
 */
export function requireRuntime(id: string, allowDeprecated: boolean): FunctionRuntime {
  const runtime = FUNCTION_RUNTIMES.find((r) => r.id === id);
  if (!runtime) {
    const known = FUNCTION_RUNTIMES.filter((r) => !r.deprecated)
      .map((r) => r.id)
      .join(', ');
    throw fieldError(
      400,
      `Invalid 'runtime': '${id}' is not a function runtime; use one of ${known}.`,
      'runtime',
    );
  }
  if (runtime.deprecated && !allowDeprecated) {
    throw fieldError(400, `The runtime '${id}' is deprecated; new functions cannot use it.`, 'runtime');
  }
  return runtime;
}

/** `GET /function_runtimes`: the catalog, outside any project. */
export function registerFunctionRuntimes(app: FastifyInstance, area: CodeEngineArea): void {
  registerCodeEngineOperations(app, area.ctx, {
    'GET /function_runtimes': async () => ({ function_runtimes: FUNCTION_RUNTIMES.map((r) => ({ ...r })) }),
  });
}
