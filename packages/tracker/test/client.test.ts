import {
  parseRequest,
  serializeResponse,
  type TrackerRequest,
  type TrackerResponse,
} from '@wiremachine/protocols/tracker';
import { AbortedError, type DatagramTransport, memoryDatagramPair } from '@wiremachine/transports';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  TrackerBadReplyError,
  TrackerClient,
  type TrackerClientOptions,
  TrackerNoReplyError,
  TrackerRefusedError,
  TrackerServer,
  TrackerSessionErrorCode,
} from '../src/index.js';
import { hash20, rejection, seededIds, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const open: { close(): void }[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const o of open.splice(0)) o.close();
});

const announce = { infoHash: hash20(1), peerId: hash20(2), port: 6881, left: 100n };
const fast: TrackerClientOptions = { retransmitBase: 20, transactionIds: seededIds(7) };

/** A scripted tracker on the far end of a memory pair: `answer` returns the replies to each request. */
function scripted(end: DatagramTransport, answer: (r: TrackerRequest, n: number) => TrackerResponse[]) {
  const seen: { request: TrackerRequest; at: number }[] = [];
  end.start({
    message: (data, from) => {
      const request = parseRequest(data);
      seen.push({ request, at: Date.now() });
      for (const reply of answer(request, seen.length))
        void end.send(serializeResponse(reply, { family: 'ipv4' }), from);
    },
    end: () => {},
  });
  return seen;
}

function pair(options: TrackerClientOptions = fast) {
  const [a, b] = memoryDatagramPair();
  const client = new TrackerClient(a, options);
  open.push(client, b);
  return { client, far: b };
}

const connectReply = (r: TrackerRequest, connectionId = 0x1122334455667788n): TrackerResponse => ({
  type: 'connect',
  transactionId: r.transactionId,
  connectionId,
});
const announceReply = (r: TrackerRequest): TrackerResponse => ({
  type: 'announce',
  transactionId: r.transactionId,
  interval: 900,
  leechers: 3,
  seeders: 4,
  peers: [{ ip: '10.0.0.1', port: 51413 }],
});

describe('exchanges with a scripted tracker', () => {
  test('connect, then announce with the connection id; a fresh transaction id for each request', async () => {
    const { client, far } = pair();
    const seen = scripted(far, (r) => [r.type === 'connect' ? connectReply(r) : announceReply(r)]);
    const result = await within(client.announce({ ...announce, event: 'started' }));
    expect(result).toEqual({ interval: 900, leechers: 3, seeders: 4, peers: [{ ip: '10.0.0.1', port: 51413 }] });
    expect(seen.map((s) => s.request.type)).toEqual(['connect', 'announce']);
    const sent = seen[1].request as Extract<TrackerRequest, { type: 'announce' }>;
    expect(sent.connectionId).toBe(0x1122334455667788n);
    expect(sent.event).toBe('started');
    expect(sent.left).toBe(100n);
    expect(sent.numWant).toBe(-1);
    expect(seen[0].request.transactionId).not.toBe(seen[1].request.transactionId);
  });

  test('replies that do not match are ignored, not fatal: wrong transaction, wrong action, junk', async () => {
    const { client, far } = pair();
    scripted(far, (r) => {
      const other = { ...connectReply(r), transactionId: (r.transactionId + 1) >>> 0 };
      if (r.type === 'connect') return [other, announceReply(r), connectReply(r)];
      return [{ ...announceReply(r), transactionId: (r.transactionId ^ 1) >>> 0 }, connectReply(r), announceReply(r)];
    });
    void far.send(Uint8Array.of(1, 2, 3));
    const result = await within(client.announce(announce));
    expect(result.interval).toBe(900);
    // Per request: a reply to another transaction and one of the wrong action; plus the 3-byte junk.
    expect(client.stats.ignored).toBe(5);
  });

  test('the connection id is cached for a minute, then connect again', async () => {
    let now = 1_000_000;
    const { client, far } = pair({ ...fast, now: () => now });
    const seen = scripted(far, (r) => [r.type === 'connect' ? connectReply(r) : announceReply(r)]);
    await client.announce(announce);
    now += 59_999;
    await client.announce(announce);
    now += 1;
    await client.announce(announce);
    expect(seen.map((s) => s.request.type)).toEqual(['connect', 'announce', 'announce', 'connect', 'announce']);
  });

  test('an error packet is a typed error carrying the message', async () => {
    const { client, far } = pair();
    scripted(far, (r) =>
      r.type === 'connect'
        ? [connectReply(r)]
        : [{ type: 'error', transactionId: r.transactionId, message: 'torrent not registered' }],
    );
    const e = await rejection(client.announce(announce));
    expect(e).toBeInstanceOf(TrackerRefusedError);
    expect(e.code).toBe('WIREMACHINE_ERR_TRACKER_REFUSED');
    expect(e.phase).toBe('announce');
    expect(e.trackerMessage).toBe('torrent not registered');
  });

  test('an error to a cached connection id connects again once, then surfaces', async () => {
    let refuse = false;
    const { client, far } = pair();
    const seen = scripted(far, (r) => {
      if (r.type === 'connect') return [connectReply(r)];
      return refuse
        ? [{ type: 'error', transactionId: r.transactionId, message: 'bad connection id' }]
        : [announceReply(r)];
    });
    await client.announce(announce);
    refuse = true;
    const e = await rejection(client.announce(announce));
    expect(e).toBeInstanceOf(TrackerRefusedError);
    expect(seen.map((s) => s.request.type)).toEqual(['connect', 'announce', 'announce', 'connect', 'announce']);
  });

  test('scrapes of more than 74 info hashes are split across datagrams and merged in order', async () => {
    const { client, far } = pair();
    const sizes: number[] = [];
    scripted(far, (r) => {
      if (r.type === 'connect') return [connectReply(r)];
      const hashes = (r as Extract<TrackerRequest, { type: 'scrape' }>).infoHashes;
      sizes.push(hashes.length);
      const entries = hashes.map((h) => ({ seeders: h[0], completed: h[1], leechers: h[0] + h[1] }));
      return [{ type: 'scrape', transactionId: r.transactionId, entries }];
    });
    const hashes = Array.from({ length: 200 }, (_, i) =>
      Uint8Array.from({ length: 20 }, (_, j) => (j === 0 ? i : i >> 8)),
    );
    const entries = await within(client.scrape(hashes));
    expect(sizes.sort((x, y) => y - x)).toEqual([74, 74, 52]);
    expect(entries).toEqual(hashes.map((h) => ({ seeders: h[0], completed: h[1], leechers: h[0] + h[1] })));
  });

  test('AbortSignal cancels a request; close() rejects what is pending', async () => {
    const { client, far } = pair({ ...fast, retransmitBase: 10_000 });
    scripted(far, () => []);
    const ac = new AbortController();
    const pending = client.announce(announce, { signal: ac.signal });
    ac.abort(new Error('user'));
    const e = await rejection(pending);
    expect(e).toBeInstanceOf(AbortedError);
    expect(e.cause).toEqual(new Error('user'));
    const second = client.scrape([hash20(9)]);
    client.close();
    expect(await rejection(second)).toBeInstanceOf(AbortedError);
    await expect(client.announce(announce)).rejects.toMatchObject({ code: 'WIREMACHINE_ERR_INVALID_STATE' });
  });

  test('IPv6 announces refuse an IPv4 address field', async () => {
    const { client } = pair({ ...fast, family: 'ipv6' });
    await expect(client.announce({ ...announce, ip: '10.0.0.1' })).rejects.toMatchObject({
      code: 'WIREMACHINE_ERR_INVALID_ARGUMENT',
    });
  });
});

