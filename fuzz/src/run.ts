/**
 * `pnpm fuzz [target...] [--runs N] [--long] [--seed S] [--no-code-coverage]`:
 * fuzz each target for a fixed budget, print transition and code coverage and
 * crashes, save crashes as regression files. Exits 1 when anything crashed.
 *
 * The protocol modules are instrumented (istanbul, through a module-loader
 * hook) before they are imported, so the fuzzer sees their branches too.
 */
import { basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type FuzzReport, fuzz as fuzzRun } from '@wiremachine/core/testing';
import { instrumentModules } from '@wiremachine/core/testing/instrument';
import { saveRegression } from './regressions.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string' },
    long: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    'no-code-coverage': { type: 'boolean', default: false },
    missed: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const codeCoverage = !values['no-code-coverage'];
if (codeCoverage) {
  // The modules under test: the shipped protocols and the examples, not the core that drives them.
  const dist = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/dist/`, import.meta.url));
  await instrumentModules({ include: [dist('packages/protocols'), dist('examples')] });
}
const { target, targets } = await import('./targets.js');

if (values.help) {
  console.log(`usage: pnpm fuzz [target...] [--runs N] [--long] [--seed S] [--no-code-coverage] [--missed]
targets: ${targets.map((t) => t.name).join(', ')}
  --runs N             inputs per target (default 20000)
  --long               1,000,000 inputs per target
  --seed S             seed of the mutation generator (default 1): the same seed replays the same run
  --no-code-coverage   guide by transition coverage alone (the protocol modules are not instrumented)
  --missed             list the transitions and branch arms never taken`);
  process.exit(0);
}

const percent = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
const branches = (r: FuzzReport) =>
  r.code === null
    ? 'no code coverage'
    : `${r.code.covered}/${r.code.total} branches (${percent(r.code.covered, r.code.total)})`;

const runs = values.long ? 1_000_000 : Number(values.runs ?? 20_000);
const chosen = positionals.length > 0 ? positionals.map(target) : targets;
let crashed = 0;
/** Per family: transitions taken in any of its targets, and per file the branch arms never taken in all of them. */
const families = new Map<
  string,
  { total: number; missed: Set<string> | null; files: Map<string, { total: number; missed: Set<string> }> }
>();
/** Per instrumented file, over every target that reached it: branch arms never taken in any. */
const everyTarget = new Map<string, { total: number; missed: Set<string> }>();
for (const t of chosen) {
  const started = performance.now();
  const report = fuzz(t, runs);
  const seconds = (performance.now() - started) / 1000;
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  console.log(
    `${t.name}: ${report.runs} inputs in ${seconds.toFixed(1)} s, ${report.covered}/${report.total} transitions, ` +
      `${branches(report)}, ${report.features} features, corpus ${report.corpus}, tokens ${report.tokens}, ` +
      `crashes ${report.crashes.length}`,
  );
  for (const f of report.code?.files ?? []) {
    console.log(`  ${basename(f.file)}: ${f.covered}/${f.total} branches (${percent(f.covered, f.total)})`);
    if (values.missed) for (const m of f.missed) console.log(`    missed ${m}`);
  }
  if (values.missed) for (const m of report.missed) console.log(`  missed ${m}`);
  for (const c of report.crashes) {
    crashed++;
    console.log(`  crash: ${c.message}\n    saved ${saveRegression(t.name, c.input)} (chunks ${c.chunks.join(',')})`);
  }
  for (const f of report.code?.files ?? []) {
    const prev = everyTarget.get(f.file);
    everyTarget.set(f.file, {
      total: f.total,
      missed: prev === undefined ? new Set(f.missed) : new Set(f.missed.filter((m) => prev.missed.has(m))),
    });
  }
  if (t.family !== undefined) {
    const fam = families.get(t.family) ?? { total: report.total, missed: null, files: new Map() };
    fam.missed =
      fam.missed === null ? new Set(report.missed) : new Set(report.missed.filter((m) => fam.missed?.has(m)));
    for (const f of report.code?.files ?? []) {
      const prev = fam.files.get(f.file);
      fam.files.set(f.file, {
        total: f.total,
        missed: prev === undefined ? new Set(f.missed) : new Set(f.missed.filter((m) => prev.missed.has(m))),
      });
    }
    families.set(t.family, fam);
  }
}
for (const [name, fam] of families) {
  if (chosen.filter((t) => t.family === name).length < 2) continue;
  const missed = fam.missed ?? new Set();
  console.log(`${name} (all its targets): ${fam.total - missed.size}/${fam.total} transitions`);
  for (const m of missed) console.log(`  missed ${m}`);
  for (const [file, f] of fam.files) {
    const covered = f.total - f.missed.size;
    console.log(`  ${basename(file)}: ${covered}/${f.total} branches (${percent(covered, f.total)})`);
  }
}
if (chosen.length > 1 && everyTarget.size > 0) {
  console.log('branches over every target that reached the file:');
  for (const [file, f] of everyTarget) {
    const covered = f.total - f.missed.size;
    console.log(`  ${relative('.', file)}: ${covered}/${f.total} (${percent(covered, f.total)})`);
    if (values.missed) for (const m of f.missed) console.log(`    missed ${m}`);
  }
}
process.exit(crashed > 0 ? 1 : 0);

function fuzz(t: (typeof targets)[number], runs: number): FuzzReport {
  return fuzzRun(t.machine, {
    ...t.options,
    seeds: t.seeds,
    runs,
    seed: Number(values.seed),
    codeCoverage,
    onProgress: (r) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\r${t.name}: ${r.runs} runs, ${r.covered}/${r.total} transitions, ${branches(r)}`);
    },
    progressEvery: 10_000,
  });
}
