/**
 * `node:dgram` UDP sockets, IPv4 and IPv6, connected or not, as
 * {@link DatagramTransport}s: run a protocol on them with
 * `datagramEndpoint` (each datagram is parsed whole, on its own).
 *
 * @module
 */
import * as dgram from 'node:dgram';
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import type { DatagramSink, DatagramTransport, Peer } from '../datagram.js';
import { withDeadline } from '../deadline.js';
import { TransportError } from '../errors.js';

/** Options of {@link udpSocket}. */
export interface UdpOptions {
  /** `udp4` (default) or `udp6`. */
  type?: 'udp4' | 'udp6';
  /** Local address to bind. Default: the loopback address of the family. */
  address?: string;
  /** Local port to bind. Default 0 (any free port). */
  port?: number;
  /** Connect to this peer: `send` needs no address, and only its datagrams arrive. */
  connect?: Peer;
  /** Cancels binding and connecting. */
  signal?: AbortSignal;
  /** `SO_RCVBUF` and `SO_SNDBUF`, when given. */
  receiveBufferSize?: number;
  sendBufferSize?: number;
}

const view = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * A bound (and maybe connected) UDP socket.
 *
 * @example
 * ```ts
 * const server = await udpSocket({ type: 'udp6', address: '::1' });
 * console.log(server.local); // { address: '::1', port: 50123 }
 * ```
 */
export class UdpTransport implements DatagramTransport {
  private sink: DatagramSink | null = null;
  private closed = false;
  private failure: unknown = undefined;

  constructor(
    /** The Node socket. */
    readonly socket: dgram.Socket,
  ) {
    socket.on('error', (e) => {
      // A UDP socket reports ICMP errors (port unreachable) here: they fail no datagram of ours.
      this.failure = e;
    });
    socket.on('close', () => this.sink?.end(this.closed ? undefined : this.failure));
  }

  /** The bound address and port. */
  get local(): Peer {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  start(sink: DatagramSink): void {
    if (this.sink !== null) throw new WiremachineError(ErrorCode.INVALID_STATE, 'transport already started');
    this.sink = sink;
    this.socket.on('message', (msg, rinfo) => sink.message(view(msg), { address: rinfo.address, port: rinfo.port }));
  }

  send(data: Uint8Array, to?: Peer): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'send after close'));
    return new Promise((resolve, reject) => {
      const done = (e: Error | null) => (e ? reject(new TransportError('the send failed', e)) : resolve());
      try {
        if (to === undefined) this.socket.send(data, done);
        else this.socket.send(data, to.port, to.address, done);
      } catch (e) {
        reject(new TransportError('the send failed', e));
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

/**
 * Bind a UDP socket (and connect it, with `connect`).
 *
 * @example
 * ```ts
 * const udp = await udpSocket({ type: 'udp4', connect: { address: '127.0.0.1', port: 6969 } });
 * await udp.send(packet);
 * ```
 */
export function udpSocket(options: UdpOptions = {}): Promise<UdpTransport> {
  const type = options.type ?? 'udp4';
  let socket: dgram.Socket | undefined;
  return withDeadline<UdpTransport>(
    { signal: options.signal },
    { name: 'binding the socket', phase: 'connect' },
    (resolve, reject) => {
      const s = dgram.createSocket({
        type,
        recvBufferSize: options.receiveBufferSize,
        sendBufferSize: options.sendBufferSize,
      });
      socket = s;
      const onError = (e: unknown) => {
        s.close();
        reject(new TransportError('binding the socket failed', e));
      };
      s.once('error', onError);
      s.bind({ address: options.address ?? (type === 'udp6' ? '::1' : '127.0.0.1'), port: options.port ?? 0 }, () => {
        const ready = () => {
          s.off('error', onError);
          resolve(new UdpTransport(s));
        };
        if (options.connect === undefined) ready();
        else s.connect(options.connect.port, options.connect.address, ready);
      });
    },
    () => {
      try {
        socket?.close();
      } catch {
        // Already closed by its own error.
      }
    },
  );
}
