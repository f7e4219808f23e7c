/**
 * `pnpm bench http-server [--quick]`: run the `http-server` benchmark, print
 * its table and write `results/http-server.json`. It starts servers in child
 * processes and needs `wrk`, so `pnpm bench` alone does not run it: name it.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runEnvironment } from '../environment.js';
import { formatHttpServer, type HttpServerRow, runHttpServer } from './http-server.js';

/** Name and description, for `pnpm bench --list`. */
export const httpServerInfo = {
  name: 'http-server',
  description:
    'hello-world req/s through wrk, keep-alive and 16-deep pipelined, CPU per request, and memory per idle connection: wiremachine vs node:http',
};

/** Run it; `resultsDir` receives `http-server.json`. */
export async function mainHttpServer(args: readonly string[], resultsDir: URL): Promise<void> {
  const quick = args.includes('--quick');
  const settings = quick
    ? { rounds: 2, seconds: 2, connections: 100, idle: 2000, pipelinedConnections: 50, depth: 16 }
    : { rounds: 5, seconds: 5, connections: 100, idle: 2000, pipelinedConnections: 50, depth: 16 };
  const environment = runEnvironment();
  console.log(
    `node ${environment.node}, ${environment.cpu} x${environment.cpus}, ${environment.platform}/${environment.arch}\n`,
  );
  console.log(`${httpServerInfo.name}: ${httpServerInfo.description}`);
  console.log(
    `  wrk -t1 -c${settings.connections} (keep-alive) and -c${settings.pipelinedConnections} with ${settings.depth} requests a write (pipelined), ${settings.rounds} rounds of ${settings.seconds} s each, in turn; ${settings.idle} idle connections`,
  );
  const rows = await runHttpServer(settings, (line) => process.stderr.write(`${line}\n`));
  const ours = (load: string) => rows.find((r) => r.case === 'wiremachine' && r.load.startsWith(load)) as HttpServerRow;
  const node = rows.find((r) => r.case === 'node:http') as HttpServerRow;
  const targets = [
    { label: 'wiremachine >= 1.5x node:http req/s, keep-alive', met: ours('keep-alive').ratio >= 1.5 },
    { label: `wiremachine >= 5x node:http req/s, pipelined ${settings.depth}`, met: ours('pipelined').ratio >= 5 },
    {
      label: 'RSS and heap per idle connection <= node:http',
      met:
        ours('keep-alive').rssPerIdleConnectionKiB <= node.rssPerIdleConnectionKiB &&
        ours('keep-alive').heapPerIdleConnectionKiB <= node.heapPerIdleConnectionKiB,
    },
  ];
  console.log(`\n${formatHttpServer(rows)}\n`);
  for (const t of targets) console.log(`${t.met ? '[met]   ' : '[MISSED]'} ${t.label}`);
  console.log('');
  mkdirSync(resultsDir, { recursive: true });
  const url = new URL('http-server.json', resultsDir);
  writeFileSync(
    url,
    `${JSON.stringify({ benchmark: httpServerInfo.name, description: httpServerInfo.description, ...environment, settings, rows, targets }, null, 2)}\n`,
  );
  console.log(`written to ${url.pathname}`);
}
