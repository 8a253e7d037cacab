/**
 * The shape every benchmark module shares, so `bench/run.ts` can run them all and print one table.
 * A module measures its figures and, in the same run, the baseline each is compared with.
 */
export type BenchDb = 'sqlite' | 'postgres';

export interface BenchOptions {
  /** `npm run bench -- --quick`: shorter load tests and smaller data. */
  quick: boolean;
  /** The databases to measure on (PostgreSQL only when it answers). */
  dbs: BenchDb[];
}

export interface BenchRow {
  /** What was measured, e.g. `GET /v2/projects/{id}: req/s at 64 connections`. */
  name: string;
  /** `sqlite`, `postgres`, or `-` when the figure does not depend on the database. */
  db: BenchDb | '-';
  /** The figure (a number, or a short text such as `1.2 | 1.4`). */
  figure: number | string;
  unit: string;
  /** The baseline measured in the same run, with what it is, e.g. `11,309 (bare node:http)`. */
  baseline: string;
  /** figure / baseline oriented so that higher is better when the note says so; `null` when none. */
  ratio: number | null;
  /** The goal or anything a reader must know to read the figure. */
  note: string;
}

export type BenchModule = (options: BenchOptions) => Promise<BenchRow[]>;

/** A row whose cells a module formatted itself (`figure`, `baseline`, `ratio` as text). */
export interface FormattedRow {
  bench: string;
  db: string;
  figure: string;
  baseline: string;
  ratio: string;
  goal: string;
}

export function benchRowOf(r: FormattedRow): BenchRow {
  const ratio = Number.parseFloat(r.ratio);
  return {
    name: r.bench,
    db: r.db === 'sqlite' || r.db === 'postgres' ? r.db : '-',
    figure: r.figure,
    unit: '',
    baseline: r.baseline,
    ratio: Number.isFinite(ratio) ? ratio : null,
    note: r.goal,
  };
}
