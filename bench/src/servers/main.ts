/**
 * `pnpm bench http-server [--quick]`: run the `http-server` benchmark, print
 * its table and write `results/http-server.json`. It starts servers in child
 * processes and needs `wrk`, so `pnpm bench` alone does not run it: name it.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runEnvironment } from '../environment.js';
import { formatHttpServer, runHttpServer } from './http-server.js';

/** Name and description, for `pnpm bench --list`. */
export const httpServerInfo = {
  name: 'http-server',
  description: 'hello-world keep-alive req/s through wrk, and memory per idle connection: wiremachine vs node:http',
};

/** Run it; `resultsDir` receives `http-server.json`. */
export async function mainHttpServer(args: readonly string[], resultsDir: URL): Promise<void> {
  const quick = args.includes('--quick');
  const settings = quick
    ? { rounds: 2, seconds: 2, connections: 100, idle: 500 }
    : { rounds: 5, seconds: 5, connections: 100, idle: 2000 };
  const environment = runEnvironment();
  console.log(
    `node ${environment.node}, ${environment.cpu} x${environment.cpus}, ${environment.platform}/${environment.arch}\n`,
  );
  console.log(`${httpServerInfo.name}: ${httpServerInfo.description}`);
  console.log(
    `  wrk -t1 -c${settings.connections}, ${settings.rounds} rounds of ${settings.seconds} s each, in turn; ${settings.idle} idle connections`,
  );
  const rows = await runHttpServer(settings, (line) => process.stderr.write(`${line}\n`));
  const target = rows[0].ratio >= 1.5;
  console.log(`\n${formatHttpServer(rows)}\n`);
  console.log(`${target ? '[met]   ' : '[MISSED]'} wiremachine at least 1.5x the requests per second of node:http\n`);
  mkdirSync(resultsDir, { recursive: true });
  const url = new URL('http-server.json', resultsDir);
  writeFileSync(
    url,
    `${JSON.stringify({ benchmark: httpServerInfo.name, description: httpServerInfo.description, ...environment, settings, rows, targets: [{ label: 'wiremachine >= 1.5x node:http req/s', met: target }] }, null, 2)}\n`,
  );
  console.log(`written to ${url.pathname}`);
}
