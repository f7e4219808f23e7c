/**
 * `TrackerServer`: a UDP tracker (BEP 15, BEP 41) over any datagram
 * transport. `handle` turns one request datagram into its reply (or
 * nothing); `serve` runs it on a transport.
 *
 * Safety rules it keeps:
 * - connection ids carry no state per client ({@link ConnectionIds});
 * - a packet that is not authenticated by a valid connection id never gets a
 *   reply larger than itself (no amplification): a connect reply is 16 bytes
 *   like the request, an error reply is cut to the request's length;
 * - malformed datagrams get no reply at all;
 * - each source address has a token bucket for replies ({@link RateLimiter}).
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import {
  type AddressFamily,
  type AnnounceRequest,
  parseRequest,
  type ScrapeRequest,
  Size,
  serializeResponse,
  type TrackerRequest,
} from '@wiremachine/protocols/tracker';
import type { DatagramTransport, Peer } from '@wiremachine/transports';
import { peerAddress } from './address.js';
import { type ConnectionIdOptions, ConnectionIds } from './connection-id.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { peerKey, Swarms } from './swarm.js';

/** Options of {@link TrackerServer}. */
export interface TrackerServerOptions {
  /** Seconds clients should wait between announces (the reply's `interval`). Default 1800. */
  announceInterval?: number;
  /** Milliseconds without an announce after which a peer is dropped. Default twice the interval. */
  peerTimeout?: number;
  /** Peers given when the client asks for the default (`numWant` -1). Default 50. */
  defaultNumWant?: number;
  /** Peers given at most. Default 74: an IPv6 reply then fits a 1,500-byte MTU. */
  maxNumWant?: number;
  /** Secret and lifetime of connection ids. */
  connectionIds?: ConnectionIdOptions;
  /** Per-address token buckets, or `false` for none (a benchmark's single load generator). */
  rateLimit?: RateLimitOptions | false;
  /** Record the IPv4 address an announce names instead of its sender's. Default `false`: it lets anyone enlist a victim. */
  trustAnnounceIp?: boolean;
  /**
   * Swarms held at most. Default 100,000. A new info hash beyond it evicts
   * the swarm announced to least recently, with its peers.
   */
  maxSwarms?: number;
  /**
   * Peers held at most, over all swarms. Default 1,000,000 (about 230 MiB of
   * heap, see the README). A new peer beyond it evicts the peer announced
   * least recently, wherever it is.
   */
  maxPeers?: number;
  /** Peers per swarm at most; a new peer of a full swarm evicts its least recently announced peer. Default 10,000. */
  maxPeersPerSwarm?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Random numbers in [0, 1) for choosing peers. Default `Math.random`. */
  random?: () => number;
}

/** Counters of a tracker server. */
export interface TrackerServerStats {
  received: number;
  connects: number;
  announces: number;
  scrapes: number;
  /** Datagrams that were not a request (too short, unknown action, bad protocol id, ...): no reply. */
  malformed: number;
  /** Announces and scrapes with a connection id that is not (or no longer) valid: an error reply. */
  badConnectionId: number;
  /** Requests dropped because their address had no token left. */
  rateLimited: number;
  /** Peers evicted because `maxPeers` or `maxPeersPerSwarm` was reached (least recently announced first). */
  evictedPeers: number;
  /** Swarms evicted because `maxSwarms` was reached (least recently announced first). */
  evictedSwarms: number;
  /** Datagrams whose handling threw (a bug, never the sender's doing): dropped, the server goes on. */
  internalErrors: number;
  /** Replies handed to a transport. */
  replies: number;
  sendFailures: number;
}

/** For replies that carry no peers, the family changes nothing. */
const V4 = { family: 'ipv4' } as const;

const BAD_CONNECTION_ID = new TextEncoder().encode('bad connection id');

/** One char per byte: a Map key for an info hash or a peer id. */
const key = (b: Uint8Array) => String.fromCharCode.apply(null, b as unknown as number[]);

/**
 * A UDP tracker with in-memory swarms.
 *
 * @example
 * ```ts
 * const server = new TrackerServer({ announceInterval: 1800 });
 * server.serve(await udpSocket({ type: 'udp4', address: '127.0.0.1', port: 6969 }));
 * // later
 * server.close();
 * ```
 */
