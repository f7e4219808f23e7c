/**
 * The `http-server` benchmark: hello-world requests per second over
 * keep-alive connections, this project's server against `node:http` with the
 * same handler, both loaded by the same `wrk` in the same run (rounds taken in
 * turn, the order alternating), each server in a child process of its own.
 * Also: server CPU time per request (independent of how fast wrk is), and
 * memory per idle keep-alive connection (RSS and heap, after a full GC).
 *
 * @module
 */
import { closeAll, openIdle } from './idle.js';
import { type ServerProcess, startServer } from './spawn.js';
import { haveWrk, pipelineScript, type WrkResult, wrk } from './wrk.js';

/** One server's figures under one load. */
export interface HttpServerRow {
  readonly case: string;
  /** `keep-alive` (one request at a time per connection) or `pipelined 16` (16 in one write). */
  readonly load: string;
  readonly rps: number;
  readonly rpsRuns: readonly number[];
  readonly ratio: number;
  readonly cpuUsPerRequest: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly errors: number;
  readonly idleConnections: number;
  readonly rssPerIdleConnectionKiB: number;
  readonly heapPerIdleConnectionKiB: number;
}

/** Settings of a run. */
export interface HttpServerSettings {
  rounds: number;
  seconds: number;
  connections: number;
  idle: number;
  /** Connections of the pipelined load (each with `depth` requests in flight). */
  pipelinedConnections: number;
  depth: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function idleMemory(server: ServerProcess, n: number): Promise<{ rss: number; heap: number }> {
  const before = await server.stats();
  const sockets = await openIdle(server.port, n);
  const after = await server.stats();
  await closeAll(sockets);
  return { rss: (after.rss - before.rss) / n / 1024, heap: (after.heapUsed - before.heapUsed) / n / 1024 };
}

/** Run the benchmark; `log` hears progress. */
export async function runHttpServer(
  settings: HttpServerSettings,
  log: (line: string) => void,
): Promise<HttpServerRow[]> {
  if (!haveWrk())
    throw new Error('wrk is not installed (Debian: apt-get install wrk): the http-server benchmark needs it');
  const kinds = ['wiremachine', 'node'] as const;
  const servers = await Promise.all(kinds.map((k) => startServer(k)));
  try {
    const url = (s: ServerProcess) => `http://127.0.0.1:${s.port}/`;
    const loads = [
      { name: 'keep-alive', connections: settings.connections, script: undefined },
      {
        name: `pipelined ${settings.depth}`,
        connections: settings.pipelinedConnections,
        script: pipelineScript(settings.depth),
      },
    ];
    const rows: HttpServerRow[] = [];
    const idle: Record<string, { rss: number; heap: number }> = {};
    for (const s of servers) idle[s.kind] = await idleMemory(s, settings.idle);
    for (const load of loads) {
      const runs: Record<string, WrkResult[]> = { wiremachine: [], node: [] };
      const cpu: Record<string, number> = { wiremachine: 0, node: 0 };
      const at = { connections: load.connections, script: load.script };
      for (const s of servers) await wrk({ url: url(s), ...at, seconds: 2 }); // warm-up
      for (let round = 1; round <= settings.rounds; round++) {
        const order = round % 2 === 1 ? servers : [...servers].reverse();
        for (const s of order) {
          const before = (await s.stats()).cpuMs;
          const r = await wrk({ url: url(s), ...at, seconds: settings.seconds });
          cpu[s.kind] += (await s.stats()).cpuMs - before;
          runs[s.kind].push(r);
          log(`  ${load.name} round ${round}/${settings.rounds} ${s.kind.padEnd(11)} ${Math.round(r.rps)} req/s`);
        }
      }
      const base = median(runs.node.map((r) => r.rps));
      for (const k of kinds) {
        const rs = runs[k];
        const requests = rs.reduce((a, r) => a + r.requests, 0);
        rows.push({
          case: k === 'node' ? 'node:http' : 'wiremachine',
          load: load.name,
          rps: median(rs.map((r) => r.rps)),
          rpsRuns: rs.map((r) => Math.round(r.rps)),
          ratio: median(rs.map((r) => r.rps)) / base,
          cpuUsPerRequest: (cpu[k] * 1000) / requests,
          latencyP50Ms: median(rs.map((r) => r.latencyP50Ms)),
          latencyP99Ms: median(rs.map((r) => r.latencyP99Ms)),
          errors: rs.reduce((a, r) => a + r.errors, 0),
          idleConnections: settings.idle,
          rssPerIdleConnectionKiB: idle[k].rss,
          heapPerIdleConnectionKiB: idle[k].heap,
        });
      }
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** The rows as a text table. */
export function formatHttpServer(rows: readonly HttpServerRow[]): string {
  const header = [
    'server',
    'load',
    'req/s (median)',
    'ratio',
    'CPU µs/req',
    'p50 ms',
    'p99 ms',
    'errors',
    'RSS/idle conn',
    'heap/idle conn',
  ];
  const body = rows.map((r) => [
    r.case,
    r.load,
    String(Math.round(r.rps)),
    `${r.ratio.toFixed(2)}x`,
    r.cpuUsPerRequest.toFixed(1),
    r.latencyP50Ms.toFixed(2),
    r.latencyP99Ms.toFixed(2),
    String(r.errors),
    `${r.rssPerIdleConnectionKiB.toFixed(1)} KiB`,
    `${r.heapPerIdleConnectionKiB.toFixed(1)} KiB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((l) => l[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
