/**
 * `TrackerClient`: announces and scrapes over any datagram transport (UDP,
 * or a memory pair in tests). Each request is an exchange actor
 * ({@link exchangeMachine}); the client routes replies to them by
 * transaction id and keeps the connection id they share.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import {
  type AddressFamily,
  type AnnounceEvent,
  MAX_SCRAPE_HASHES,
  type Peer,
  parseResponse,
  type ScrapeEntry,
  serializeRequest,
  type TrackerResponse,
} from '@wiremachine/protocols/tracker';
import { AbortedError, type Peer as Address, type DatagramTransport } from '@wiremachine/transports';
import { type Actor, createActor } from 'xstate';
import { TrackerBadReplyError } from './errors.js';
import { type ExchangeHost, type ExchangeInput, exchangeMachine } from './exchange.js';

/** Options of {@link TrackerClient}. */
export interface TrackerClientOptions {
  /** The tracker's address, when the transport is not connected to it; replies from elsewhere are ignored. */
  tracker?: Address;
  /** The family of the datagrams (`ipv4` default): it decides the peer format of announce replies (BEP 15). */
  family?: AddressFamily;
  /** BEP 41 URL data (the path and query of the tracker URL) sent with every announce. Default `''`. */
  urlData?: string;
  /** Milliseconds before the first resend; the n-th waits `retransmitBase * 2^n`. Default 15,000 (BEP 15). */
  retransmitBase?: number;
  /** Resends of an exchange before it fails with `TrackerNoReplyError`. Default 8 (BEP 15). */
  maxRetransmits?: number;
  /** Milliseconds a connection id is used after it was received. Default 60,000 (BEP 15). */
  connectionIdTtl?: number;
  /** Info hashes per scrape datagram; more are split across datagrams. Default 74 (BEP 15). */
  maxScrapeHashes?: number;
  /** Source of transaction ids (u32). Default: `crypto.getRandomValues`. Tests pass a seeded one. */
  transactionIds?: () => number;
  /** The announce `key` (BEP 15). Default: drawn from `transactionIds` once per client. */
  key?: number;
  /** Clock for connection id expiry, in milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * The largest seeder or leecher count believed in a reply; a larger one is
   * a `TrackerBadReplyError`. Default 100,000,000: far above any swarm seen
   * (the largest public ones count peers in the millions), far below the
   * 4,294,967,295 (`0xffffffff`, -1 as a signed 32-bit integer) a broken or
   * hostile tracker sends. Scrapes' `completed` is a running total of
   * downloads and is not checked.
   */
  maxReportedPeers?: number;
}

/** What to announce. Byte counts are `bigint` or safe integers. */
export interface AnnounceParams {
  /** 20 bytes. */
  infoHash: Uint8Array;
  /** 20 bytes. */
  peerId: Uint8Array;
  /** The port the peer listens on. */
  port: number;
  /** Bytes still to download (0 for a seeder). */
  left: bigint | number;
  downloaded?: bigint | number;
  uploaded?: bigint | number;
  /** Default `'none'` (a regular announce). */
  event?: AnnounceEvent;
  /** Peers wanted; -1 (default) asks for the tracker's default. */
  numWant?: number;
  /** An IPv4 address to announce instead of the sender's (IPv4 only: BEP 15 wants 0 over IPv6). */
  ip?: string | null;
}

/** The tracker's answer to an announce. */
export interface AnnounceResult {
  /** Seconds until the next regular announce; `null` with the 8-byte reply some trackers send. */
  interval: number | null;
  leechers: number | null;
  seeders: number | null;
  /** Peers in the transport's family. */
  peers: Peer[];
}

/** Options of one request. */
export interface TrackerRequestOptions {
  /** Cancels the request: it rejects with `AbortedError`. */
  signal?: AbortSignal;
}

/** Counters of a client's datagrams. */
export interface TrackerClientStats {
  sent: number;
  received: number;
  /** Received datagrams that answered nothing: unparsable, an unknown transaction, a wrong action or sender. */
  ignored: number;
  /** Sends the transport refused (the exchange retransmits). */
  sendFailures: number;
}

type ExchangeActor = Actor<typeof exchangeMachine>;

/** Where replies to one exchange go: its current transaction id and its actor (set once created). */
interface Route {
  tid: number | null;
  actor: ExchangeActor | null;
}

/** The most a UDP datagram over IPv4 carries (65,535 - 8 - 20). */
const MAX_UDP_PAYLOAD = 65_507;

const samePeer = (a: Address, b: Address) => a.port === b.port && a.address === b.address;
const u64 = (v: bigint | number) => (typeof v === 'bigint' ? v : BigInt(v));
const randomU32 = () => crypto.getRandomValues(new Uint32Array(1))[0];

/**
 * A UDP tracker client over a datagram transport.
 *
 * @example
 * ```ts
 * const udp = await udpSocket({ type: 'udp4', connect: { address: '127.0.0.1', port: 6969 } });
 * const client = new TrackerClient(udp);
 * const { peers, interval } = await client.announce({ infoHash, peerId, port: 6881, left: 0n, event: 'started' });
 * client.close();
 * ```
 */
