import type { ContractOperation } from '../../packages/server/src/platform/contract.ts';
import { errorFormatOfArea, type ErrorFormat } from '../../packages/server/src/platform/errors.ts';
import type { TestServer } from './server.ts';

/** Where the Code Engine contract's paths are mounted, and the API version its calls carry. */
export const CE_PREFIX = '/codeengine/v2';
export const CE_VERSION = '2025-01-10';

/** A contract operation as served: its URL prefix, and the error body its area answers with. */
export interface ServedOperation extends ContractOperation {
  prefix: string;
  format: ErrorFormat;
}

/**
 * Every operation of both contracts that the server has a route for, read from the running server:
 * suites derived from it (fuzz, auth matrix) cannot forget an endpoint added later.
 */
export function servedOperations(s: TestServer): ServedOperation[] {
  const routed = (prefix: string, op: ContractOperation) =>
    s.built.app.hasRoute({ method: op.method as any, url: prefix + op.path.replace(/\{([^}]+)\}/g, ':$1') });
  return [
    ...s.built.ctx.contract
      .operations()
      .filter((op) => routed('', op))
      .map((op) => ({ ...op, prefix: '', format: errorFormatOfArea(op.area) })),
    ...s.built.ctx.codeEngineContract
      .operations()
      .filter((op) => routed(CE_PREFIX, op))
      .map((op) => ({ ...op, prefix: CE_PREFIX, format: 'codeengine' as const })),
  ];
}