export class TrackerServer {
  /** Counters. */
  readonly stats: TrackerServerStats = {
    received: 0,
    connects: 0,
    announces: 0,
    scrapes: 0,
    malformed: 0,
    badConnectionId: 0,
    rateLimited: 0,
    evictedPeers: 0,
    evictedSwarms: 0,
    internalErrors: 0,
    replies: 0,
    sendFailures: 0,
  };
  private readonly ids: ConnectionIds;
  private readonly limiter: RateLimiter | null;
  private readonly swarms: Swarms;
  private readonly transports = new Set<DatagramTransport>();
  private readonly interval: number;
  private readonly defaultNumWant: number;
  private readonly maxNumWant: number;
  private readonly trustAnnounceIp: boolean;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(options: TrackerServerOptions = {}) {
    this.interval = options.announceInterval ?? 1800;
    if (!(Number.isInteger(this.interval) && this.interval > 0 && this.interval <= 0xffff_ffff)) {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `announceInterval must be whole seconds > 0`);
    }
    this.defaultNumWant = options.defaultNumWant ?? 50;
    this.maxNumWant = options.maxNumWant ?? 74;
    this.trustAnnounceIp = options.trustAnnounceIp ?? false;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.ids = new ConnectionIds(options.connectionIds);
    this.limiter = options.rateLimit === false ? null : new RateLimiter(options.rateLimit);
    const limit = (name: string, v: number) => {
      if (!(Number.isInteger(v) && v >= 1)) {
        throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${name} must be an integer >= 1, got ${v}`);
      }
      return v;
    };
    this.swarms = new Swarms({
      peerTimeout: options.peerTimeout ?? this.interval * 2000,
      maxSwarms: limit('maxSwarms', options.maxSwarms ?? 100_000),
      maxPeers: limit('maxPeers', options.maxPeers ?? 1_000_000),
      maxPeersPerSwarm: limit('maxPeersPerSwarm', options.maxPeersPerSwarm ?? 10_000),
    });
  }

  /** Swarms held now. */
  get swarmCount(): number {
    return this.swarms.size;
  }

  /** Peers held now, over all swarms. */
  get peerCount(): number {
    return this.swarms.peers;
  }

  /**
   * The reply to one request datagram from `from`, or `null` when none is
   * due (malformed, rate limited).
   */
  handle(datagram: Uint8Array, from: Peer): Uint8Array | null {
    this.stats.received++;
    let request: TrackerRequest;
    try {
      request = parseRequest(datagram);
    } catch {
      this.stats.malformed++;
      return null;
    }
    const now = this.now();
    if (this.limiter !== null && !this.limiter.take(from.address, now)) {
      this.stats.rateLimited++;
      return null;
    }
    if (request.type === 'connect') {
      this.stats.connects++;
      const connectionId = this.ids.issue(from.address, from.port, now);
      return serializeResponse({ type: 'connect', transactionId: request.transactionId, connectionId }, V4);
    }
    if (!this.ids.verify(request.connectionId, from.address, from.port, now)) {
      this.stats.badConnectionId++;
      return this.error(request.transactionId, BAD_CONNECTION_ID, datagram.length);
    }
    return request.type === 'announce' ? this.announce(request, from, now) : this.scrape(request, now);
  }

  /** Answer every datagram `transport` receives. Several transports (IPv4 and IPv6) may be served. */
  serve(transport: DatagramTransport): void {
    this.transports.add(transport);
    transport.start({
      message: (data, from) => {
        let reply: Uint8Array | null;
        try {
          reply = this.handle(data, from);
        } catch {
          // Thrown out of a socket's message event, it would end the process: one datagram must not.
          this.stats.internalErrors++;
          return;
        }
        if (reply === null) return;
        this.stats.replies++;
        transport.send(reply, from).catch(() => {
          this.stats.sendFailures++;
        });
      },
      end: () => {
        this.transports.delete(transport);
      },
    });
  }

  /** Drop every expired peer now (they are also dropped as their swarms are used). */
  sweep(): void {
    this.swarms.sweep(this.now());
  }

  /** Close every served transport. */
  close(): void {
    for (const t of [...this.transports]) t.close();
    this.transports.clear();
  }

  private announce(request: AnnounceRequest, from: Peer, now: number): Uint8Array {
    this.stats.announces++;
    const sender = peerAddress(from.address);
    const family: AddressFamily = sender.family;
    const ip = this.trustAnnounceIp && request.ip !== null && family === 'ipv4' ? request.ip : sender.ip;
    const infoHash = key(request.infoHash);
    const port = request.port === 0 ? from.port : request.port;
    // The entry is keyed by address and port: the peer id is stored, never used to find someone else's entry.
    const self = ip === null ? null : peerKey(ip, family, port);
    // A sender with no IP address (a memory transport) is answered but not recorded.
    const swarm =
      self === null
        ? this.swarms.get(infoHash)
        : this.swarms.announce(
            infoHash,
            { peerId: key(request.peerId), event: request.event, left: request.left, key: self },
            now,
          );
    this.stats.evictedPeers = this.swarms.evicted.peers;
    this.stats.evictedSwarms = this.swarms.evicted.swarms;
    const wanted = Math.min(request.numWant < 0 ? this.defaultNumWant : request.numWant, this.maxNumWant);
    const peers =
      swarm === undefined || request.event === 'stopped' ? [] : swarm.select(family, wanted, self ?? '', this.random());
    const header = serializeResponse(
      {
        type: 'announce',
        transactionId: request.transactionId,
        interval: this.interval,
        leechers: swarm?.leechers ?? 0,
        seeders: swarm?.seeders ?? 0,
        peers: [],
      },
      { family },
    );
    if (peers.length === 0) return header;
    const size = family === 'ipv4' ? Size.IPV4_PEER : Size.IPV6_PEER;
    const out = new Uint8Array(Size.ANNOUNCE_RESPONSE + size * peers.length);
    out.set(header, 0);
    for (let i = 0; i < peers.length; i++) {
      const p = peers[i];
      const at = Size.ANNOUNCE_RESPONSE + size * i;
      for (let j = 0; j < size; j++) out[at + j] = p.charCodeAt(j);
    }
    return out;
  }

  private scrape(request: ScrapeRequest, now: number): Uint8Array {
    this.stats.scrapes++;
    const entries = request.infoHashes.map((h) => {
      const { seeders, completed, leechers } = this.swarms.counts(key(h), now);
      return { seeders, completed, leechers };
    });
    return serializeResponse({ type: 'scrape', transactionId: request.transactionId, entries }, V4);
  }

  /** An error reply no longer than `limit` bytes (the request's length): never an amplifier. */
  private error(transactionId: number, message: Uint8Array, limit: number): Uint8Array {
    const room = Math.max(0, Math.min(message.length, limit - Size.RESPONSE_HEADER));
    const out = new Uint8Array(Size.RESPONSE_HEADER + room);
    out.set(serializeResponse({ type: 'error', transactionId, message: '' }, V4).subarray(0, Size.RESPONSE_HEADER), 0);
    out.set(message.subarray(0, room), Size.RESPONSE_HEADER);
    return out;
  }
}
