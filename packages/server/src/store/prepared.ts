import type { Compilable, CompiledQuery } from 'kysely';
import type { Store } from './db.ts';

// NUL-delimited: no value a caller binds looks like one.
const MARK = '\u0000placeholder ';
const placeholder = (i: number) => `${MARK}${i}\u0000`;
const indexOfPlaceholder = (p: unknown): number =>
  typeof p === 'string' && p.startsWith(MARK) ? Number(p.slice(MARK.length, -1)) : -1;

interface Compiled<Row> {
  query: CompiledQuery<Row>;
  /** For each bound parameter, the index of the value it takes, or -1 for a constant. */
  slots: number[];
}

/** Compiles a query built from placeholders; each must reach the SQL as a bound parameter. */
function compileWithSlots<Row>(compilable: Compilable<Row>, count: number): Compiled<Row> {
  const query = compilable.compile();
  const slots = query.parameters.map(indexOfPlaceholder);
  for (let i = 0; i < count; i++) {
    if (!slots.includes(i)) throw new Error(`query placeholder ${i} is not a bound parameter`);
  }
  return { query, slots };
}

/** Runs a compiled query with new values, outside any transaction (see Store.readCommitted). */
function runner<Row>(store: Store, { query, slots }: Compiled<Row>) {
  return (values: readonly unknown[]) =>
    store.readCommitted(
      query.sql,
      slots.map((slot, i) => (slot >= 0 ? values[slot] : query.parameters[i])),
    ) as Row[] | Promise<Row[]>;
}

/**
 * A query built and compiled once, then run with new values: on an indexed lookup, building and
 * compiling a Kysely query costs more than the database does, so hot paths (the role check of
 * every project-scoped call) keep theirs. `build` receives placeholder strings; each must reach
 * the SQL as a bound parameter (e.g. `where('id', '=', id)`), never inlined into the SQL text.
 */
export function preparedQuery<Row, Args extends string[]>(
  store: Store,
  arity: Args['length'],
  build: (...placeholders: Args) => Compilable<Row>,
): (...values: Args) => Row[] | Promise<Row[]> {
  const marks = Array.from({ length: arity }, (_, i) => placeholder(i)) as Args;
  const run = runner(store, compileWithSlots(build(...marks), arity));
  return (...values) => run(values);
}

const BOUND = '\u0000bound\u0000';
const SHAPES_KEPT = 200;

/**
 * preparedQuery for queries whose form depends on their input (a list with optional filters):
 * compiled once per shape of the input. The shape is the input with every non-empty string and
 * non-zero number replaced by a bound parameter; absent keys, empty values, booleans and array
 * lengths stay, so `build` may branch on them (`if (f.type)`, `if (ids.length)`) but must bind
 * every string and number it is given, never compare or inline one.
 */
export function shapedQuery<Input extends object, Row>(
  store: Store,
  build: (input: Input) => Compilable<Row>,
): (input: Input) => Row[] | Promise<Row[]> {
  const shapes = new Map<string, (values: readonly unknown[]) => Row[] | Promise<Row[]>>();
  return (input) => {
    const values: unknown[] = [];
    const shape = JSON.stringify(input, (_key, v: unknown) => {
      if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && v !== 0)) {
        values.push(v);
        return BOUND;
      }
      return v;
    });
    let run = shapes.get(shape);
    if (!run) {
      let n = 0;
      const marked = JSON.parse(shape, (_key, v: unknown) => (v === BOUND ? placeholder(n++) : v)) as Input;
      run = runner(store, compileWithSlots(build(marked), values.length));
      if (shapes.size >= SHAPES_KEPT) shapes.delete(shapes.keys().next().value as string);
      shapes.set(shape, run);
    }
    return run(values);
  };
}
