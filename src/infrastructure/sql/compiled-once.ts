import { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import { ReadModelDatabase } from './schema';

const SLOT = Symbol('compiled-once slot');

interface Slot {
  readonly [SLOT]: string;
}

function isSlot(value: unknown): value is Slot {
  return typeof value === 'object' && value !== null && SLOT in value;
}

/** A statement's SQL and its parameters for given values, for a caller that runs it on its own connection. */
export interface PreparedStatement<Values> {
  readonly sql: string;
  parameters(values: Values): unknown[];
}

/**
 * A Kysely query built and compiled once, then run many times with new values. Building and compiling the
 * same query for every request was a measurable share of a create's CPU (BENCHMARKS.md); its SQL text and
 * the order of its parameters never change, only the values do.
 *
 * `build` gets the database and a placeholder for each named value (every run passes values with the same
 * names, all of them set: the first run's names are the statement's); a placeholder stands wherever Kysely
 * takes a value (`where`, `values`, `doUpdateSet`), as often as needed, never where Kysely needs the value
 * itself (`limit`, an operator, a column name): a placeholder that does not become a parameter fails the
 * first run. The SQL is compiled for the dialect of the first executor that runs it, so one instance serves
 * one database.
 */
export class CompiledOnce<Values extends Record<string, unknown>, Row> {
  private compiled: CompiledQuery<Row> | null = null;

  constructor(private readonly build: (db: Kysely<ReadModelDatabase>, values: Values) => Compilable<Row>) {}

  /** Runs the statement on `executor` (the database or one of its transactions). */
  async run(executor: Kysely<ReadModelDatabase>, values: Values): Promise<QueryResult<Row>> {
    const compiled = (this.compiled ??= this.compile(executor, Object.keys(values)));
    const parameters = compiled.parameters.map((parameter) => (isSlot(parameter) ? values[parameter[SLOT]] : parameter));
    return executor.executeQuery({ ...compiled, parameters });
  }

  /** The first row, or undefined. */
  async first(executor: Kysely<ReadModelDatabase>, values: Values): Promise<Row | undefined> {
    return (await this.run(executor, values)).rows[0];
  }

  /** The SQL for `executor`'s dialect, with how to order a run's values as its parameters. */
  prepare(executor: Kysely<ReadModelDatabase>, names: ReadonlyArray<keyof Values & string>): PreparedStatement<Values> {
    const compiled = this.compile(executor, [...names]);
    return {
      sql: compiled.sql,
      parameters: (values) => compiled.parameters.map((parameter) => (isSlot(parameter) ? values[parameter[SLOT]] : parameter)),
    };
  }

  /** `names`: the values' names, taken from the first run's (every run passes the same names: `Values`). */
  private compile(executor: Kysely<ReadModelDatabase>, names: string[]): CompiledQuery<Row> {
    const slots = Object.fromEntries(names.map((name): [string, Slot] => [name, { [SLOT]: name }]));
    const compiled = this.build(executor, slots as unknown as Values).compile();
    const used = new Set(compiled.parameters.filter(isSlot).map((slot) => slot[SLOT]));
    const unused = names.filter((name) => !used.has(name));
    if (unused.length) throw new Error(`${unused.join(', ')}: not a parameter of ${compiled.sql}`);
    return compiled;
  }
}
