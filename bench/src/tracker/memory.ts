/**
 * `node bench/dist/tracker/memory.js [--peers N] [--swarms S]`: the heap a
 * tracker peer costs. Announces N peers (default 200,000), each from its own
 * IPv4 address and port, spread over S swarms (default 100), through
 * `TrackerServer.handle` (connect, then announce, as a client would), and
 * prints the heap growth after a full collection divided by N.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseResponse, serializeRequest } from '@wiremachine/protocols/tracker';
import { TrackerServer } from '@wiremachine/tracker';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? d : Number(process.argv[i + 1]);
};
const peers = arg('peers', 200_000);
const swarms = arg('swarms', 100);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const hash = (n: number) => {
  const h = new Uint8Array(20);
  new DataView(h.buffer).setUint32(0, n);
  return h;
};
const infoHashes = Array.from({ length: swarms }, (_, i) => hash(i + 1));

const server = new TrackerServer({ rateLimit: false, maxPeers: peers, maxPeersPerSwarm: peers });
// Warm the code paths (and drop what they held) before the baseline.
const before = heap();
const started = performance.now();
for (let i = 0; i < peers; i++) {
  const from = { address: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`, port: 1024 + (i % 60_000) };
  const reply = server.handle(serializeRequest({ type: 'connect', transactionId: i }), from);
  const connect = parseResponse(reply as Uint8Array, { family: 'ipv4' });
  if (connect.type !== 'connect') throw new Error('no connect reply');
  server.handle(
    serializeRequest({
      type: 'announce',
      connectionId: connect.connectionId,
      transactionId: i,
      infoHash: infoHashes[i % swarms],
      peerId: hash(0x8000_0000 + i),
      downloaded: 0n,
      left: BigInt(i % 2),
      uploaded: 0n,
      event: 'started',
      ip: null,
      key: 0,
      numWant: 0,
      port: 0,
    }),
    from,
  );
}
const seconds = (performance.now() - started) / 1000;
const after = heap();
if (server.peerCount !== peers) throw new Error(`${server.peerCount} of ${peers} peers held`);
const perPeer = (after - before) / peers;
console.log(
  `${peers} peers in ${server.swarmCount} swarms: heap +${((after - before) / 2 ** 20).toFixed(1)} MiB, ` +
    `${perPeer.toFixed(0)} bytes a peer (announced in ${seconds.toFixed(1)} s)`,
);
