/**
 * Announce to a UDP tracker and print the peers, then scrape.
 *
 *   node examples/dist/tracker-announce.js udp://127.0.0.1:6969/announce <info hash in hex>
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { connectTracker, TrackerNoReplyError, TrackerRefusedError } from '@wiremachine/tracker';

const [url = 'udp://127.0.0.1:6969/announce', hash = '0123456789abcdef0123456789abcdef01234567'] =
  process.argv.slice(2);
const infoHash = Uint8Array.from(Buffer.from(hash, 'hex'));
const peerId = Uint8Array.from(Buffer.concat([Buffer.from('-WS0001-'), randomBytes(12)]));

// BEP 15 waits 15 s before the first resend; a short base suits a tracker on this machine.
const client = await connectTracker(url, { retransmitBase: 1000, maxRetransmits: 3 });
try {
  const reply = await client.announce(
    { infoHash, peerId, port: 6881, left: 0n, event: 'started' },
    { signal: AbortSignal.timeout(30_000) },
  );
  console.log(`interval ${reply.interval} s, ${reply.seeders} seeders, ${reply.leechers} leechers`);
  for (const peer of reply.peers) console.log(`  peer ${peer.ip} port ${peer.port}`);
  const [counts] = await client.scrape([infoHash]);
  console.log('scrape', counts);
} catch (e) {
  if (e instanceof TrackerRefusedError) console.error(`the tracker refused: ${e.trackerMessage}`);
  else if (e instanceof TrackerNoReplyError) console.error(`no reply after ${e.attempts} datagrams`);
  else throw e;
  process.exitCode = 1;
} finally {
  client.close();
}
