import { type DatagramTransport, memoryDatagramPair } from '@wiremachine/transports';
import { udpSocket } from '@wiremachine/transports/node';
import { afterEach, describe, expect, test } from 'vitest';
import { connectTracker, listenTracker, TrackerClient, TrackerServer } from '../src/index.js';
import { hash20, seeded, seededIds, sleep, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

const announce = (peer: number) => ({ infoHash: hash20(1), peerId: hash20(peer), port: 6000 + peer, left: 1n });

describe('a lossy network (memory datagrams, seeded)', () => {
  test('30% of datagrams lost (and some reordered) still completes through retransmission', async () => {
    const [a, b]: DatagramTransport[] = memoryDatagramPair({ drop: 0.3, reorder: 0.1, seed: 1234 });
    const client = new TrackerClient(a, { retransmitBase: 5, transactionIds: seededIds(99) });
    const server = new TrackerServer();
    server.serve(b);
    open.push(client, server);
    for (let i = 0; i < 20; i++) {
      const r = await within(client.announce(announce(i)), 10_000);
      expect(r.interval).toBe(1800);
    }
    const hashes = Array.from({ length: 150 }, (_, i) => hash20(i));
    expect(await within(client.scrape(hashes), 10_000)).toHaveLength(150);
    // Every request was answered, and the losses were made up by resending.
    expect(server.stats.announces + server.stats.scrapes).toBeGreaterThanOrEqual(23);
    expect(client.stats.sent).toBeGreaterThan(server.stats.received);
  });
});

describe('a tracker that restarts (real UDP on 127.0.0.1)', () => {
  test('a new secret refuses the cached id: the client connects again and the announce succeeds', async () => {
    const first = await listenTracker({ udp6: false, connectionIds: { secret: new Uint8Array(32).fill(1) } });
    const port = first.udp4?.port as number;
    const client = await connectTracker(`udp://127.0.0.1:${port}`, { retransmitBase: 50 });
    open.push(client);
    await within(client.announce(announce(1)));
    first.close();
    const second = await listenTracker({
      udp6: false,
      udp4: { port },
      connectionIds: { secret: new Uint8Array(32).fill(2) },
    });
    open.push(second);
    expect((await within(client.announce(announce(1)))).leechers).toBe(1);
    expect(second.server.stats).toMatchObject({ badConnectionId: 1, connects: 1, announces: 1 });
  });

  test('a request sent while the tracker is down completes once it is back', async () => {
    const first = await listenTracker({ udp6: false });
    const port = first.udp4?.port as number;
    const client = await connectTracker(`udp://127.0.0.1:${port}`, { retransmitBase: 40 });
    open.push(client);
    await within(client.announce(announce(1)));
    first.close();
    const pending = client.announce(announce(2));
    await sleep(150);
    const second = await listenTracker({ udp6: false, udp4: { port } });
    open.push(second);
    expect((await within(pending)).leechers).toBe(1);
    expect(second.server.stats.connects).toBe(1);
  });
});

describe('a flood of junk (real UDP on 127.0.0.1)', () => {
  test('junk datagrams get no reply and do not stop legitimate clients', async () => {
    const t = await listenTracker({ udp6: false });
    open.push(t);
    const to = t.udp4 as { address: string; port: number };
    const flooder = await udpSocket({ type: 'udp4', connect: to });
    open.push(flooder);
    const replies: Uint8Array[] = [];
    flooder.start({ message: (d) => replies.push(d), end: () => {} });
    const random = seeded(77);
    const junk = () => {
      const kind = Math.floor(random() * 3);
      const d = Uint8Array.from({ length: 8 + Math.floor(random() * 120) }, () => Math.floor(random() * 256));
      if (kind === 1 && d.length >= 16) d.set([0, 0, 4, 23, 39, 16, 25, 128, 0, 0, 0, 7]); // protocol id, action 7
      if (kind === 2 && d.length >= 16) d.set([0, 0, 4, 23, 39, 16, 25, 129, 0, 0, 0, 0]); // bad protocol id
      return d;
    };
    const rounds = 300;
    let round = 0;
    const flood = (async () => {
      for (; round < rounds; round++) {
        await Promise.all(Array.from({ length: 50 }, () => flooder.send(junk()).catch(() => {})));
        await sleep(1);
      }
    })();
    while (round < 10) await sleep(1);
    const clients = await Promise.all(
      Array.from({ length: 4 }, () => connectTracker(`udp://127.0.0.1:${to.port}`, { retransmitBase: 50 })),
    );
    open.push(...clients);
    const results = await within(
      Promise.all(clients.map((c, i) => c.announce({ ...announce(i), event: 'started' }))),
      10_000,
    );
    // The legitimate announces were answered while the flood went on.
    expect(round).toBeLessThan(rounds);
    await flood;
    expect(results.map((r) => r.interval)).toEqual([1800, 1800, 1800, 1800]);
    expect(Math.max(...results.map((r) => r.leechers as number))).toBe(4);
    expect(t.server.stats.malformed).toBeGreaterThan(5000);
    expect(t.server.stats.announces).toBeGreaterThanOrEqual(4);
    expect(replies).toEqual([]);
  });
});
