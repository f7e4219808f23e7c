/**
 * The in-memory swarms of a tracker: for each info hash, the peers that
 * announced it, until they stop, go quiet for longer than the peer timeout,
 * or are evicted to keep the totals under their caps.
 *
 * - A peer is keyed by its address and port, never by its peer id: peer ids
 *   are public (every peer learns them in the BitTorrent handshake), so an
 *   announce from one address can neither remove (`stopped`) nor move the
 *   entry of another. The peer id is stored, not trusted.
 * - The key is the address and port in reply form (6 bytes for IPv4, 18 for
 *   IPv6), one char per byte: a reply copies it, and it costs no typed array.
 * - Every peer of every swarm is on one list, least recently announced first.
 *   The peer timeout is the same for all, so the head is also the next to
 *   expire: expiry pops the head, and a full tracker evicts it.
 * - Each swarm also lists its own peers in that order: a full swarm evicts
 *   its least recently announced peer for a new one.
 * - Swarms are kept in the order of their latest announce; a full tracker
 *   evicts the least recently announced swarm, with its peers.
 *
 * @module
 */
import { type AddressFamily, type AnnounceEvent, writeIPv4, writeIPv6 } from '@wiremachine/protocols/tracker';

/** A peer as the swarm keeps it. */
interface PeerEntry {
  /** Address and port as an announce reply carries them, one char per byte; the key in its swarm. */
  readonly key: string;
  /** The peer id it announced last, one char per byte (stored, not trusted). */
  id: string;
  seeder: boolean;
  expires: number;
  /** Position in `Swarm.list`. */
  index: number;
  readonly swarm: Swarm;
  /** Neighbours on the tracker-wide list, least recently announced first. */
  older: PeerEntry | null;
  newer: PeerEntry | null;
  /** Neighbours on its swarm's list, least recently announced first. */
  swarmOlder: PeerEntry | null;
  swarmNewer: PeerEntry | null;
}

/** What an announce changes, and who announced. */
export interface SwarmAnnounce {
  /** The peer id, one char per byte. */
  peerId: string;
  event: AnnounceEvent;
  left: bigint;
  /** The peer's address and port in reply form ({@link peerKey}). */
  key: string;
}

/** Counts of one swarm (BEP 15 scrape entry). */
export interface SwarmCounts {
  seeders: number;
  leechers: number;
  completed: number;
}

const scratch = new Uint8Array(18);

/**
 * An address and port in announce-reply form, one char per byte: 6 chars for
 * IPv4, 18 for IPv6. `ip` is dotted IPv4 or IPv6 text of `family`.
 */
export function peerKey(ip: string, family: AddressFamily, port: number): string {
  const size = family === 'ipv4' ? 6 : 18;
  if (family === 'ipv4') writeIPv4(scratch, 0, ip);
  else writeIPv6(scratch, 0, ip);
  scratch[size - 2] = port >>> 8;
  scratch[size - 1] = port & 0xff;
  return String.fromCharCode.apply(null, scratch.subarray(0, size) as unknown as number[]);
}

/** The family of a {@link peerKey}. */
const familyOf = (key: string): AddressFamily => (key.length === 6 ? 'ipv4' : 'ipv6');

/** The peers of one info hash. */
export class Swarm implements SwarmCounts {
  seeders = 0;
  leechers = 0;
  completed = 0;
  /** @internal By address and port. */
  readonly peers = new Map<string, PeerEntry>();
  /** @internal Every peer, for random selection. */
  readonly list: PeerEntry[] = [];
  /** @internal The swarm's peers, least recently announced first. */
  oldest: PeerEntry | null = null;
  /** @internal */
  newest: PeerEntry | null = null;

  constructor(
    /** The info hash, one char per byte. */
    readonly infoHash: string,
  ) {}

  /** Peers held. */
  get size(): number {
    return this.list.length;
  }

  /**
   * Up to `n` peers of `family` other than the one at `self` (the
   * announcer's key), in reply form, from a random place in the list
   * (`random` in [0, 1)).
   */
  select(family: AddressFamily, n: number, self: string, random: number): string[] {
    const out: string[] = [];
    const total = this.list.length;
    const start = Math.floor(random * total);
    for (let i = 0; i < total && out.length < n; i++) {
      const p = this.list[(start + i) % total];
      if (p.key !== self && familyOf(p.key) === family) out.push(p.key);
    }
    return out;
  }
}

/** Options of {@link Swarms}. */
export interface SwarmsOptions {
  /** Milliseconds without an announce after which a peer is dropped. */
  peerTimeout: number;
  /** Swarms held at most; a new one beyond it evicts the least recently announced swarm. */
  maxSwarms: number;
  /** Peers held at most, over all swarms; a new one beyond it evicts the least recently announced peer. */
  maxPeers: number;
  /** Peers per swarm at most; a new peer of a full swarm evicts its least recently announced peer. */
  maxPeersPerSwarm: number;
}

/** Every swarm of a tracker, by info hash (one char per byte). */
export class Swarms {
  /** In the order of their latest announce, least recent first. */
  private readonly swarms = new Map<string, Swarm>();
  /** The tracker-wide peer list: least recently announced (and next to expire) first. */
  private oldest: PeerEntry | null = null;
  private newest: PeerEntry | null = null;
  private peerTotal = 0;
  /** Counters of what the caps removed. */
  readonly evicted = { peers: 0, swarms: 0 };

