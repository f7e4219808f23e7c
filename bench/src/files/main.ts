/**
 * `pnpm bench static-files [--quick]`: run the `static-files` benchmark,
 * print its table and write `results/static-files.json`. It starts servers in
 * child processes and needs `wrk`, so `pnpm bench` alone does not run it:
 * name it.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runEnvironment } from '../environment.js';
import { formatStaticFiles, runStaticFiles, staticFilesInfo } from './run.js';

export { staticFilesInfo } from './run.js';

/** Run it; `resultsDir` receives `static-files.json`. */
export async function mainStaticFiles(args: readonly string[], resultsDir: URL): Promise<void> {
  const settings = args.includes('--quick') ? { rounds: 2, seconds: 1 } : { rounds: 3, seconds: 3 };
  const environment = runEnvironment();
  console.log(
    `node ${environment.node}, ${environment.cpu} x${environment.cpus}, ${environment.platform}/${environment.arch}\n`,
  );
  console.log(`${staticFilesInfo.name}: ${staticFilesInfo.description}`);
  console.log(`  wrk -t1, ${settings.rounds} rounds of ${settings.seconds} s per workload, servers in turn`);
  const rows = await runStaticFiles(settings, (line) => process.stderr.write(`${line}\n`));
  console.log(`\n${formatStaticFiles(rows)}\n`);
  mkdirSync(resultsDir, { recursive: true });
  const url = new URL('static-files.json', resultsDir);
  writeFileSync(
    url,
    `${JSON.stringify({ benchmark: staticFilesInfo.name, description: staticFilesInfo.description, ...environment, settings, rows }, null, 2)}\n`,
  );
  console.log(`written to ${url.pathname}`);
}