describe('retransmission (BEP 15: 15 * 2^n seconds, n = 0..8), on fake timers', () => {
  test('resends at 0, 15, 45, 105, ... s with the real base, then gives up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { client, far } = pair({ transactionIds: seededIds(3) });
    const start = Date.now();
    const seen = scripted(far, () => []);
    const result = rejection(client.announce(announce));
    await vi.advanceTimersByTimeAsync(15_000 * (2 ** 9 - 1) + 1);
    const e = await result;
    expect(e).toBeInstanceOf(TrackerNoReplyError);
    expect(e).toMatchObject({ code: 'WIREMACHINE_ERR_TRACKER_NO_REPLY', phase: 'connect', attempts: 9 });
    expect(seen.map((s) => (s.at - start) / 1000)).toEqual([0, 15, 45, 105, 225, 465, 945, 1905, 3825]);
    // A resend repeats the datagram: a late reply to the first still counts.
    expect(new Set(seen.map((s) => s.request.transactionId)).size).toBe(1);
  });

  test('an announce that goes unanswered past the connection id lifetime connects again first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { client, far } = pair({ retransmitBase: 15_000, transactionIds: seededIds(4) });
    const start = Date.now();
    const seen = scripted(far, (r, n) =>
      r.type === 'connect' ? [connectReply(r, BigInt(n))] : n > 5 ? [announceReply(r)] : [],
    );
    const result = client.announce(announce);
    await vi.advanceTimersByTimeAsync(400_000);
    expect((await result).seeders).toBe(4);
    // announce at 0 s, 15 s, 45 s; at 105 s the id (received at 0) is over a minute old: connect, then announce.
    expect(seen.map((s) => [s.request.type, (s.at - start) / 1000])).toEqual([
      ['connect', 0],
      ['announce', 0],
      ['announce', 15],
      ['announce', 45],
      ['connect', 105],
      ['announce', 105],
    ]);
    expect((seen[5].request as { connectionId: bigint }).connectionId).toBe(5n);
  });
});

