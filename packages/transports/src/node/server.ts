/**
 * `SocketServer`: a listening `net.Server` or `tls.Server` that hands each
 * connection to a handler as a transport, keeps count of its sockets, and
 * destroys them all on close (nothing outlives the server).
 *
 * @module
 */
import type { AddressInfo, ListenOptions, Server, Socket } from 'node:net';
import type { SocketTransport } from './socket.js';

/**
 * A listening server. `close()` stops accepting and destroys the sockets
 * still open.
 *
 * @example
 * ```ts
 * const server = await tcpListen({ port: 0 }, handler);
 * console.log(server.port, await server.connections());
 * await server.close();
 * ```
 */
export class SocketServer {
  private readonly sockets = new Set<Socket>();
  /** Errors thrown by the handler, or raised by the server after listening (for logs and tests). */
  readonly errors: unknown[] = [];

  constructor(
    /** The Node server. */
    readonly server: Server,
    wrap: (socket: Socket) => SocketTransport,
    handler: (transport: SocketTransport) => void | Promise<void>,
    event: 'connection' | 'secureConnection',
  ) {
    // Every raw socket is tracked, also those that fail their TLS handshake.
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on(event, (socket: Socket) => {
      let transport: SocketTransport;
      try {
        transport = wrap(socket);
      } catch (e) {
        this.errors.push(e);
        socket.destroy();
        return;
      }
      const fault = (e: unknown) => {
        this.errors.push(e);
        transport.close(e);
      };
      try {
        const r = handler(transport);
        if (r !== undefined) r.catch(fault);
      } catch (e) {
        fault(e);
      }
    });
    server.on('error', (e) => this.errors.push(e));
  }

  /** @internal Start listening. */
  listen(where: ListenOptions): Promise<this> {
    return new Promise((resolve, reject) => {
      const onError = (e: unknown) => reject(e);
      this.server.once('error', onError);
      this.server.listen(where, () => {
        this.server.off('error', onError);
        resolve(this);
      });
    });
  }

  /** The bound address (host and port; `path` for a Unix socket). */
  get address(): AddressInfo | string {
    return this.server.address() as AddressInfo | string;
  }

  /** The bound port (`0` for a Unix socket). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** Sockets open now, as the server counts them. */
  connections(): Promise<number> {
    return new Promise((resolve, reject) => this.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  }

  /** Sockets open now, as tracked here (TLS sockets in their handshake included). */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Stop accepting, destroy every open socket, and resolve when the server has closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
