/**
 * The client and the server on `node:dgram` sockets.
 *
 * @module
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Peer } from '@wiremachine/transports';
import { type UdpTransport, udpSocket } from '@wiremachine/transports/node';
import { TrackerClient, type TrackerClientOptions } from './client.js';
import { TrackerServer, type TrackerServerOptions } from './server.js';
import { parseTrackerUrl } from './url.js';

/** Options of {@link connectTracker}. */
export type ConnectTrackerOptions = Omit<TrackerClientOptions, 'tracker' | 'family' | 'urlData'> & {
  /** Cancels binding and the name lookup. */
  signal?: AbortSignal;
};

/**
 * A client on a UDP socket connected to the tracker of `url`
 * (`udp://host:port/path?query`; the path and query go in BEP 41 URL data).
 * The socket's family follows the tracker's address: IPv6 trackers answer
 * with IPv6 peers.
 *
 * @example
 * ```ts
 * const client = await connectTracker('udp://127.0.0.1:6969/announce');
 * const { peers } = await client.announce({ infoHash, peerId, port: 6881, left: 0n });
 * client.close();
 * ```
 */
export async function connectTracker(url: string, options: ConnectTrackerOptions = {}): Promise<TrackerClient> {
  const { signal, ...rest } = options;
  const target = parseTrackerUrl(url);
  const address = isIP(target.host) === 0 ? (await lookup(target.host)).address : target.host;
  const ipv6 = isIP(address) === 6;
  const udp = await udpSocket({ type: ipv6 ? 'udp6' : 'udp4', connect: { address, port: target.port }, signal });
  return new TrackerClient(udp, { ...rest, family: ipv6 ? 'ipv6' : 'ipv4', urlData: target.urlData });
}

/** Where {@link listenTracker} binds: an address and port per family, or `false` for none. */
export interface ListenTrackerOptions extends TrackerServerOptions {
  /** Default `{ address: '127.0.0.1', port: 0 }`. */
  udp4?: Partial<Peer> | false;
  /** Default `{ address: '::1', port: 0 }`. */
  udp6?: Partial<Peer> | false;
}

/** A running tracker: its server, its bound addresses, and how to stop it. */
export interface RunningTracker {
  server: TrackerServer;
  /** Bound IPv4 address and port, when listening on IPv4. */
  udp4: Peer | null;
  /** Bound IPv6 address and port, when listening on IPv6. */
  udp6: Peer | null;
  /** Close the sockets. */
  close(): void;
}

/**
 * A tracker on UDP sockets, IPv4 and IPv6 by default (loopback, any port).
 *
 * @example
 * ```ts
 * const tracker = await listenTracker({ udp4: { address: '127.0.0.1', port: 6969 }, udp6: false });
 * console.log(tracker.udp4); // { address: '127.0.0.1', port: 6969 }
 * tracker.close();
 * ```
 */
export async function listenTracker(options: ListenTrackerOptions = {}): Promise<RunningTracker> {
  const { udp4, udp6, ...serverOptions } = options;
  const server = new TrackerServer(serverOptions);
  const sockets: UdpTransport[] = [];
  const bind = async (type: 'udp4' | 'udp6', where: Partial<Peer> | false | undefined) => {
    if (where === false) return null;
    const address = where?.address ?? (type === 'udp4' ? '127.0.0.1' : '::1');
    const udp = await udpSocket({ type, address, port: where?.port ?? 0 });
    sockets.push(udp);
    return udp;
  };
  try {
    const u4 = await bind('udp4', udp4);
    const u6 = await bind('udp6', udp6);
    for (const s of sockets) server.serve(s);
    return { server, udp4: u4?.local ?? null, udp6: u6?.local ?? null, close: () => server.close() };
  } catch (e) {
    for (const s of sockets) s.close();
    throw e;
  }
}
