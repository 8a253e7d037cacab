import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/**
 * A query built and compiled once, then run with new values: on an indexed lookup, building and
 * compiling a Kysely query costs more than the database does, so hot paths (the role check of
 * every project-scoped call) keep theirs. `build` receives placeholder strings; each must reach
 * the SQL as a bound parameter (e.g. `where('id', '=', id)`), never inlined into the SQL text.
 */
export function preparedQuery<Row, Args extends string[]>(
  db: Kysely<any>,
  arity: Args['length'],
  build: (...placeholders: Args) => Compilable<Row>,
): (...values: Args) => Promise<Row[]> {
  const marks = Array.from({ length: arity }, (_, i) => `\u0000placeholder ${i}\u0000`) as Args;
  const compiled = build(...marks).compile();
  const slots = compiled.parameters.map((p) => marks.indexOf(p as string));
  for (let i = 0; i < arity; i++) {
    if (!slots.includes(i)) throw new Error(`preparedQuery: placeholder ${i} is not a bound parameter`);
  }
  return async (...values) => {
    const parameters = slots.map((slot, i) => (slot >= 0 ? values[slot] : compiled.parameters[i]));
    const query: CompiledQuery<Row> = { ...compiled, parameters };
    return (await db.executeQuery(query)).rows;
  };
}
