/**
 * Runs one benchmark: prepares and warms every case, measures them in turns
 * and turns the timings into rows.
 *
 * @module
 */
import type { Benchmark, ResultRow } from './define.js';
import { type CallStats, measureSlice, summarize, warm } from './measure.js';

const DEFAULT_BUDGET_MS = 600;
const WARMUP_MS = 150;
const WARMUP_PASSES = 2;
/**
 * Each case is measured in this many slices, taken in turn with its peers',
 * so that a slow spell of a shared machine lands on every peer rather than
 * on whichever was running.
 */
const ROUNDS = 4;

interface Prepared {
  readonly group: string;
  readonly unit: string;
  readonly baseline: boolean;
  readonly name: string;
  readonly ops: number;
  readonly fn: () => unknown;
}

/**
 * Measure every case of `benchmark`, then close it; `onRound` is told as each
 * round of slices ends. `budgetMs` overrides the benchmark's own budget.
 */
export async function execute(
  benchmark: Benchmark,
  onRound?: (round: number, rounds: number) => void,
  budgetMs?: number,
): Promise<ResultRow[]> {
  try {
    return await measureAll(benchmark, onRound, budgetMs);
  } finally {
    await benchmark.close?.();
  }
}

async function measureAll(
  benchmark: Benchmark,
  onRound: ((round: number, rounds: number) => void) | undefined,
  budgetMs: number | undefined,
): Promise<ResultRow[]> {
  const prepared = prepare(benchmark);
  // Warm every case before timing any, so that each is measured with the same
  // type feedback (shared code such as the driver loop has seen every peer)
  // whatever its place in the list. Twice: shared code that a later case
  // deoptimized (a path or an input type the earlier ones never took) is
  // optimized again, with every case's feedback, in the second pass rather
  // than in the first timed round.
  for (let pass = 0; pass < WARMUP_PASSES; pass++) for (const p of prepared) await warm(p.fn, WARMUP_MS);
  const slice = (budgetMs ?? benchmark.budgetMs ?? DEFAULT_BUDGET_MS) / ROUNDS;
  const samples: number[][] = prepared.map(() => []);
  for (let round = 1; round <= ROUNDS; round++) {
    for (let i = 0; i < prepared.length; i++) samples[i] = samples[i].concat(await measureSlice(prepared[i].fn, slice));
    onRound?.(round, ROUNDS);
  }
  return toRows(prepared, samples.map(summarize));
}

function prepare(benchmark: Benchmark): Prepared[] {
  const out: Prepared[] = [];
  const groups = new Set<string>();
  for (const group of benchmark.groups) {
    if (groups.has(group.name)) throw new Error(`${benchmark.name}: duplicate group "${group.name}"`);
    groups.add(group.name);
    const names = new Set(group.cases.map((c) => c.name));
    if (names.size !== group.cases.length) throw new Error(`${benchmark.name}/${group.name}: duplicate case names`);
    if (!names.has(group.baseline))
      throw new Error(`${benchmark.name}/${group.name}: no case named "${group.baseline}" for the baseline`);
    for (const c of group.cases) {
      if (!(c.ops > 0)) throw new Error(`${benchmark.name}/${group.name}/${c.name}: ops must be > 0`);
      out.push({
        group: group.name,
        unit: group.unit,
        baseline: c.name === group.baseline,
        name: c.name,
        ops: c.ops,
        fn: c.prepare(),
      });
    }
  }
  return out;
}

function toRows(prepared: readonly Prepared[], stats: readonly CallStats[]): ResultRow[] {
  const medians = prepared.map((p, i) => stats[i].p50 / p.ops);
  return prepared.map((p, i) => {
    const base = prepared.findIndex((q) => q.group === p.group && q.baseline);
    const s = stats[i];
    return {
      group: p.group,
      case: p.name,
      medianNs: round(medians[i]),
      unit: p.unit,
      ratio: round(medians[i] / medians[base], 3),
      baseline: p.baseline,
      p25Ns: round(s.p25 / p.ops),
      p75Ns: round(s.p75 / p.ops),
      minNs: round(s.min / p.ops),
      samples: s.samples,
      opsPerSample: p.ops,
      node: process.version,
    };
  });
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
