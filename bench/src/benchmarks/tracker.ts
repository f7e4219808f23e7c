/**
 * `tracker`: the UDP tracker (BEP 15) over real sockets on 127.0.0.1.
 *
 * - announces: our `TrackerServer` and the `bittorrent-tracker` server, in
 *   this process, each answering the same load generator (a child process,
 *   `tracker-load.ts`: 4 sockets with 32 announces in flight each); ns of
 *   wall time per announce answered (1e9 / median = announces per second).
 * - exchange: one announce at a time on a cached connection id, to our
 *   server: by hand with a prebuilt datagram on a raw `node:dgram` socket,
 *   and through `TrackerClient` (exchange actor, serializer, parser,
 *   routing); ns per round trip.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connectTracker, listenTracker, type RunningTracker, type TrackerClient } from '@wiremachine/tracker';
import { type BenchCase, defineBenchmark, rowOf } from '../define.js';
import type { LoadJob } from './tracker-load.js';

const ANNOUNCES = 4000;
const ROUND_TRIPS = 200;

let generator: ChildProcess | undefined;
const pending: ((r: { done: number; resent: number }) => void)[] = [];
/** What the cases opened, closed by the benchmark's `close`. */
const opened: (() => void | Promise<void>)[] = [];

/** The shared load generator, started on first use; it ends when disconnected (see `close`). */
function load(job: LoadJob): Promise<{ done: number; resent: number }> {
  if (generator === undefined) {
    const child = fork(new URL('./tracker-load.js', import.meta.url), { stdio: 'inherit' });
    generator = child;
    child.on('message', (m) => pending.shift()?.(m as { done: number; resent: number }));
    process.once('exit', () => child.kill());
    opened.push(
      () =>
        new Promise<void>((resolve) => {
          generator = undefined;
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          // It closes its sockets and exits when its channel closes; a stuck one is killed.
          child.disconnect();
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
    );
  }
  return new Promise((resolve) => {
    pending.push(resolve);
    generator?.send(job);
  });
}

/** A case whose server starts on its first call. */
function serverCase(name: string, start: () => Promise<number>): BenchCase {
  return {
    name,
    ops: ANNOUNCES,
    prepare() {
      let port: Promise<number> | undefined;
      return async () => {
        port ??= start();
        const r = await load({ port: await port, count: ANNOUNCES });
        if (r.done !== ANNOUNCES) throw new Error(`${name}: ${r.done} of ${ANNOUNCES} announces answered`);
      };
    },
  };
}

async function ours(): Promise<number> {
  const t: RunningTracker = await listenTracker({ udp6: false, rateLimit: false });
  opened.push(() => t.close());
  return t.udp4?.port as number;
}

async function theirs(): Promise<number> {
  const spec = 'bittorrent-tracker/server';
  const { default: Server } = await import(spec);
  const server = new Server({ http: false, ws: false, stats: false });
  server.on('warning', () => {});
  await new Promise<void>((resolve) => server.listen(0, { udp: '127.0.0.1', udp6: '::1' }, resolve));
  opened.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server.udp4.address().port;
}

const announce = { infoHash: new Uint8Array(20).fill(7), peerId: new Uint8Array(20).fill(8), port: 6881, left: 0n };

function clientCase(): BenchCase {
  return {
    name: 'TrackerClient',
    ops: ROUND_TRIPS,
    prepare() {
      let ready: Promise<TrackerClient> | undefined;
      return async () => {
        ready ??= exchangeServer()
          .then((port) => connectTracker(`udp://127.0.0.1:${port}/announce`))
          .then((client) => {
            opened.push(() => client.close());
            return client;
          });
        const client = await ready;
        for (let i = 0; i < ROUND_TRIPS; i++) {
          const r = await client.announce(announce);
          if (r.interval === null) throw new Error('no interval');
        }
      };
    },
  };
}

function rawCase(): BenchCase {
  return {
    name: 'raw dgram',
    ops: ROUND_TRIPS,
    prepare() {
      let ready: Promise<{ roundTrip: () => Promise<Buffer> }> | undefined;
      return async () => {
        ready ??= rawClient();
        const { roundTrip } = await ready;
        for (let i = 0; i < ROUND_TRIPS; i++) {
          const reply = await roundTrip();
          if (reply.readUInt32BE(0) !== 1) throw new Error('not an announce reply');
        }
      };
    },
  };
}

let exchangeTracker: Promise<number> | undefined;
function exchangeServer(): Promise<number> {
  exchangeTracker ??= listenTracker({ udp6: false, rateLimit: false }).then((t) => {
    opened.push(() => {
      exchangeTracker = undefined;
      t.close();
    });
    return t.udp4?.port as number;
  });
  return exchangeTracker;
}

/** A prebuilt announce on a connected socket: the least a round trip can cost. */
async function rawClient(): Promise<{ roundTrip: () => Promise<Buffer> }> {
  const port = await exchangeServer();
  const socket = createSocket('udp4');
  opened.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => socket.connect(port, '127.0.0.1', resolve)));
  let waiting: ((m: Buffer) => void) | null = null;
  socket.on('message', (m) => {
    const w = waiting;
    waiting = null;
    w?.(m);
  });
  const roundTrip = (packet: Buffer) =>
    new Promise<Buffer>((resolve) => {
      waiting = resolve;
      socket.send(packet);
    });
  const connect = Buffer.alloc(16);
  connect.writeBigUInt64BE(0x41727101980n, 0);
  const id = (await roundTrip(connect)).subarray(8, 16);
  const packet = Buffer.alloc(98);
  id.copy(packet, 0);
  packet.writeUInt32BE(1, 8);
  packet.fill(7, 16, 36);
  packet.fill(9, 36, 56);
  packet.writeInt32BE(-1, 92);
  packet.writeUInt16BE(6881, 96);
  return { roundTrip: () => roundTrip(packet) };
}

/** The benchmark. */
export const tracker = defineBenchmark({
  name: 'tracker',
  description: 'UDP tracker: our server vs bittorrent-tracker under one load generator; our client vs raw dgram',
  budgetMs: 2000,
  async close() {
    for (const close of opened.splice(0).reverse()) await close();
  },
  groups: [
    {
      name: 'announces',
      unit: 'ns/announce',
      baseline: 'wiremachine',
      cases: [serverCase('wiremachine', ours), serverCase('bittorrent-tracker', theirs)],
    },
    { name: 'exchange', unit: 'ns/round trip', baseline: 'raw dgram', cases: [rawCase(), clientCase()] },
  ],
  targets: [
    {
      label: 'our server answers at least 3x the announces per second of bittorrent-tracker',
      met: (rows) => rowOf(rows, 'announces', 'bittorrent-tracker').ratio >= 3,
    },
  ],
});
