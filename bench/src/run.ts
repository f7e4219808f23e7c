/**
 * `pnpm bench [name...] [--budget MS]`: run the named benchmarks (all when
 * none is named), print a table for each and write `results/<name>.json`.
 * `--budget` sets every case's measuring time (a quick check of a benchmark).
 * `pnpm bench --list` prints the names and descriptions.
 *
 * Each benchmark closes what it opened; a run that would still hold a
 * socket, timer or child afterwards names them and fails instead of hanging.
 *
 * @module
 */
import type { Benchmark } from './define.js';
import { runEnvironment } from './environment.js';
import { execute } from './execute.js';
import { mainStaticFiles, staticFilesInfo } from './files/main.js';
import { exitWhenDone } from './leftover.js';
import { benchmarks } from './registry.js';
import { checkTargets, formatTable, formatTargets, writeResult } from './report.js';
import { httpServerInfo, mainHttpServer } from './servers/main.js';

// Compiled to bench/dist/run.js; results go to bench/results/.
const RESULTS = new URL('../results/', import.meta.url);

/** A mistake on the command line: reported without a stack. */
class UsageError extends Error {}

function select(names: readonly string[]): Benchmark[] {
  if (names.length === 0) return [...benchmarks];
  return names.map((name) => {
    const found = benchmarks.find((b) => b.name === name);
    if (found === undefined) {
      throw new UsageError(`unknown benchmark "${name}"; known: ${benchmarks.map((b) => b.name).join(', ')}`);
    }
    return found;
  });
}

/** `--budget MS` taken out of `args`. */
function budgetOf(args: string[]): number | undefined {
  const i = args.indexOf('--budget');
  if (i < 0) return undefined;
  const ms = Number(args[i + 1]);
  if (!(ms > 0)) throw new UsageError(`--budget takes milliseconds > 0, got ${args[i + 1]}`);
  args.splice(i, 2);
  return ms;
}

async function main(argv: readonly string[]): Promise<void> {
  const args = [...argv];
  const budgetMs = budgetOf(args);
  if (args.includes('--list')) {
    for (const b of [...benchmarks, httpServerInfo, staticFilesInfo])
      console.log(`${b.name.padEnd(12)} ${b.description}`);
    return;
  }
  // Servers in child processes, loaded by wrk: run only when named.
  if (args[0] === httpServerInfo.name) {
    await mainHttpServer(args.slice(1), RESULTS);
    return;
  }
  if (args[0] === staticFilesInfo.name) {
    await mainStaticFiles(args.slice(1), RESULTS);
    return;
  }
  const selected = select(args);
  const environment = runEnvironment();
  console.log(
    `node ${environment.node}, ${environment.cpu} x${environment.cpus}, ${environment.platform}/${environment.arch}\n`,
  );
  for (const benchmark of selected) {
    console.log(`${benchmark.name}: ${benchmark.description}`);
    const started = performance.now();
    const rows = await execute(
      benchmark,
      (round, rounds) => process.stderr.write(`  round ${round}/${rounds}\n`),
      budgetMs,
    );
    const targets = checkTargets(benchmark, rows);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`\n${formatTable(rows)}\n`);
    if (targets.length > 0) console.log(`${formatTargets(targets)}\n`);
    const path = writeResult(RESULTS, {
      benchmark: benchmark.name,
      description: benchmark.description,
      ...environment,
      rows,
      targets,
    });
    console.log(`${seconds} s; written to ${path}\n`);
  }
}

void exitWhenDone(
  () => main(process.argv.slice(2)),
  (error) => console.error(error instanceof UsageError ? error.message : error),
);
