/**
 * fast-check arbitraries of every tracker packet, built with their keys in
 * the order the machines emit them (the laws compare canonical text).
 */
import fc from 'fast-check';
import type {
  AnnounceOption,
  AnnounceRequest,
  AnnounceResponse,
  ConnectRequest,
  ConnectResponse,
  ErrorResponse,
  Peer,
  ScrapeRequest,
  ScrapeResponse,
} from '../../src/tracker/index.js';
import { ANNOUNCE_EVENTS, formatIPv6 } from '../../src/tracker/index.js';

export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
export const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
export const hash = fc.uint8Array({ minLength: 20, maxLength: 20 });

export const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
/** Groups biased to zero, so that runs of zeros (the `::` cases) are common. */
export const ipv6Bytes = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0xffff), u16), { minLength: 8, maxLength: 8 })
  .map((groups) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff])));
export const ipv6 = ipv6Bytes.map((b) => formatIPv6(b));

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const data = fc.uint8Array({ maxLength: 255 });

/** BEP 41 options: any mix, EndOfOptions only last. */
export const options: fc.Arbitrary<AnnounceOption[]> = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constant<AnnounceOption>({ type: 'nop' }),
        data.map((d): AnnounceOption => ({ type: 'urlData', data: d })),
        fc.record({ type: fc.constant('unknown' as const), code: fc.integer({ min: 3, max: 255 }), data }),
      ),
      { maxLength: 4 },
    ),
    fc.boolean(),
  )
  .map(([list, end]) => (end ? [...list, { type: 'end' as const }] : list));

export const connectRequest: fc.Arbitrary<ConnectRequest> = fc.record({
  type: fc.constant('connect' as const),
  transactionId: u32,
});

export const announceRequest: fc.Arbitrary<AnnounceRequest> = fc
  .record({
    type: fc.constant('announce' as const),
    connectionId: u64,
    transactionId: u32,
    infoHash: hash,
    peerId: hash,
    downloaded: u64,
    left: u64,
    uploaded: u64,
    event: fc.constantFrom(...ANNOUNCE_EVENTS),
    // 0.0.0.0 is the wire's "no address", which parses as null.
    ip: fc.option(
      ipv4.filter((ip) => ip !== '0.0.0.0'),
      { nil: null },
    ),
    key: u32,
    numWant: i32,
    port: u16,
    urlData: fc.constant(''),
    options,
  })
  .map((r) => ({
    ...r,
    urlData: r.options.map((o) => (o.type === 'urlData' ? latin1(o.data) : '')).join(''),
  }));

export const scrapeRequest: fc.Arbitrary<ScrapeRequest> = fc.record({
  type: fc.constant('scrape' as const),
  connectionId: u64,
  transactionId: u32,
  infoHashes: fc.array(hash, { minLength: 1, maxLength: 80 }),
});

export const connectResponse: fc.Arbitrary<ConnectResponse> = fc.record({
  type: fc.constant('connect' as const),
  transactionId: u32,
  connectionId: u64,
});

function announceResponse(ip: fc.Arbitrary<string>): fc.Arbitrary<AnnounceResponse> {
  const peers = fc.array(fc.record<Peer>({ ip, port: u16 }), { maxLength: 50 });
  const full = fc.record({
    type: fc.constant('announce' as const),
    transactionId: u32,
    interval: u32 as fc.Arbitrary<number | null>,
    leechers: u32 as fc.Arbitrary<number | null>,
    seeders: u32 as fc.Arbitrary<number | null>,
    peers,
  });
  // opentracker's 8-byte reply.
  const bare = u32.map(
    (transactionId): AnnounceResponse => ({
      type: 'announce',
      transactionId,
      interval: null,
      leechers: null,
      seeders: null,
      peers: [],
    }),
  );
  return fc.oneof({ arbitrary: full, weight: 4 }, { arbitrary: bare, weight: 1 });
}

export const ipv4AnnounceResponse = announceResponse(ipv4);
export const ipv6AnnounceResponse = announceResponse(ipv6);

export const scrapeResponse: fc.Arbitrary<ScrapeResponse> = fc.record({
  type: fc.constant('scrape' as const),
  transactionId: u32,
  entries: fc.array(fc.record({ seeders: u32, completed: u32, leechers: u32 }), { maxLength: 80 }),
});

export const errorResponse: fc.Arbitrary<ErrorResponse> = fc.record({
  type: fc.constant('error' as const),
  transactionId: u32,
  // Any well-formed text, a trailing NUL included (the serializer adds the one parsing strips).
  message: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string().map((m) => `${m}\0`),
  ),
});