  constructor(private readonly options: SwarmsOptions) {}

  /** Swarms held. */
  get size(): number {
    return this.swarms.size;
  }

  /** Peers held, over all swarms. */
  get peers(): number {
    return this.peerTotal;
  }

  /** The swarm of `infoHash`, if one is held. */
  get(infoHash: string): Swarm | undefined {
    return this.swarms.get(infoHash);
  }

  /**
   * Record an announce in its swarm: add, refresh or (on `stopped`) remove
   * the entry at the announcer's address and port, and no other. The swarm
   * after it (`undefined` if it holds no one).
   */
  announce(infoHash: string, a: SwarmAnnounce, now: number): Swarm | undefined {
    this.expire(now);
    let swarm = this.swarms.get(infoHash);
    const existing = swarm?.peers.get(a.key);
    if (a.event === 'stopped') {
      if (existing !== undefined) this.remove(existing);
      return swarm !== undefined && swarm.size > 0 ? swarm : undefined;
    }
    if (swarm === undefined) {
      if (this.swarms.size >= this.options.maxSwarms) this.evictSwarm();
      swarm = new Swarm(infoHash);
      this.swarms.set(infoHash, swarm);
    } else {
      // Most recently announced last.
      this.swarms.delete(infoHash);
      this.swarms.set(infoHash, swarm);
    }
    if (a.event === 'completed') swarm.completed++;
    const seeder = a.left === 0n;
    const expires = now + this.options.peerTimeout;
    if (existing !== undefined) {
      if (existing.seeder !== seeder) {
        swarm.seeders += seeder ? 1 : -1;
        swarm.leechers += seeder ? -1 : 1;
        existing.seeder = seeder;
      }
      existing.id = a.peerId;
      existing.expires = expires;
      this.unlink(existing);
      this.append(existing);
      return swarm;
    }
    // A full swarm makes room in itself; a full tracker, from its least recent peer anywhere.
    const victim =
      swarm.size >= this.options.maxPeersPerSwarm
        ? swarm.oldest
        : this.peerTotal >= this.options.maxPeers
          ? this.oldest
          : null;
    if (victim !== null) {
      this.remove(victim);
      this.evicted.peers++;
      // The evicted peer may have been the last of this very swarm.
      if (!this.swarms.has(infoHash)) this.swarms.set(infoHash, swarm);
    }
    const entry: PeerEntry = {
      key: a.key,
      id: a.peerId,
      seeder,
      expires,
      index: swarm.list.length,
      swarm,
      older: null,
      newer: null,
      swarmOlder: null,
      swarmNewer: null,
    };
    swarm.peers.set(a.key, entry);
    swarm.list.push(entry);
    if (seeder) swarm.seeders++;
    else swarm.leechers++;
    this.peerTotal++;
    this.append(entry);
    return swarm;
  }

  /** The counts of `infoHash` now (zeros when unknown). */
  counts(infoHash: string, now: number): SwarmCounts {
    this.expire(now);
    return this.swarms.get(infoHash) ?? { seeders: 0, leechers: 0, completed: 0 };
  }

  /** Drop expired peers everywhere, and swarms left empty. */
  sweep(now: number): void {
    this.expire(now);
  }

  /** Expired peers are at the head of the list: pop them. */
  private expire(now: number): void {
    while (this.oldest !== null && this.oldest.expires <= now) this.remove(this.oldest);
  }

  private evictSwarm(): void {
    const first = this.swarms.values().next();
    if (first.done) return;
    const swarm = first.value;
    this.evicted.swarms++;
    for (const p of [...swarm.list]) this.remove(p);
    this.swarms.delete(swarm.infoHash);
  }

  private remove(p: PeerEntry): void {
    const swarm = p.swarm;
    swarm.peers.delete(p.key);
    const last = swarm.list.pop() as PeerEntry;
    if (last !== p) {
      swarm.list[p.index] = last;
      last.index = p.index;
    }
    if (p.seeder) swarm.seeders--;
    else swarm.leechers--;
    this.unlink(p);
    this.peerTotal--;
    if (swarm.list.length === 0 && this.swarms.get(swarm.infoHash) === swarm) this.swarms.delete(swarm.infoHash);
  }

  private append(p: PeerEntry): void {
    const swarm = p.swarm;
    p.swarmOlder = swarm.newest;
    p.swarmNewer = null;
    if (swarm.newest !== null) swarm.newest.swarmNewer = p;
    else swarm.oldest = p;
    swarm.newest = p;
    p.older = this.newest;
    p.newer = null;
    if (this.newest !== null) this.newest.newer = p;
    else this.oldest = p;
    this.newest = p;
  }

  private unlink(p: PeerEntry): void {
    const swarm = p.swarm;
    if (p.swarmOlder !== null) p.swarmOlder.swarmNewer = p.swarmNewer;
    else swarm.oldest = p.swarmNewer;
    if (p.swarmNewer !== null) p.swarmNewer.swarmOlder = p.swarmOlder;
    else swarm.newest = p.swarmOlder;
    p.swarmOlder = null;
    p.swarmNewer = null;
    if (p.older !== null) p.older.newer = p.newer;
    else this.oldest = p.newer;
    if (p.newer !== null) p.newer.older = p.older;
    else this.newest = p.older;
    p.older = null;
    p.newer = null;
  }
}
