/**
 * The `static-files` benchmark: `serveFiles` against `send` on node:http (the
 * library behind express.static), both in child processes serving the same
 * directory, loaded by the same `wrk` in the same run (rounds in turn, the
 * order alternating), with nginx alongside as a reference when installed.
 * Workloads: a 4 KiB file over 50 keep-alive connections (requests per
 * second), a 64 KiB range of a 64 MiB file over 50 connections (requests per
 * second), and the whole 64 MiB file over 4 connections (bytes per second).
 *
 * @module
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveWrk, type WrkResult, wrk } from '../servers/wrk.js';

/** Name and description, for `pnpm bench --list`. */
export const staticFilesInfo = {
  name: 'static-files',
  description: 'static files through wrk: a small file, a range, a large file: serveFiles vs send (and nginx)',
};

interface Server {
  readonly kind: string;
  readonly port: number;
  /** CPU milliseconds used so far (NaN for nginx). */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

function startNode(kind: 'wiremachine' | 'send', dir: string): Promise<Server> {
  const child = fork(new URL('./server.js', import.meta.url), [kind, dir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters: ((ms: number) => void)[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${kind} server did not start`)), 10_000);
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited with ${code}`)));
    child.on('message', (m: { type: string; port?: number; cpuMs?: number }) => {
      if (m.type === 'stats') waiters.shift()?.(m.cpuMs as number);
      else if (m.type === 'listening') {
        clearTimeout(timer);
        resolve({
          kind,
          port: m.port as number,
          cpuMs: () =>
            new Promise((r) => {
              waiters.push(r);
              child.send({ type: 'stats' });
            }),
          stop: () => stopChild(child, () => child.send({ type: 'close' })),
        });
      }
    });
  });
}

function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    ask();
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function haveNginx(): boolean {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** nginx with Debian's defaults that matter here (sendfile on), one worker, on loopback. */
async function startNginx(dir: string, work: string): Promise<Server> {
  const port = await freePort();
  const conf = join(work, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
error_log ${work}/error.log;
pid ${work}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${work}; proxy_temp_path ${work}; fastcgi_temp_path ${work};
  uwsgi_temp_path ${work}; scgi_temp_path ${work};
  sendfile on;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:${port}; root ${dir}; }
}
`,
  );
  const child = spawn('nginx', ['-p', work, '-c', conf, '-g', 'daemon off;'], { stdio: 'inherit' });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/small.html`).then(
      (r) => r.arrayBuffer().then(() => true),
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    kind: 'nginx',
    port,
    cpuMs: async () => Number.NaN,
    stop: () => stopChild(child, () => child.kill('SIGQUIT')),
  };
}

interface Workload {
  readonly name: string;
  readonly path: string;
  readonly connections: number;
  readonly headers: readonly string[];
  /** What is compared: requests or bytes per second. */
  readonly measure: 'req/s' | 'MiB/s';
}

const WORKLOADS: readonly Workload[] = [
  { name: 'small (4 KiB)', path: '/small.html', connections: 50, headers: [], measure: 'req/s' },
  {
    name: 'range (64 KiB of 64 MiB)',
    path: '/big.bin',
    connections: 50,
    headers: ['Range: bytes=1048576-1114111'],
    measure: 'req/s',
  },
  { name: 'large (64 MiB)', path: '/big.bin', connections: 4, headers: [], measure: 'MiB/s' },
];