export class TrackerClient {
  /** Datagram counters. */
  readonly stats: TrackerClientStats = { sent: 0, received: 0, ignored: 0, sendFailures: 0 };
  /** The family of the transport's datagrams. */
  readonly family: AddressFamily;
  private readonly routes = new Map<number, Route>();
  private readonly running = new Set<ExchangeActor>();
  private connection: { id: bigint; receivedAt: number } | null = null;
  private readonly settings: Required<Omit<TrackerClientOptions, 'tracker' | 'family' | 'key'>> & { key: number };
  private closed = false;

  constructor(
    /** The datagram transport: connected to the tracker, or given `tracker`. */
    readonly transport: DatagramTransport,
    private readonly options: TrackerClientOptions = {},
  ) {
    this.family = options.family ?? 'ipv4';
    const transactionIds = options.transactionIds ?? randomU32;
    this.settings = {
      urlData: options.urlData ?? '',
      retransmitBase: positive('retransmitBase', options.retransmitBase ?? 15_000),
      maxRetransmits: count('maxRetransmits', options.maxRetransmits ?? 8),
      connectionIdTtl: positive('connectionIdTtl', options.connectionIdTtl ?? 60_000),
      maxScrapeHashes: count('maxScrapeHashes', options.maxScrapeHashes ?? MAX_SCRAPE_HASHES, 1),
      transactionIds,
      key: options.key ?? transactionIds() >>> 0,
      now: options.now ?? Date.now,
      maxReportedPeers: count('maxReportedPeers', options.maxReportedPeers ?? 100_000_000),
    };
    transport.start({ message: (data, from) => this.onMessage(data, from), end: (e) => this.onEnd(e) });
  }