describe('against our own server over memory', () => {
  test('announce and scrape through TrackerServer', async () => {
    const { client, far } = pair();
    const server = new TrackerServer();
    server.serve(far);
    const first = await client.announce({ ...announce, event: 'started' });
    expect(first).toMatchObject({ interval: 1800, peers: [] });
    const [entry] = await client.scrape([announce.infoHash]);
    expect(entry).toEqual({ seeders: 0, completed: 0, leechers: 0 });
    expect(server.stats).toMatchObject({ connects: 1, announces: 1, scrapes: 1 });
  });
});

describe('replies that are well formed but cannot be right', () => {
  test('an announce reply with interval 0 is a typed error (a client that obeyed it would announce without pause)', async () => {
    const { client, far } = pair();
    scripted(far, (r) => [r.type === 'connect' ? connectReply(r) : { ...announceReply(r), interval: 0 }]);
    const e = await within(rejection(client.announce(announce)));
    expect(e).toBeInstanceOf(TrackerBadReplyError);
    expect(e.code).toBe(TrackerSessionErrorCode.BAD_REPLY);
    expect(e.message).toMatch(/interval 0/);
  });

  test('seeder or leecher counts beyond maxReportedPeers are a typed error, in announces and scrapes', async () => {
    const { client, far } = pair();
    scripted(far, (r) => {
      if (r.type === 'connect') return [connectReply(r)];
      if (r.type === 'scrape')
        return [
          {
            type: 'scrape',
            transactionId: r.transactionId,
            entries: [{ seeders: 1, completed: 2, leechers: 0xffff_ffff }],
          },
        ];
      return [{ ...announceReply(r), leechers: 0xffff_ffff }];
    });
    const e = await within(rejection(client.announce(announce)));
    expect(e).toBeInstanceOf(TrackerBadReplyError);
    expect(e.message).toMatch(/4294967295 leechers/);
    expect(await within(rejection(client.scrape([hash20(1)])))).toBeInstanceOf(TrackerBadReplyError);
  });

  test('counts up to maxReportedPeers pass; the limit is an option', async () => {
    const { client, far } = pair({ ...fast, maxReportedPeers: 1000 });
    scripted(far, (r) => [r.type === 'connect' ? connectReply(r) : { ...announceReply(r), seeders: 1000 }]);
    expect((await within(client.announce(announce))).seeders).toBe(1000);
    const strict = pair({ ...fast, maxReportedPeers: 999 });
    scripted(strict.far, (r) => [r.type === 'connect' ? connectReply(r) : { ...announceReply(r), seeders: 1000 }]);
    expect(await within(rejection(strict.client.announce(announce)))).toBeInstanceOf(TrackerBadReplyError);
    expect(() => new TrackerClient(memoryDatagramPair()[0], { maxReportedPeers: -1 })).toThrow(/maxReportedPeers/);
  });
});

describe('requests that cannot be sent', () => {
  test('an announce longer than a UDP datagram (a 70,000-byte URL) is refused at once, nothing sent', async () => {
    const { client } = pair({ ...fast, urlData: `/announce?${'a'.repeat(70_000)}` });
    const e = await within(rejection(client.announce(announce)));
    expect(e.code).toBe('WIREMACHINE_ERR_INVALID_ARGUMENT');
    expect(e.message).toMatch(/datagram/);
    expect(client.stats.sent).toBe(0);
  });
});

describe('a hostile tracker', () => {
  test('a flood of replies with wrong transaction ids is ignored; the right one still answers', async () => {
    const { client, far } = pair();
    scripted(far, (r) => {
      const wrong = Array.from({ length: 500 }, (_, i) => ({
        ...(r.type === 'connect' ? connectReply(r) : announceReply(r)),
        transactionId: (r.transactionId + 1 + i) >>> 0,
      }));
      return [...wrong, r.type === 'connect' ? connectReply(r) : announceReply(r)];
    });
    expect((await within(client.announce(announce))).interval).toBe(900);
    expect(client.stats.ignored).toBe(1000);
  });

  test('replies that never carry the right transaction id end in TrackerNoReplyError, with nothing left pending', async () => {
    const { client, far } = pair({ ...fast, maxRetransmits: 2 });
    const seen = scripted(far, (r) => [{ ...connectReply(r), transactionId: (r.transactionId ^ 0x8000_0000) >>> 0 }]);
    const e = await within(rejection(client.announce(announce)));
    expect(e).toBeInstanceOf(TrackerNoReplyError);
    expect(seen).toHaveLength(3);
    expect(client.stats.ignored).toBe(3);
  });

  test('the largest announce reply a datagram can hold (10,914 peers) is parsed whole', async () => {
    const { client, far } = pair();
    const peers = Array.from({ length: 10_914 }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}`, port: 1 + i }));
    scripted(far, (r) => [r.type === 'connect' ? connectReply(r) : { ...announceReply(r), peers }]);
    const result = await within(client.announce(announce));
    expect(result.peers).toHaveLength(10_914);
    expect(result.peers[10_913]).toEqual({ ip: '10.0.42.161', port: 10_914 });
  });
});
