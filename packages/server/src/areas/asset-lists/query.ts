import { CelScalar, celEnv, isCelError, mapType, parse, plan } from '@bufbuild/cel';
import { badRequest } from '../../platform/errors.ts';

/**
 * What a query sees of an asset list: its fields as the API answers them, every one always bound
 * (empty when unset), so that a condition on a field some lists lack is false rather than an error.
 */
const VARIABLES = {
  id: CelScalar.STRING,
  name: CelScalar.STRING,
  description: CelScalar.STRING,
  type: CelScalar.STRING,
  state: CelScalar.STRING,
  message: CelScalar.STRING,
  archived: CelScalar.BOOL,
  created_at: CelScalar.STRING,
  last_updated_at: CelScalar.STRING,
  last_updated_by: CelScalar.STRING,
  /** `{id, type, container: {id, type}}` of the asset the list is about ({} when none). */
  asset: mapType(CelScalar.STRING, CelScalar.DYN),
  /** `{owner, bss_account_id}` */
  access_control: mapType(CelScalar.STRING, CelScalar.DYN),
  properties: mapType(CelScalar.STRING, CelScalar.DYN),
} as const;

export const QUERY_FIELDS = Object.keys(VARIABLES);

export interface ListFacts {
  id: string;
  name: string;
  description: string;
  type: string;
  state: string;
  message: string;
  archived: boolean;
  created_at: string;
  last_updated_at: string;
  last_updated_by: string;
  asset: Record<string, unknown>;
  access_control: Record<string, unknown>;
  properties: Record<string, unknown>;
}

const env = celEnv({ variables: VARIABLES });

/** A node of a parsed expression. */
type Expr = ReturnType<typeof parse>['expr'];

/** A JSON value as CEL input: objects become maps, integers stay doubles (JSON has no int). */
function celValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(celValue);
  if (v && typeof v === 'object')
    return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, celValue(x)]));
  return v ?? null;
}

const invalid = (message: string, position?: string) =>
  badRequest(`Invalid query parameter 'query': ${message}`, {
    parameters: position ? ['query', position] : ['query'],
  });

/** Identifiers the expression reads that are neither list fields nor its own loop variables. */
function unknownIdentifiers(expr: Expr | undefined, bound: Set<string>, out: Map<string, bigint>): void {
  if (!expr) return;
  const k = expr.exprKind;
  switch (k.case) {
    case 'identExpr':
      if (!bound.has(k.value.name) && !(k.value.name in VARIABLES)) out.set(k.value.name, expr.id);
      return;
    case 'selectExpr':
      return unknownIdentifiers(k.value.operand, bound, out);
    case 'callExpr':
      unknownIdentifiers(k.value.target, bound, out);
      for (const a of k.value.args) unknownIdentifiers(a, bound, out);
      return;
    case 'listExpr':
      for (const e of k.value.elements) unknownIdentifiers(e, bound, out);
      return;
    case 'structExpr':
      for (const e of k.value.entries) {
        if (e.keyKind.case === 'mapKey') unknownIdentifiers(e.keyKind.value, bound, out);
        unknownIdentifiers(e.value, bound, out);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      unknownIdentifiers(c.iterRange, bound, out);
      unknownIdentifiers(c.accuInit, bound, out);
      const inner = new Set([...bound, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      for (const e of [c.loopCondition, c.loopStep, c.result]) unknownIdentifiers(e, inner, out);
      return;
    }
    default:
      return;
  }
}

/**
 * A compiled query: true for the lists it selects. Malformed expressions and unknown fields are
 * 400s that say where (column) and what; an expression that fails on a list (a type mismatch, a
 * division by zero) or is not a condition is a 400 too, naming the list.
 */
export type ListPredicate = (facts: ListFacts) => boolean;

export function compileQuery(text: string): ListPredicate {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(text);
  } catch (err) {
    const e = err as { location?: { start?: { line: number; column: number } }; rawMessage?: string };
    const at = e.location?.start;
    const what = e.rawMessage ?? (err as Error).message;
    const hint = /found =/.test(what) ? ' (CEL compares with ==)' : '';
    throw invalid(
      at ? `syntax error at column ${at.column}: ${what}${hint}.` : `${what}${hint}.`,
      at ? `${at.line}:${at.column}` : undefined,
    );
  }
  const unknown = new Map<string, bigint>();
  unknownIdentifiers(parsed.expr, new Set(), unknown);
  if (unknown.size) {
    const [name, id] = [...unknown][0];
    const offset = parsed.sourceInfo?.positions[String(id)] as number | undefined;
    throw invalid(
      `unknown field '${name}'${offset === undefined ? '' : ` at column ${offset + 1}`}; ` +
        `the fields are ${QUERY_FIELDS.join(', ')}.`,
      offset === undefined ? undefined : `1:${offset + 1}`,
    );
  }
  let run: (vars: Record<string, unknown>) => unknown;
  try {
    run = plan(env, parsed) as unknown as (vars: Record<string, unknown>) => unknown;
  } catch (err) {
    throw invalid(`${(err as Error).message}.`);
  }
  return (facts) => {
    let result: unknown;
    try {
      result = run({
        ...facts,
        asset: celValue(facts.asset),
        access_control: celValue(facts.access_control),
        properties: celValue(facts.properties),
      });
    } catch (err) {
      throw invalid(`it cannot be evaluated on asset list ${facts.id}: ${(err as Error).message}.`);
    }
    if (isCelError(result)) {
      throw invalid(`it cannot be evaluated on asset list ${facts.id}: ${result.message}.`);
    }
    if (typeof result !== 'boolean') {
      throw invalid(
        `it must be a condition (true or false), not a ${result === null ? 'null' : typeof result}.`,
      );
    }
    return result;
  };
}
