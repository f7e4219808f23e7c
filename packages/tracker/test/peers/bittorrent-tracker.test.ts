import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectTracker, listenTracker, type RunningTracker } from '../../src/index.js';
import { hash20, hashOf, sleep, watchUnhandledRejections, within } from '../helpers.js';

watchUnhandledRejections();

// PEERS.md: the root import pulls in WebRTC; import the server alone, and the UDP client module alone.
const serverModule = 'bittorrent-tracker/server';
const { default: Server } = await import(serverModule);
const clientModule = new URL('../../node_modules/bittorrent-tracker/lib/client/udp-tracker.js', import.meta.url).href;
const { default: UDPTracker } = await import(clientModule);

let server: any;
let ports = { udp4: 0, udp6: 0 };

beforeAll(async () => {
  server = new Server({ http: false, ws: false, stats: false });
  server.on('warning', () => {});
  await new Promise<void>((resolve) => server.listen(0, { udp: '127.0.0.1', udp6: '::1' }, resolve));
  ports = { udp4: server.udp4.address().port, udp6: server.udp6.address().port };
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const announce = (peer: number, left = 100n) => ({
  infoHash: hash20(0x11),
  peerId: hash20(peer),
  port: 7000 + peer,
  left,
  event: 'started' as const,
});

describe('our client against the bittorrent-tracker server', () => {
  test('IPv4: announces see each other; a scrape of 100 hashes goes in two datagrams', async () => {
    const a = await connectTracker(`udp://127.0.0.1:${ports.udp4}`, { retransmitBase: 500 });
    const b = await connectTracker(`udp://127.0.0.1:${ports.udp4}`, { retransmitBase: 500 });
    try {
      // It lists the announcing peer itself among the peers.
      const first = await within(a.announce(announce(1, 0n)));
      expect(first).toMatchObject({ seeders: 1, leechers: 0, peers: [{ ip: '127.0.0.1', port: 7001 }] });
      const second = await within(b.announce(announce(2)));
      expect(second).toMatchObject({ seeders: 1, leechers: 1 });
      expect(second.peers).toContainEqual({ ip: '127.0.0.1', port: 7001 });
      const hashes = [hash20(0x11), ...Array.from({ length: 99 }, (_, i) => hashOf(i))];
      const entries = await within(b.scrape(hashes));
      expect(entries).toHaveLength(100);
      // It counts a peer that starts with nothing left as a completed download.
      expect(entries[0]).toEqual({ seeders: 1, completed: 1, leechers: 1 });
      expect(entries.slice(1).every((e) => e.seeders === 0 && e.leechers === 0)).toBe(true);
      expect(b.stats.sent).toBe(4); // connect, announce, two scrapes on the cached id
    } finally {
      a.close();
      b.close();
    }
  });

  test('IPv6 on ::1: an announce and its counts (it gives no IPv6 peers over UDP)', async () => {
    const a = await connectTracker(`udp://[::1]:${ports.udp6}`, { retransmitBase: 500 });
    try {
      const r = await within(a.announce({ ...announce(3), infoHash: hash20(0x66) }));
      expect(r).toMatchObject({ leechers: 1, seeders: 0, peers: [] }); // its IPv6 peer is filtered out
      expect(r.interval).toBeGreaterThan(0);
    } finally {
      a.close();
    }
  });
});

/** bittorrent-tracker's UDP client module, with the few fields it reads from its parent client. */
function theirClient(url: string, peer: number) {
  const parent = Object.assign(new EventEmitter(), {
    infoHash: '22'.repeat(20),
    _infoHashBuffer: hash20(0x22),
    _peerIdBuffer: hash20(peer),
    _port: 9000 + peer,
    _defaultAnnounceOpts: () => ({}),
  });
  return { parent, tracker: new UDPTracker(parent, url) };
}

describe('the bittorrent-tracker client against our server', () => {
  let ours: RunningTracker;
  beforeAll(async () => {
    ours = await listenTracker({ udp6: false, announceInterval: 120 });
  });
  afterAll(() => ours.close());

  test('announce (update and peer events), then scrape', async () => {
    const url = `udp://127.0.0.1:${ours.udp4?.port}`;
    const first = theirClient(url, 1);
    const second = theirClient(url, 2);
    try {
      const updated = new Promise<any>((r) => first.parent.once('update', r));
      first.tracker.announce({ event: 'started', left: 0, downloaded: 0, uploaded: 0, numwant: 50 });
      expect(await within(updated)).toMatchObject({ complete: 1, incomplete: 0 });
      const update = new Promise<any>((r) => second.parent.once('update', r));
      const peer = new Promise<string>((r) => second.parent.once('peer', r));
      second.tracker.announce({ event: 'started', left: 500, downloaded: 0, uploaded: 0, numwant: 50 });
      expect(await within(update)).toMatchObject({ complete: 1, incomplete: 1 });
      expect(await within(peer)).toBe('127.0.0.1:9001');
      const scraped = new Promise<any>((r) => second.parent.once('scrape', r));
      second.tracker.scrape({});
      expect(await within(scraped)).toMatchObject({ infoHash: '22'.repeat(20), complete: 1, incomplete: 1 });
      expect(ours.server.stats).toMatchObject({ connects: 3, announces: 2, scrapes: 1, malformed: 0 });
    } finally {
      await new Promise((r) => first.tracker.destroy(r));
      await new Promise((r) => second.tracker.destroy(r));
      await sleep(0);
    }
  });
});
