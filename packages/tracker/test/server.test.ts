import { parseResponse, serializeRequest, type TrackerResponse } from '@wiremachine/protocols/tracker';
import { memoryDatagramPair } from '@wiremachine/transports';
import { describe, expect, test } from 'vitest';
import { ConnectionIds, peerAddress, RateLimiter, TrackerServer, type TrackerServerOptions } from '../src/index.js';
import { hash20, seeded } from './helpers.js';

const secret = new Uint8Array(32).fill(7);

/** A server on a clock the test moves, and a client's view of it from one address. */
function setup(options: TrackerServerOptions = {}) {
  const clock = { now: 1_700_000_000_000 };
  const server = new TrackerServer({ connectionIds: { secret }, now: () => clock.now, random: seeded(5), ...options });
  let tid = 1;
  const ask = (from: { address: string; port: number }, request: Parameters<typeof serializeRequest>[0]) => {
    const reply = server.handle(serializeRequest(request), from);
    const family = peerAddress(from.address).family;
    return reply === null ? null : parseResponse(reply, { family });
  };
  const connect = (from: { address: string; port: number }) =>
    (ask(from, { type: 'connect', transactionId: tid++ }) as Extract<TrackerResponse, { type: 'connect' }>)
      .connectionId;
  const announce = (
    from: { address: string; port: number },
    fields: {
      peer: number;
      hash?: number;
      left?: bigint;
      event?: 'none' | 'started' | 'stopped' | 'completed';
      numWant?: number;
    },
    connectionId = connect(from),
  ) =>
    ask(from, {
      type: 'announce',
      connectionId,
      transactionId: tid++,
      infoHash: hash20(fields.hash ?? 1),
      peerId: hash20(fields.peer),
      downloaded: 0n,
      left: fields.left ?? 10n,
      uploaded: 0n,
      event: fields.event ?? 'started',
      ip: null,
      key: 0,
      numWant: fields.numWant ?? -1,
      port: 6000 + fields.peer,
    }) as Extract<TrackerResponse, { type: 'announce' }>;
  return { server, clock, ask, connect, announce };
}

const v4 = (n: number) => ({ address: `10.0.0.${n}`, port: 40000 + n });
const v6 = (n: number) => ({ address: `2001:db8::${n}`, port: 40000 + n });

describe('connection ids', () => {
  test('derived from the secret, the address, the port and the time: no state, accepted for 2 to 3 minutes', () => {
    const ids = new ConnectionIds({ secret });
    const t = 1_700_000_000_000;
    const id = ids.issue('10.0.0.1', 4000, t);
    expect(new ConnectionIds({ secret }).verify(id, '10.0.0.1', 4000, t)).toBe(true);
    expect(new ConnectionIds({ secret: new Uint8Array(32) }).verify(id, '10.0.0.1', 4000, t)).toBe(false);
    expect(ids.verify(id, '10.0.0.1', 4001, t)).toBe(false);
    expect(ids.verify(id, '10.0.0.2', 4000, t)).toBe(false);
    expect(ids.verify(id, '10.0.0.1', 4000, t + 120_000)).toBe(true);
    expect(ids.verify(id, '10.0.0.1', 4000, t + 180_000)).toBe(false);
    // Issued at the very end of a bucket, it still lives 2 minutes.
    const late = Math.ceil(t / 60_000) * 60_000 - 1;
    expect(ids.verify(ids.issue('::1', 1, late), '::1', 1, late + 120_000)).toBe(true);
  });

  test('an announce with a wrong or expired id gets an error reply no longer than itself', () => {
    const { server, clock, announce, connect } = setup();
    const id = connect(v4(1));
    const wrong = announce(v4(1), { peer: 1 }, id ^ 1n) as unknown as TrackerResponse;
    expect(wrong).toMatchObject({ type: 'error', message: 'bad connection id' });
    clock.now += 180_000;
    expect(announce(v4(1), { peer: 1 }, id) as unknown as TrackerResponse).toMatchObject({ type: 'error' });
    expect(server.stats.badConnectionId).toBe(2);
  });
});

