/**
 * A BitTorrent UDP tracker (BEP 15) on 127.0.0.1 and ::1.
 *
 *   node examples/dist/tracker-server.js [port]
 *
 * It prints its counters every 10 seconds; Ctrl-C stops it.
 *
 * @module
 */
import { listenTracker } from '@wiremachine/tracker';

const port = Number(process.argv[2] ?? 6969);
const tracker = await listenTracker({
  udp4: { address: '127.0.0.1', port },
  udp6: { address: '::1', port },
  announceInterval: 1800,
  rateLimit: { rate: 100, burst: 200 },
});
console.log(`tracker on udp://127.0.0.1:${tracker.udp4?.port}/announce and udp://[::1]:${tracker.udp6?.port}/announce`);

const report = setInterval(() => console.log(tracker.server.stats), 10_000);
process.once('SIGINT', () => {
  clearInterval(report);
  tracker.close();
});
