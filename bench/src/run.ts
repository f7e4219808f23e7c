/**
 * `pnpm bench [name...]`: run the named benchmarks (all when none is named),
 * print a table for each and write `results/<name>.json`.
 * `pnpm bench --list` prints the names and descriptions.
 *
 * @module
 */
import type { Benchmark } from './define.js';
import { runEnvironment } from './environment.js';
import { execute } from './execute.js';
import { mainStaticFiles, staticFilesInfo } from './files/main.js';
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

async function main(args: readonly string[]): Promise<void> {
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
    const rows = await execute(benchmark, (round, rounds) => process.stderr.write(`  round ${round}/${rounds}\n`));
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

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : error);
  process.exitCode = 1;
});
