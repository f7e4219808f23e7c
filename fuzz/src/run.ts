/**
 * `pnpm fuzz [target...] [--runs N] [--long] [--seed S]`: fuzz each target for
 * a fixed budget, print coverage and crashes, save crashes as regression
 * files. Exits 1 when anything crashed.
 */
import { parseArgs } from 'node:util';
import { fuzz } from '@wiremachine/core/testing';
import { saveRegression } from './regressions.js';
import { target, targets } from './targets.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string' },
    long: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`usage: pnpm fuzz [target...] [--runs N] [--long] [--seed S]
targets: ${targets.map((t) => t.name).join(', ')}
  --runs N   inputs per target (default 20000)
  --long     1,000,000 inputs per target
  --seed S   seed of the mutation generator (default 1): the same seed replays the same run`);
  process.exit(0);
}

const runs = values.long ? 1_000_000 : Number(values.runs ?? 20_000);
const chosen = positionals.length > 0 ? positionals.map(target) : targets;
let crashed = 0;
for (const t of chosen) {
  const started = performance.now();
  const report = fuzz(t.machine, {
    ...t.options,
    seeds: t.seeds,
    runs,
    seed: Number(values.seed),
    onProgress: (r) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\r${t.name}: ${r.runs} runs, ${r.covered}/${r.total} transitions`);
    },
    progressEvery: 10_000,
  });
  const seconds = (performance.now() - started) / 1000;
  if (process.stderr.isTTY) process.stderr.write('\r');
  console.log(
    `${t.name}: ${report.runs} inputs in ${seconds.toFixed(1)} s, ${report.covered}/${report.total} transitions, ` +
      `${report.features} features, corpus ${report.corpus}, crashes ${report.crashes.length}`,
  );
  for (const c of report.crashes) {
    crashed++;
    console.log(`  crash: ${c.message}\n    saved ${saveRegression(t.name, c.input)} (chunks ${c.chunks.join(',')})`);
  }
}
process.exit(crashed > 0 ? 1 : 0);
