/**
 * `pnpm load [--ci]`: load and faults against this project's HTTP server, in
 * a child process, over loopback only, bounded in time and connections.
 *
 * 1. idle: N keep-alive connections held open (each after one request);
 *    memory per connection from the server's RSS and heap after a full GC.
 * 2. requests: at least a total through `wrk`, in slices of equal duration
 *    (sized from a one-second calibration, after a warm-up of a few seconds),
 *    with the idle connections still open; the server's RSS after the first
 *    and after the last slice.
 * 3. slow clients: sending their head one byte a second, while wrk runs
 *    normal clients: every slow one must be closed by the header timeout
 *    (answered 408), and wrk must see no error.
 * 4. resets: clients that reset in the middle of a request body: the server
 *    must count no unhandled rejection and release every socket.
 *
 * Full run: 10,000 idle connections, 1,000,000 requests, 200 slow clients,
 * 200 resets. `--ci`: 1,000, 100,000, 50 and 50, under a minute. Writes
 * `bench/results/load.json`; exits non-zero when a check fails.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runEnvironment } from '../environment.js';
import { exitWhenDone } from '../leftover.js';
import { closeAll, openIdle } from '../servers/idle.js';
import { startServer } from '../servers/spawn.js';
import { haveWrk, wrk } from '../servers/wrk.js';
import { resettingClients, slowClients } from './clients.js';
import { ensureFileLimit } from './limits.js';

const ci = process.argv.includes('--ci');
/** Seconds of load before the slices whose memory is compared (see step 2). */
const WARMUP_SECONDS = 3;
const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? d : Number(process.argv[i + 1]);
};
const settings = {
  idle: arg('idle', ci ? 1000 : 10_000),
  requests: arg('requests', ci ? 100_000 : 1_000_000),
  slices: arg('slices', ci ? 5 : 10),
  wrkConnections: 100,
  slow: arg('slow', ci ? 50 : 200),
  resets: arg('resets', ci ? 50 : 200),
  headerTimeout: ci ? 2000 : 5000,
};

