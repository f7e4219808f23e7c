/**
 * Printing a benchmark's rows as a table and writing them as JSON.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Benchmark, ResultRow } from './define.js';
import type { RunEnvironment } from './environment.js';

/** A target and whether this run met it. */
export interface TargetResult {
  readonly label: string;
  readonly met: boolean;
}

/** The content of `results/<benchmark>.json`. */
export interface ResultFile extends RunEnvironment {
  readonly benchmark: string;
  readonly description: string;
  readonly rows: readonly ResultRow[];
  readonly targets: readonly TargetResult[];
}

/** Evaluate the benchmark's targets against this run's rows. */
export function checkTargets(benchmark: Benchmark, rows: readonly ResultRow[]): TargetResult[] {
  return (benchmark.targets ?? []).map((t) => ({ label: t.label, met: t.met(rows) }));
}

/**
 * The rows as an aligned text table, groups separated by a blank line. The
 * baseline of each group is marked with `*`; its ratio is 1 by definition.
 */
export function formatTable(rows: readonly ResultRow[]): string {
  const header = ['group', 'case', 'median', 'unit', 'p25..p75', 'ratio', 'samples'];
  const body: string[][] = [];
  let previous: string | null = null;
  for (const r of rows) {
    if (previous !== null && r.group !== previous) body.push([]);
    body.push([
      r.group === previous ? '' : r.group,
      r.baseline ? `${r.case} *` : r.case,
      formatNs(r.medianNs),
      r.unit,
      `${formatNs(r.p25Ns)}..${formatNs(r.p75Ns)}`,
      `${formatRatio(r.ratio)}x`,
      String(r.samples),
    ]);
    previous = r.group;
  }
  const numeric = [false, false, true, false, true, true, true];
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => (line[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.length === 0
      ? ''
      : cells
          .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
          .join('  ')
          .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/** Targets as `[met]`/`[MISSED]` lines. */
export function formatTargets(targets: readonly TargetResult[]): string {
  return targets.map((t) => `${t.met ? '[met]   ' : '[MISSED]'} ${t.label}`).join('\n');
}

/** Write `file` to `<dir>/<benchmark>.json` and return the path. */
export function writeResult(dir: URL, file: ResultFile): string {
  mkdirSync(dir, { recursive: true });
  const url = new URL(`${file.benchmark}.json`, dir);
  writeFileSync(url, `${JSON.stringify(file, null, 2)}\n`);
  return url.pathname;
}

function formatNs(ns: number): string {
  return ns >= 100 ? ns.toFixed(0) : ns.toFixed(1);
}

function formatRatio(ratio: number): string {
  return ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2);
}