describe('serving a transport', () => {
  test('a datagram whose handling throws is dropped and counted; the server goes on', async () => {
    // A clock that fails once, on the second datagram: any fault inside handle() would do.
    let calls = 0;
    const server = new TrackerServer({
      now: () => {
        if (++calls === 2) throw new Error('boom');
        return 1_700_000_000_000;
      },
    });
    const [near, far] = memoryDatagramPair();
    const replies: Uint8Array[] = [];
    near.start({ message: (d) => replies.push(d), end: () => {} });
    server.serve(far);
    const send = (request: Parameters<typeof serializeRequest>[0]) => near.send(serializeRequest(request));
    await send({ type: 'connect', transactionId: 1 });
    await new Promise((r) => setTimeout(r, 10));
    const connectionId = (parseResponse(replies[0], { family: 'ipv4' }) as { connectionId: bigint }).connectionId;
    const announceOf = (transactionId: number) => ({
      type: 'announce' as const,
      connectionId,
      transactionId,
      infoHash: hash20(1),
      peerId: hash20(2),
      downloaded: 0n,
      left: 0n,
      uploaded: 0n,
      event: 'none' as const,
      ip: null,
      key: 0,
      numWant: -1,
      port: 1,
    });
    await send(announceOf(2));
    await send(announceOf(3));
    await new Promise((r) => setTimeout(r, 10));
    expect(server.stats.internalErrors).toBe(1);
    expect(replies.map((r) => parseResponse(r, { family: 'ipv4' }).transactionId)).toEqual([1, 3]);
    server.close();
    near.close();
  });
});