const checks: { label: string; ok: boolean }[] = [];
const check = (label: string, ok: boolean) => {
  checks.push({ label, ok });
  console.log(`${ok ? '[ok]    ' : '[FAILED]'} ${label}`);
};
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  if (!haveWrk()) throw new Error('wrk is not installed (Debian: apt-get install wrk): the load script needs it');
  ensureFileLimit(settings.idle + settings.slow + settings.resets + settings.wrkConnections + 1000);
  const started = Date.now();
  const env = runEnvironment();
  console.log(
    `node ${env.node}, ${env.cpu} x${env.cpus}; ${ci ? 'CI budget' : 'full run'}: ${JSON.stringify(settings)}\n`,
  );
  const server = await startServer('wiremachine', { headerTimeout: settings.headerTimeout, keepAliveTimeout: 300_000 });
  const url = `http://127.0.0.1:${server.port}/`;
  const result: Record<string, unknown> = { settings };
  try {
    // 1. Idle connections.
    const base = await server.stats();
    const idle = await openIdle(server.port, settings.idle);
    const held = await server.stats();
    const perConn = {
      rssKiB: (held.rss - base.rss) / settings.idle / 1024,
      heapKiB: (held.heapUsed - base.heapUsed) / settings.idle / 1024,
    };
    result.idle = { connections: held.connections, ...perConn };
    console.log(
      `idle: ${held.connections} connections held; per connection ${perConn.rssKiB.toFixed(1)} KiB RSS, ${perConn.heapKiB.toFixed(1)} KiB heap`,
    );
    check(`${settings.idle} idle keep-alive connections held`, held.connections === settings.idle);

    // 2. Requests in slices, after a warm-up: in its first seconds under load V8 grows its heap to the
    // allocation rate (about 77 to 94 MiB RSS with 1,000 idle connections, then flat). That is not growth
    // with the number of requests, which the slices compare; the warm-up's requests do not count.
    const calibration = await wrk({ url, connections: settings.wrkConnections, seconds: 1 });
    const warmup = await wrk({ url, connections: settings.wrkConnections, seconds: WARMUP_SECONDS });
    console.log(
      `  warm-up: ${calibration.requests + warmup.requests} requests in ${1 + WARMUP_SECONDS} s, RSS ${mib((await server.stats()).rss)} (not compared)`,
    );
    const sliceSeconds = Math.max(1, Math.round(settings.requests / settings.slices / calibration.rps));
    const rss: number[] = [];
    let total = 0;
    let errors = calibration.errors + warmup.errors;
    const rates: number[] = [];
    for (let i = 0; (total < settings.requests || i < settings.slices) && i < settings.slices * 3; i++) {
      const r = await wrk({ url, connections: settings.wrkConnections, seconds: sliceSeconds });
      total += r.requests;
      errors += r.errors;
      rates.push(Math.round(r.rps));
      rss.push((await server.stats()).rss);
      console.log(
        `  slice ${i + 1}: ${r.requests} requests in ${sliceSeconds} s, ${Math.round(r.rps)} req/s, RSS ${mib(rss[i])}`,
      );
    }
    const growth = (rss[rss.length - 1] - rss[0]) / rss[0];
    result.requests = { total, errors, rates, rss, growthFirstToLast: growth };
    console.log(
      `requests: ${total} in ${rss.length} slices, ${errors} errors; RSS ${mib(rss[0])} -> ${mib(rss[rss.length - 1])} (${(growth * 100).toFixed(1)}%)`,
    );
    check(`${total} requests, no errors`, errors === 0 && total >= settings.requests);
    check('resident memory grows less than 10% from the first slice to the last', growth < 0.1);

    // 3. Slow clients next to normal ones.
    const [slow, normal] = await Promise.all([
      slowClients(server.port, settings.slow, 1000, settings.headerTimeout + 5000),
      wrk({ url, connections: 50, seconds: Math.ceil(settings.headerTimeout / 1000) + 2 }),
    ]);
    const latest = Math.max(...slow.closedAfterMs, 0);
    result.slow = { ...slow, closedAfterMs: undefined, latestCloseMs: latest, normal };
    console.log(
      `slow: ${settings.slow - slow.stillOpen}/${settings.slow} closed (${slow.answered408} answered 408), the last after ${latest} ms; normal clients: ${normal.requests} requests, ${normal.errors} errors`,
    );
    check(
      'every slow client closed by the header timeout, with a 408',
      slow.stillOpen === 0 && slow.answered408 === settings.slow,
    );
    check('slow clients closed within the header timeout plus one sweep', latest <= settings.headerTimeout + 1500);
    check('normal clients saw no error meanwhile', normal.errors === 0 && normal.requests > 0);

    // 4. Resets mid-body.
    const before = await server.stats();
    await resettingClients(server.port, settings.resets, 99);
    await closeAll(idle);
    let after = await server.stats();
    for (
      let i = 0;
      i < 100 && (after.connections > 0 || after.bodyFailures - before.bodyFailures < settings.resets);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
      after = await server.stats();
    }
    result.resets = {
      clients: settings.resets,
      bodyFailures: after.bodyFailures - before.bodyFailures,
      connections: after.connections,
      unhandled: after.unhandled,
    };
    console.log(
      `resets: ${settings.resets} clients; ${after.bodyFailures - before.bodyFailures} body reads failed; ${after.connections} connections left; ${after.unhandled} unhandled rejections`,
    );
    check('every reset body failed its reader', after.bodyFailures - before.bodyFailures === settings.resets);
    check('every socket released, no unhandled rejection', after.connections === 0 && after.unhandled === 0);
  } finally {
    await server.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${seconds.toFixed(1)} s`);
  const dir = new URL('../../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('load.json', dir), `${JSON.stringify({ ...env, ci, seconds, ...result, checks }, null, 2)}\n`);
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

void exitWhenDone(main, (e) => console.error(e instanceof Error ? e.message : e));
