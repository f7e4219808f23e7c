/**
 * The in-memory swarms of a tracker: for each info hash, the peers that
 * announced it, until they stop or go quiet for longer than the peer timeout.
 *
 * Peers are kept with their address already in reply form (6 bytes for IPv4,
 * 18 for IPv6), so a reply copies bytes instead of parsing address text.
 *
 * @module
 */
import { type AddressFamily, type AnnounceEvent, writeIPv4, writeIPv6 } from '@wiremachine/protocols/tracker';

/** A peer as the swarm keeps it. */
interface PeerEntry {
  id: string;
  ip: string;
  port: number;
  family: AddressFamily;
  /** Address and port as an announce reply carries them. */
  compact: Uint8Array;
  seeder: boolean;
  expires: number;
  /** Position in `Swarm.list`. */
  index: number;
}

/** What an announce changes, and who announced. */
export interface SwarmAnnounce {
  /** The peer id, one char per byte. */
  peerId: string;
  event: AnnounceEvent;
  left: bigint;
  /** The address peers should use: dotted IPv4 or IPv6 text, of `family`. */
  ip: string;
  family: AddressFamily;
  port: number;
}

/** Counts of one swarm (BEP 15 scrape entry). */
export interface SwarmCounts {
  seeders: number;
  leechers: number;
  completed: number;
}

/** The peers of one info hash. */
export class Swarm implements SwarmCounts {
  seeders = 0;
  leechers = 0;
  completed = 0;
  private readonly peers = new Map<string, PeerEntry>();
  private readonly list: PeerEntry[] = [];
  /** No peer expires before this: sweeping earlier finds nothing. */
  private nextSweep = Number.POSITIVE_INFINITY;

  constructor(private readonly maxPeers: number) {}

  /** Peers held. */
  get size(): number {
    return this.list.length;
  }

  /** Add, refresh or (on `stopped`) remove the peer. */
  announce(a: SwarmAnnounce, now: number, timeout: number): void {
    this.sweep(now);
    const existing = this.peers.get(a.peerId);
    if (a.event === 'stopped') {
      if (existing !== undefined) this.remove(existing);
      return;
    }
    if (a.event === 'completed') this.completed++;
    const seeder = a.left === 0n;
    const expires = now + timeout;
    if (existing !== undefined) {
      if (existing.seeder !== seeder) {
        this.seeders += seeder ? 1 : -1;
        this.leechers += seeder ? -1 : 1;
        existing.seeder = seeder;
      }
      if (existing.ip !== a.ip || existing.port !== a.port) {
        existing.ip = a.ip;
        existing.port = a.port;
        existing.family = a.family;
        existing.compact = compact(a.ip, a.family, a.port);
      }
      existing.expires = expires;
      return;
    }
    if (this.list.length >= this.maxPeers) return;
    const entry: PeerEntry = {
      id: a.peerId,
      ip: a.ip,
      port: a.port,
      family: a.family,
      compact: compact(a.ip, a.family, a.port),
      seeder,
      expires,
      index: this.list.length,
    };
    this.peers.set(a.peerId, entry);
    this.list.push(entry);
    if (seeder) this.seeders++;
    else this.leechers++;
    if (expires < this.nextSweep) this.nextSweep = expires;
  }

  /**
   * Up to `n` peers of `family` other than `peerId`, in reply form, from a
   * random place in the list (`random` in [0, 1)).
   */
  select(family: AddressFamily, n: number, peerId: string, random: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const total = this.list.length;
    const start = Math.floor(random * total);
    for (let i = 0; i < total && out.length < n; i++) {
      const p = this.list[(start + i) % total];
      if (p.family === family && p.id !== peerId) out.push(p.compact);
    }
    return out;
  }

  /** Remove every peer whose timeout passed. */
  sweep(now: number): void {
    if (now < this.nextSweep) return;
    let next = Number.POSITIVE_INFINITY;
    for (let i = this.list.length - 1; i >= 0; i--) {
      const p = this.list[i];
      if (p.expires <= now) this.remove(p);
      else if (p.expires < next) next = p.expires;
    }
    this.nextSweep = next;
  }

  private remove(p: PeerEntry): void {
    this.peers.delete(p.id);
    const last = this.list.pop() as PeerEntry;
    if (last !== p) {
      this.list[p.index] = last;
      last.index = p.index;
    }
    if (p.seeder) this.seeders--;
    else this.leechers--;
  }
}

/** An address and port in announce-reply form. */
function compact(ip: string, family: AddressFamily, port: number): Uint8Array {
  const out = new Uint8Array(family === 'ipv4' ? 6 : 18);
  if (family === 'ipv4') writeIPv4(out, 0, ip);
  else writeIPv6(out, 0, ip);
  out[out.length - 2] = port >>> 8;
  out[out.length - 1] = port & 0xff;
  return out;
}

/** Options of {@link Swarms}. */
export interface SwarmsOptions {
  /** Milliseconds without an announce after which a peer is dropped. */
  peerTimeout: number;
  /** Swarms held at most; announces for new info hashes beyond it are answered but not recorded. */
  maxSwarms: number;
  /** Peers per swarm at most; new peers beyond it are answered but not recorded. */
  maxPeersPerSwarm: number;
}

/** Every swarm of a tracker, by info hash (one char per byte). */
export class Swarms {
  private readonly swarms = new Map<string, Swarm>();

  constructor(private readonly options: SwarmsOptions) {}

  /** Swarms held. */
  get size(): number {
    return this.swarms.size;
  }

  /** The swarm of `infoHash`, created for an announce that is not `stopped`; `undefined` otherwise. */
  get(infoHash: string, create: boolean): Swarm | undefined {
    let swarm = this.swarms.get(infoHash);
    if (swarm === undefined && create && this.swarms.size < this.options.maxSwarms) {
      swarm = new Swarm(this.options.maxPeersPerSwarm);
      this.swarms.set(infoHash, swarm);
    }
    return swarm;
  }

  /** Record an announce in its swarm; the swarm after it (`undefined` if none could be held). */
  announce(infoHash: string, a: SwarmAnnounce, now: number): Swarm | undefined {
    const swarm = this.get(infoHash, a.event !== 'stopped');
    if (swarm === undefined) return undefined;
    swarm.announce(a, now, this.options.peerTimeout);
    if (swarm.size === 0) this.swarms.delete(infoHash);
    return swarm;
  }

  /** The counts of `infoHash` now (zeros when unknown). */
  counts(infoHash: string, now: number): SwarmCounts {
    const swarm = this.swarms.get(infoHash);
    if (swarm === undefined) return { seeders: 0, leechers: 0, completed: 0 };
    swarm.sweep(now);
    return swarm;
  }

  /** Drop expired peers everywhere, and swarms left empty. */
  sweep(now: number): void {
    for (const [hash, swarm] of this.swarms) {
      swarm.sweep(now);
      if (swarm.size === 0) this.swarms.delete(hash);
    }
  }
}
