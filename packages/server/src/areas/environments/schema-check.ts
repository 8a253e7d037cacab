import Ajv, { type ValidateFunction } from 'ajv';
import type { AppContext } from '../../platform/context.ts';
import { badRequest } from '../../platform/errors.ts';

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
const compiled = new WeakMap<object, Map<string, ValidateFunction>>();

/**
 * Checks a value against one of the contract's schemas (e.g. what a PATCH made of a hardware
 * specification), answering a 400 that names the field when it does not fit.
 */
export function checkAgainstSchema(
  ctx: Pick<AppContext, 'contract'>,
  schemaName: string,
  value: unknown,
  field: string,
): void {
  let byName = compiled.get(ctx.contract);
  if (!byName) compiled.set(ctx.contract, (byName = new Map()));
  let validate = byName.get(schemaName);
  if (!validate) {
    validate = ajv.compile(ctx.contract.resolve({ $ref: `#/components/schemas/${schemaName}` }));
    byName.set(schemaName, validate);
  }
  if (validate(value)) return;
  const err = validate.errors?.[0];
  const where = `${field}${err?.instancePath ?? ''}`;
  throw badRequest(`The field ${where} ${err?.message ?? 'is not valid'}.`, {
    code: 'invalid_type',
    target: { type: 'field', name: where },
  });
}
