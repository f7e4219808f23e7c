/**
 * What a benchmark declares: groups of peers that do the same work, one of
 * them the baseline the others are divided by.
 *
 * @module
 */

/** One peer in a group. */
export interface BenchCase {
  /** Shown in the table and the JSON; unique within its group. */
  readonly name: string;
  /**
   * Units of work (reads, requests, ...) one call of the prepared function
   * performs. The time of a call is divided by it, so a call can do thousands
   * of units and keep timer overhead out of the figure.
   */
  readonly ops: number;
  /**
   * Build what the case needs and return the function to time. Runs once,
   * untimed. The function takes no arguments, does `ops` units of work a call,
   * and should throw if it did not (a failed parser is very fast).
   */
  prepare(): () => unknown;
}

/** Peers compared with each other: same input, same work, same unit. */
export interface BenchGroup {
  /** Shown in the table and the JSON; unique within the benchmark. */
  readonly name: string;
  /** Unit of the medians, e.g. `ns/read`. */
  readonly unit: string;
  /** Name of the case every ratio in the group is relative to. */
  readonly baseline: string;
  readonly cases: readonly BenchCase[];
}

/** One measured case, as printed and written to `results/<benchmark>.json`. */
export interface ResultRow {
  readonly group: string;
  readonly case: string;
  /** Median (p50) nanoseconds per unit of work. */
  readonly medianNs: number;
  readonly unit: string;
  /** `medianNs` divided by the group baseline's `medianNs`. */
  readonly ratio: number;
  readonly baseline: boolean;
  readonly p25Ns: number;
  readonly p75Ns: number;
  readonly minNs: number;
  /** Timed calls the median is taken over. */
  readonly samples: number;
  /** Units of work per timed call. */
  readonly opsPerSample: number;
  readonly node: string;
}

/** A figure a benchmark is meant to meet; reported, never fatal (timings are noisy). */
export interface BenchTarget {
  readonly label: string;
  met(rows: readonly ResultRow[]): boolean;
}

/** A benchmark: a module in `src/benchmarks/` exports one, `src/registry.ts` lists it. */
export interface Benchmark {
  /** The name `pnpm bench <name>` selects and `results/<name>.json` is written under. */
  readonly name: string;
  readonly description: string;
  readonly groups: readonly BenchGroup[];
  readonly targets?: readonly BenchTarget[];
  /** Minimum measuring time per case, in milliseconds (default 600). */
  readonly budgetMs?: number;
  /**
   * Release what the cases opened (servers, sockets, child processes), once
   * the benchmark has been measured. The run exits by itself only when every
   * benchmark leaves nothing behind.
   */
  close?(): Promise<void> | void;
}

/** Identity, for type checking a benchmark where it is declared. */
export function defineBenchmark(benchmark: Benchmark): Benchmark {
  return benchmark;
}

/** The row of `caseName` in `group`; throws if there is none (a target naming a wrong case is a bug). */
export function rowOf(rows: readonly ResultRow[], group: string, caseName: string): ResultRow {
  const row = rows.find((r) => r.group === group && r.case === caseName);
  if (row === undefined) throw new Error(`no result for case "${caseName}" in group "${group}"`);
  return row;
}
