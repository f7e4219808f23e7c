/**
 * `node:tls` clients and servers. The transports are {@link SocketTransport}s
 * over `tls.TLSSocket`s: the same flow control, half-close and faults as TCP.
 * For an upgrade of a plain connection, see `startTls`.
 *
 * @module
 */
import * as tls from 'node:tls';
import { withDeadline } from '../deadline.js';
import { TransportError } from '../errors.js';
import type { ConnectionHandler } from './net.js';
import { SocketServer } from './server.js';
import { SocketTransport, type SocketTransportOptions } from './socket.js';

/** Options of {@link tlsConnect}: where, TLS settings (`ca`, `servername`, ...), and cancellation. */
export type TlsConnectOptions = Omit<tls.ConnectionOptions, 'socket' | 'signal' | 'timeout'> &
  SocketTransportOptions & {
    /** Cancels the connect and handshake: it rejects with `AbortedError`. */
    signal?: AbortSignal;
    /** Milliseconds for the TCP connect and the handshake together (`TimeoutError`, `phase: 'connect'`). */
    connectTimeout?: number;
  };

/**
 * Connect and complete the TLS handshake; the certificate is verified unless
 * `rejectUnauthorized: false`. Rejects with {@link TransportError} (`cause`:
 * Node's error, `DEPTH_ZERO_SELF_SIGNED_CERT` say), `TimeoutError` or
 * `AbortedError`.
 *
 * @example
 * ```ts
 * const t = await tlsConnect({ host: 'localhost', port: 8443, ca: cert, connectTimeout: 5000 });
 * const conn = connect(lineProtocol, t);
 * ```
 */
export function tlsConnect(options: TlsConnectOptions): Promise<SocketTransport> {
  let socket: tls.TLSSocket | undefined;
  const { signal, connectTimeout, idleTimeout, noDelay, ...tlsOptions } = options;
  return withDeadline<SocketTransport>(
    { signal, timeout: connectTimeout },
    { name: 'the connect', phase: 'connect' },
    (resolve, reject) => {
      // Half-open only once secure: see tlsListen.
      const s = tls.connect({ host: '127.0.0.1', ...tlsOptions } as tls.ConnectionOptions);
      socket = s;
      const onError = (e: unknown) => reject(new TransportError('the TLS connect failed', e));
      s.once('error', onError);
      s.once('secureConnect', () => {
        s.off('error', onError);
        s.allowHalfOpen = true;
        resolve(new SocketTransport(s, { idleTimeout, noDelay }));
      });
    },
    () => socket?.destroy(),
  );
}

/** Options of {@link tlsListen}: where, and the server's TLS settings (`key`, `cert`, ...). */
export type TlsListenOptions = tls.TlsOptions &
  SocketTransportOptions & {
    host?: string;
    port?: number;
    backlog?: number;
  };

/**
 * Listen for TLS connections; each is handed to `onConnection` after its
 * handshake. Failed handshakes are recorded in `server.errors`.
 *
 * @example
 * ```ts
 * const server = await tlsListen({ port: 0, key, cert }, (t) => serve(connect(lineProtocol, t)));
 * ```
 */
export function tlsListen(options: TlsListenOptions, onConnection: ConnectionHandler): Promise<SocketServer> {
  const { host, port, backlog, idleTimeout, noDelay, ...tlsOptions } = options;
  // Not half-open during the handshake: a peer that leaves mid-handshake would
  // leave its socket open for good. Half-open from the handshake on.
  const server = tls.createServer({ ...tlsOptions, allowHalfOpen: false });
  const wrapper = new SocketServer(
    server,
    (socket) => {
      socket.allowHalfOpen = true;
      return new SocketTransport(socket, { idleTimeout, noDelay });
    },
    onConnection,
    'secureConnection',
  );
  server.on('tlsClientError', (e) => wrapper.errors.push(e));
  return wrapper.listen({ host: host ?? '127.0.0.1', port: port ?? 0, backlog });
}