describe('announces and the swarm', () => {
  test('peers of the same family, never the announcer; counts; the interval', () => {
    const { announce } = setup({ announceInterval: 900 });
    expect(announce(v4(1), { peer: 1 })).toMatchObject({ interval: 900, leechers: 1, seeders: 0, peers: [] });
    announce(v6(2), { peer: 2, left: 0n });
    const third = announce(v4(3), { peer: 3 });
    expect(third).toMatchObject({ leechers: 2, seeders: 1 });
    expect(third.peers).toEqual([{ ip: '10.0.0.1', port: 6001 }]);
    const overV6 = announce(v6(4), { peer: 4 });
    expect(overV6.peers).toEqual([{ ip: '2001:db8::2', port: 6002 }]);
  });

  test('a link-local IPv6 sender with a zone id (as node:dgram reports it) is answered and listed without the zone', () => {
    const { server, announce } = setup();
    expect(announce({ address: 'fe80::1%eth0', port: 5 }, { peer: 1 })).toMatchObject({ leechers: 1 });
    expect(announce({ address: 'fe80::2%2', port: 5 }, { peer: 2 }).peers).toEqual([{ ip: 'fe80::1', port: 6001 }]);
    expect(server.peerCount).toBe(2);
  });

  test('an IPv4-mapped sender is an IPv4 peer', () => {
    const { announce } = setup();
    announce({ address: '::ffff:10.1.2.3', port: 5 }, { peer: 1 });
    expect(announce(v4(2), { peer: 2 }).peers).toEqual([{ ip: '10.1.2.3', port: 6001 }]);
  });

  test('stopped removes the peer; completed counts; a seeder is left 0', () => {
    const { server, announce, ask, connect } = setup();
    announce(v4(1), { peer: 1 });
    announce(v4(2), { peer: 2 });
    announce(v4(1), { peer: 1, left: 0n, event: 'completed' });
    expect(announce(v4(3), { peer: 3 })).toMatchObject({ seeders: 1, leechers: 2 });
    expect(announce(v4(2), { peer: 2, event: 'stopped' })).toMatchObject({ leechers: 1, peers: [] });
    const scrape = ask(v4(9), {
      type: 'scrape',
      connectionId: connect(v4(9)),
      transactionId: 77,
      infoHashes: [hash20(1), hash20(8)],
    });
    expect(scrape).toEqual({
      type: 'scrape',
      transactionId: 77,
      entries: [
        { seeders: 1, completed: 1, leechers: 1 },
        { seeders: 0, completed: 0, leechers: 0 },
      ],
    });
    expect(server.stats).toMatchObject({ announces: 5, scrapes: 1 });
  });

  test('hijack by peer id, stop: a stopped from another address never removes the peer it names', () => {
    const { announce } = setup({ random: () => 0 });
    announce(v4(1), { peer: 1 });
    // Peer ids are public (every peer learns them in the handshake): another address announces the victim's.
    expect(announce(v4(66), { peer: 1, event: 'stopped' })).toMatchObject({ leechers: 1, peers: [] });
    const third = announce(v4(3), { peer: 3 });
    expect(third).toMatchObject({ leechers: 2 });
    expect(third.peers).toEqual([{ ip: '10.0.0.1', port: 6001 }]);
    // The victim's own stop still removes it.
    announce(v4(1), { peer: 1, event: 'stopped' });
    expect(announce(v4(3), { peer: 3 })).toMatchObject({ leechers: 1, peers: [] });
  });

  test('hijack by peer id, redirect: a started from another address never rewrites the peer it names', () => {
    const { announce } = setup({ random: () => 0 });
    announce(v4(1), { peer: 1, left: 0n });
    // The attacker's announce is recorded as its own entry, at its own address.
    announce(v4(66), { peer: 1 });
    const third = announce(v4(3), { peer: 3 });
    expect(third).toMatchObject({ seeders: 1, leechers: 2 });
    expect(third.peers).toHaveLength(2);
    expect(third.peers).toEqual(
      expect.arrayContaining([
        { ip: '10.0.0.1', port: 6001 },
        { ip: '10.0.0.66', port: 6001 },
      ]),
    );
    // Over IPv6 too: another family's announce with the victim's id leaves its IPv4 entry alone.
    announce(v6(66), { peer: 1, event: 'stopped' });
    expect(announce(v4(3), { peer: 3 }).peers).toContainEqual({ ip: '10.0.0.1', port: 6001 });
  });

  test('peers are keyed by address and port: the same address on another port is another peer', () => {
    const { announce, ask, connect } = setup({ random: () => 0 });
    announce(v4(1), { peer: 1 });
    const from = v4(1);
    const other = ask(from, {
      type: 'announce',
      connectionId: connect(from),
      transactionId: 5,
      infoHash: hash20(1),
      peerId: hash20(1),
      downloaded: 0n,
      left: 0n,
      uploaded: 0n,
      event: 'started',
      ip: null,
      key: 0,
      numWant: -1,
      port: 7777,
    }) as Extract<TrackerResponse, { type: 'announce' }>;
    expect(other).toMatchObject({ seeders: 1, leechers: 1 });
    // Its own address and port is never given back to it; the other port is.
    expect(other.peers).toEqual([{ ip: '10.0.0.1', port: 6001 }]);
  });

  test('peers that stop announcing expire after the peer timeout', () => {
    const { server, clock, announce } = setup({ announceInterval: 60, peerTimeout: 120_000 });
    announce(v4(1), { peer: 1 });
    clock.now += 100_000;
    announce(v4(2), { peer: 2 });
    clock.now += 20_000;
    expect(announce(v4(3), { peer: 3 })).toMatchObject({ leechers: 2, peers: [{ ip: '10.0.0.2', port: 6002 }] });
    clock.now += 300_000;
    server.sweep();
    expect(server.swarmCount).toBe(0);
  });

  test('maxPeers caps the peers of all swarms: the least recently announced is evicted first', () => {
    const { server, clock, announce } = setup({ maxPeers: 3 });
    announce(v4(1), { peer: 1, hash: 1 });
    clock.now += 1000;
    announce(v4(2), { peer: 2, hash: 2 });
    clock.now += 1000;
    announce(v4(3), { peer: 3, hash: 1 });
    clock.now += 1000;
    // Peer 1 announces again: peer 2 is now the least recent.
    announce(v4(1), { peer: 1, hash: 1 });
    expect(announce(v4(4), { peer: 4, hash: 3 })).toMatchObject({ leechers: 1 });
    expect(server.peerCount).toBe(3);
    expect(server.stats.evictedPeers).toBe(1);
    // Peer 2 was alone in its swarm: the swarm went with it.
    expect(server.swarmCount).toBe(2);
    // Peer 5 is recorded by evicting the least recent now, peer 3, before its reply is made.
    expect(announce(v4(5), { peer: 5, hash: 1, numWant: 10 }).peers).toEqual([{ ip: '10.0.0.1', port: 6001 }]);
    expect(server.stats.evictedPeers).toBe(2);
    // Then peer 1 (announced at the same time as peer 4, but before it).
    expect(announce(v4(6), { peer: 6, hash: 1, numWant: 10 }).peers).toEqual([{ ip: '10.0.0.5', port: 6005 }]);
    expect(server.peerCount).toBe(3);
  });

  test('maxPeersPerSwarm: a new peer of a full swarm evicts its least recently announced peer', () => {
    const { server, clock, announce } = setup({ maxPeersPerSwarm: 2, random: () => 0 });
    announce(v4(1), { peer: 1 });
    clock.now += 1000;
    announce(v4(2), { peer: 2 });
    announce(v4(9), { peer: 9, hash: 2 });
    clock.now += 1000;
    announce(v4(1), { peer: 1 });
    // Newcomers are recorded: peer 2 (the least recent of this swarm) makes room, not peer 9 of another.
    expect(announce(v4(3), { peer: 3, numWant: 10 }).peers).toEqual([{ ip: '10.0.0.1', port: 6001 }]);
    expect(announce(v4(4), { peer: 4, numWant: 10 }).peers).toEqual([{ ip: '10.0.0.3', port: 6003 }]);
    expect(server.peerCount).toBe(3);
    expect(server.stats.evictedPeers).toBe(2);
  });

  test('maxSwarms caps the swarms: the least recently announced swarm is evicted, with its peers', () => {
    const { server, ask, connect, announce } = setup({ maxSwarms: 2 });
    announce(v4(1), { peer: 1, hash: 1 });
    announce(v4(2), { peer: 2, hash: 2 });
    announce(v4(3), { peer: 3, hash: 1 });
    announce(v4(4), { peer: 4, hash: 3 });
    expect(server.swarmCount).toBe(2);
    expect(server.peerCount).toBe(3);
    expect(server.stats.evictedSwarms).toBe(1);
    const scrape = ask(v4(9), {
      type: 'scrape',
      connectionId: connect(v4(9)),
      transactionId: 1,
      infoHashes: [hash20(1), hash20(2), hash20(3)],
    });
    expect(scrape).toMatchObject({
      entries: [
        { seeders: 0, leechers: 2 },
        { seeders: 0, leechers: 0 },
        { seeders: 0, leechers: 1 },
      ],
    });
  });

  test('a flood of peers from many addresses stays under maxPeers, and expiry still works', () => {
    const { server, clock, ask, connect } = setup({ maxPeers: 500, rateLimit: false, peerTimeout: 60_000 });
    for (let i = 0; i < 3000; i++) {
      const from = { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1000 + (i % 50) };
      ask(from, {
        type: 'announce',
        connectionId: connect(from),
        transactionId: i,
        infoHash: hash20(i % 40),
        peerId: hash20(i),
        downloaded: 0n,
        left: 1n,
        uploaded: 0n,
        event: 'started',
        ip: null,
        key: 0,
        numWant: 0,
        port: 0,
      });
      expect(server.peerCount).toBeLessThanOrEqual(500);
    }
    expect(server.peerCount).toBe(500);
    expect(server.stats.evictedPeers).toBe(2500);
    clock.now += 60_000;
    server.sweep();
    expect([server.peerCount, server.swarmCount]).toEqual([0, 0]);
  });

  test('caps must be whole numbers of at least 1', () => {
    expect(() => new TrackerServer({ maxPeers: 0 })).toThrow(/maxPeers/);
    expect(() => new TrackerServer({ maxSwarms: 1.5 })).toThrow(/maxSwarms/);
  });

  test('numWant is honoured up to the maximum, from a random place in the swarm', () => {
    const { announce } = setup({ maxNumWant: 5 });
    for (let i = 1; i <= 30; i++) announce(v4(i), { peer: i });
    expect(announce(v4(40), { peer: 40 }).peers).toHaveLength(5);
    expect(announce(v4(41), { peer: 41, numWant: 3 }).peers).toHaveLength(3);
    expect(announce(v4(42), { peer: 42, numWant: 0 }).peers).toHaveLength(0);
    const starts = new Set(Array.from({ length: 8 }, (_, i) => announce(v4(50 + i), { peer: 50 + i }).peers[0].port));
    expect(starts.size).toBeGreaterThan(1);
  });
});