  /**
   * Announce to the tracker (connecting first if no connection id is cached).
   * Rejects with `TrackerRefusedError`, `TrackerNoReplyError` or `AbortedError`.
   */
  async announce(params: AnnounceParams, options: TrackerRequestOptions = {}): Promise<AnnounceResult> {
    const ip = params.ip ?? null;
    if (ip !== null && this.family === 'ipv6') {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'an announce over IPv6 carries no IPv4 address (BEP 15)');
    }
    const request = {
      type: 'announce' as const,
      infoHash: params.infoHash,
      peerId: params.peerId,
      downloaded: u64(params.downloaded ?? 0n),
      left: u64(params.left),
      uploaded: u64(params.uploaded ?? 0n),
      event: params.event ?? 'none',
      ip,
      key: this.settings.key,
      numWant: params.numWant ?? -1,
      port: params.port,
      urlData: this.settings.urlData,
    };
    const response = await this.exchange(
      'announce',
      (connectionId, transactionId) => serializeRequest({ ...request, connectionId, transactionId }),
      options.signal,
    );
    const { interval, leechers, seeders, peers } = response as Extract<TrackerResponse, { type: 'announce' }>;
    // A client that obeyed interval 0 would announce without pause.
    if (interval === 0) throw new TrackerBadReplyError('an announce reply with interval 0');
    this.plausible('announce', 'seeders', seeders);
    this.plausible('announce', 'leechers', leechers);
    return { interval, leechers, seeders, peers };
  }

  /**
   * Scrape any number of info hashes: more than `maxScrapeHashes` are sent in
   * several datagrams at once and the entries merged back in order.
   */
  async scrape(infoHashes: readonly Uint8Array[], options: TrackerRequestOptions = {}): Promise<ScrapeEntry[]> {
    if (infoHashes.length === 0) return [];
    const size = this.settings.maxScrapeHashes;
    const chunks: Uint8Array[][] = [];
    for (let at = 0; at < infoHashes.length; at += size) chunks.push(infoHashes.slice(at, at + size));
    // One failure (or the caller's abort) cancels the other chunks.
    const inner = new AbortController();
    const outer = options.signal;
    const relay = () => inner.abort(outer?.reason);
    if (outer?.aborted) relay();
    outer?.addEventListener('abort', relay, { once: true });
    try {
      const parts = await Promise.all(
        chunks.map((chunk) =>
          this.scrapeChunk(chunk, inner.signal).catch((e: unknown) => {
            inner.abort(e);
            throw e;
          }),
        ),
      );
      return parts.flat();
    } finally {
      outer?.removeEventListener('abort', relay);
    }
  }

  /** Close the transport; pending requests reject with `AbortedError`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortAll('the client closed');
    this.transport.close();
  }

  private async scrapeChunk(infoHashes: Uint8Array[], signal: AbortSignal): Promise<ScrapeEntry[]> {
    const response = await this.exchange(
      'scrape',
      (connectionId, transactionId) => serializeRequest({ type: 'scrape', connectionId, transactionId, infoHashes }),
      signal,
    );
    const { entries } = response as Extract<TrackerResponse, { type: 'scrape' }>;
    if (entries.length < infoHashes.length) {
      throw new TrackerBadReplyError(`a scrape of ${infoHashes.length} info hashes got ${entries.length} entries`);
    }
    const mine = entries.slice(0, infoHashes.length);
    for (const e of mine) {
      this.plausible('scrape', 'seeders', e.seeders);
      this.plausible('scrape', 'leechers', e.leechers);
    }
    return mine;
  }

  /** Refuse a count no swarm can have ({@link TrackerClientOptions.maxReportedPeers}). */
  private plausible(phase: 'announce' | 'scrape', what: string, n: number | null): void {
    if (n !== null && n > this.settings.maxReportedPeers) {
      throw new TrackerBadReplyError(
        `a ${phase} reply with ${n} ${what}, more than maxReportedPeers (${this.settings.maxReportedPeers})`,
      );
    }
  }

  private exchange(
    phase: ExchangeInput['phase'],
    build: ExchangeInput['build'],
    signal: AbortSignal | undefined,
  ): Promise<TrackerResponse> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, `${phase} after close()`));
    // Refuse bad parameters here, synchronously, rather than inside the actor.
    const size = build(0n, 0).length;
    // Too long to send (URL data from a torrent's tracker URL, say): it would be resent until the last retry.
    if (size > MAX_UDP_PAYLOAD) {
      return Promise.reject(
        new WiremachineError(
          ErrorCode.INVALID_ARGUMENT,
          `the ${phase} would be a ${size}-byte datagram; UDP carries at most ${MAX_UDP_PAYLOAD} (is the URL data too long?)`,
        ),
      );
    }
    if (signal?.aborted) return Promise.reject(new AbortedError(`the ${phase}`, signal.reason));
    return new Promise((resolve, reject) => {
      const route: Route = { tid: null, actor: null };
      const actor: ExchangeActor = createActor(exchangeMachine, {
        input: { phase, build, host: this.host(route), ...this.timing() },
      });
      route.actor = actor;
      const onAbort = () => actor.send({ type: 'abort', reason: signal?.reason });
      const finish = () => {
        signal?.removeEventListener('abort', onAbort);
        this.running.delete(actor);
        if (route.tid !== null) this.routes.delete(route.tid);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      actor.subscribe({
        complete: () => {
          finish();
          const output = actor.getSnapshot().output;
          if (output?.ok) resolve(output.response);
          else
            reject(output?.error ?? new WiremachineError(ErrorCode.INVALID_STATE, 'the exchange ended without output'));
        },
        error: (e) => {
          finish();
          reject(e);
        },
      });
      this.running.add(actor);
      actor.start();
    });
  }

  private timing() {
    const { retransmitBase, maxRetransmits, connectionIdTtl } = this.settings;
    return { retransmitBase, maxRetransmits, connectionIdTtl };
  }

  private host(route: Route): ExchangeHost {
    return {
      send: (packet) => this.send(packet),
      transactionId: () => {
        if (route.tid !== null) this.routes.delete(route.tid);
        let tid = this.settings.transactionIds() >>> 0;
        // Never two exchanges on one transaction id (bounded: the draws are random).
        for (let i = 0; i < 16 && this.routes.has(tid); i++) tid = this.settings.transactionIds() >>> 0;
        this.routes.set(tid, route);
        route.tid = tid;
        return tid;
      },
      cachedConnection: () => {
        const c = this.connection;
        return c !== null && this.settings.now() - c.receivedAt < this.settings.connectionIdTtl ? c : null;
      },
      remember: (id, receivedAt) => {
        this.connection = { id, receivedAt };
      },
      forget: (id) => {
        if (this.connection?.id === id) this.connection = null;
      },
      now: () => this.settings.now(),
    };
  }

  private send(packet: Uint8Array): void {
    this.stats.sent++;
    this.transport.send(packet, this.options.tracker).catch(() => {
      this.stats.sendFailures++;
    });
  }

  private onMessage(data: Uint8Array, from: Address): void {
    this.stats.received++;
    if (this.options.tracker !== undefined && !samePeer(from, this.options.tracker)) {
      this.stats.ignored++;
      return;
    }
    let response: TrackerResponse;
    try {
      response = parseResponse(data, { family: this.family });
    } catch {
      this.stats.ignored++;
      return;
    }
    const actor = this.routes.get(response.transactionId)?.actor;
    if (actor == null) {
      this.stats.ignored++;
      return;
    }
    const before = actor.getSnapshot();
    actor.send({ type: 'reply', response });
    // A reply of the wrong action leaves the exchange as it was: ignored, not fatal (BEP 15).
    if (actor.getSnapshot() === before) this.stats.ignored++;
  }

  private onEnd(error: unknown): void {
    this.closed = true;
    this.abortAll(error ?? 'the transport closed');
  }

  private abortAll(reason: unknown): void {
    for (const actor of [...this.running]) actor.send({ type: 'abort', reason });
  }
}

function positive(name: string, v: number): number {
  if (!(v > 0 && v <= 2 ** 31 - 1)) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${name} must be a number of milliseconds > 0, got ${v}`);
  }
  return v;
}

function count(name: string, v: number, min = 0): number {
  if (!(Number.isInteger(v) && v >= min)) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${name} must be an integer >= ${min}, got ${v}`);
  }
  return v;
}
