/**
 * `SocketTransport`: the stream transport over a `net.Socket` (or a
 * `tls.TLSSocket`), with the socket's addresses, and the hand-over an upgrade
 * needs.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { StreamTransport, type StreamTransportOptions } from './stream.js';

/** Options of the socket transports. */
export interface SocketTransportOptions extends StreamTransportOptions {
  /** Disable Nagle's algorithm (`setNoDelay`). Default `true`: protocols here write whole messages. */
  noDelay?: boolean;
}

/**
 * A transport over a connected socket.
 *
 * @example
 * ```ts
 * const t = new SocketTransport(socket);
 * console.log(t.remoteAddress, t.remotePort);
 * ```
 */
export class SocketTransport extends StreamTransport {
  constructor(
    /** The socket (a `tls.TLSSocket` for TLS). */
    readonly socket: Socket,
    options: SocketTransportOptions = {},
  ) {
    super(socket, socket, options);
    if (options.noDelay !== false) socket.setNoDelay(true);
  }

  /** The peer's address. */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** The peer's port. */
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
}