describe('abuse', () => {
  test('per-address rate limiting: a burst, then drops, then the rate', () => {
    const { server, clock, ask } = setup({ rateLimit: { rate: 10, burst: 20 } });
    const replies = () =>
      Array.from({ length: 50 }, (_, i) => ask(v4(1), { type: 'connect', transactionId: i })).filter((r) => r !== null)
        .length;
    expect(replies()).toBe(20);
    expect(ask(v4(2), { type: 'connect', transactionId: 1 })).not.toBeNull();
    clock.now += 1000;
    expect(replies()).toBe(10);
    expect(server.stats.rateLimited).toBe(70);
  });

  test('the limiter forgets idle addresses first and stays bounded', () => {
    const limiter = new RateLimiter({ rate: 1, burst: 1, maxAddresses: 100 });
    for (let i = 0; i < 1000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`, i);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  test('no amplification: a reply to anything not authenticated is never larger than the datagram', () => {
    const { server, connect } = setup({ rateLimit: false });
    const random = seeded(11);
    const valid = [
      serializeRequest({ type: 'connect', transactionId: 1 }),
      serializeRequest({ type: 'scrape', connectionId: 5n, transactionId: 2, infoHashes: [hash20(1)] }),
      serializeRequest({
        type: 'announce',
        connectionId: connect(v4(1)) ^ 1n,
        transactionId: 3,
        infoHash: hash20(1),
        peerId: hash20(2),
        downloaded: 0n,
        left: 0n,
        uploaded: 0n,
        event: 'none',
        ip: null,
        key: 0,
        numWant: 200,
        port: 1,
      }),
    ];
    let replies = 0;
    for (let i = 0; i < 5000; i++) {
      const base = valid[i % valid.length];
      const d =
        i % 4 === 0
          ? Uint8Array.from({ length: Math.floor(random() * 120) }, () => Math.floor(random() * 256))
          : base.slice(0, Math.max(1, base.length - Math.floor(random() * 3) * Math.floor(random() * base.length)));
      if (i % 4 === 1) d[Math.floor(random() * d.length)] ^= 1 << Math.floor(random() * 8);
      const reply = server.handle(d, v4(1 + (i % 200)));
      if (reply === null) continue;
      replies++;
      expect(reply.length).toBeLessThanOrEqual(d.length);
    }
    expect(replies).toBeGreaterThan(500);
    expect(server.stats.malformed).toBeGreaterThan(1000);
  });
});