/** One server on one workload. */
export interface StaticFilesRow {
  readonly workload: string;
  readonly server: string;
  readonly measure: string;
  readonly median: number;
  readonly runs: readonly number[];
  /** Median over send's median. */
  readonly ratio: number;
  readonly cpuUsPerRequest: number;
  readonly errors: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Checks that a server answers the workloads as expected before it is timed. */
async function check(server: Server, small: Buffer, big: Buffer): Promise<void> {
  const base = `http://127.0.0.1:${server.port}`;
  const a = Buffer.from(await (await fetch(`${base}/small.html`)).arrayBuffer());
  if (!a.equals(small)) throw new Error(`${server.kind}: /small.html is not the file`);
  const r = await fetch(`${base}/big.bin`, { headers: { range: 'bytes=1048576-1114111' } });
  const b = Buffer.from(await r.arrayBuffer());
  if (r.status !== 206 || !b.equals(big.subarray(1048576, 1114112))) throw new Error(`${server.kind}: wrong range`);
}

/** Run the benchmark; `log` hears progress. */
export async function runStaticFiles(
  settings: { rounds: number; seconds: number },
  log: (line: string) => void,
): Promise<StaticFilesRow[]> {
  if (!haveWrk()) throw new Error('wrk is not installed (Debian: apt-get install wrk): static-files needs it');
  const work = mkdtempSync(join(tmpdir(), 'wiremachine-bench-files-'));
  const dir = join(work, 'www');
  mkdirSync(dir);
  const small = Buffer.from('<p>hello</p>\n'.repeat(316).slice(0, 4096));
  const big = randomBytes(64 * 1024 * 1024);
  writeFileSync(join(dir, 'small.html'), small);
  writeFileSync(join(dir, 'big.bin'), big);
  const servers: Server[] = [await startNode('wiremachine', dir), await startNode('send', dir)];
  if (haveNginx()) servers.push(await startNginx(dir, work));
  else log('  nginx is not installed: it is left out');
  try {
    for (const s of servers) await check(s, small, big);
    const rows: StaticFilesRow[] = [];
    for (const w of WORKLOADS) {
      const runs: Record<string, WrkResult[]> = {};
      const cpu: Record<string, number> = {};
      for (const s of servers) {
        runs[s.kind] = [];
        cpu[s.kind] = 0;
        await wrk({
          url: `http://127.0.0.1:${s.port}${w.path}`,
          connections: w.connections,
          seconds: 1,
          headers: w.headers,
        });
      }
      for (let round = 1; round <= settings.rounds; round++) {
        const order = round % 2 === 1 ? servers : [...servers].reverse();
        for (const s of order) {
          const before = await s.cpuMs();
          const r = await wrk({
            url: `http://127.0.0.1:${s.port}${w.path}`,
            connections: w.connections,
            seconds: settings.seconds,
            headers: w.headers,
          });
          cpu[s.kind] += (await s.cpuMs()) - before;
          runs[s.kind].push(r);
          log(
            `  ${w.name} round ${round}/${settings.rounds} ${s.kind.padEnd(11)} ${value(w, r).toFixed(0)} ${w.measure}`,
          );
        }
      }
      const base = median(runs.send.map((r) => value(w, r)));
      for (const s of servers) {
        const rs = runs[s.kind];
        const m = median(rs.map((r) => value(w, r)));
        rows.push({
          workload: w.name,
          server: s.kind,
          measure: w.measure,
          median: m,
          runs: rs.map((r) => Math.round(value(w, r))),
          ratio: m / base,
          cpuUsPerRequest: (cpu[s.kind] * 1000) / rs.reduce((a, r) => a + r.requests, 0),
          errors: rs.reduce((a, r) => a + r.errors, 0),
        });
      }
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

function value(w: Workload, r: WrkResult): number {
  return w.measure === 'req/s' ? r.rps : r.bytesPerSecond / (1024 * 1024);
}

/** The rows as a text table. */
export function formatStaticFiles(rows: readonly StaticFilesRow[]): string {
  const header = ['workload', 'server', 'median', 'ratio to send', 'CPU µs/req', 'errors'];
  const body = rows.map((r) => [
    r.workload,
    r.server,
    `${Math.round(r.median)} ${r.measure}`,
    `${r.ratio.toFixed(2)}x`,
    Number.isNaN(r.cpuUsPerRequest) ? '-' : r.cpuUsPerRequest.toFixed(1),
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((l) => l[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
