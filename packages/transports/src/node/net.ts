/**
 * `node:net` TCP (and Unix socket) clients and servers.
 *
 * Sockets are half-open capable (`allowHalfOpen`): a peer's FIN ends the
 * input, and this side may go on writing until it calls `end()` or `close()`.
 *
 * @module
 */
import * as net from 'node:net';
import { withDeadline } from '../deadline.js';
import { TransportError } from '../errors.js';
import { SocketServer } from './server.js';
import { SocketTransport, type SocketTransportOptions } from './socket.js';

/** Where to connect: a host and port, or a Unix socket / Windows pipe `path`. */
export type NetAddress =
  | {
      host?: string;
      port: number;
      family?: 4 | 6;
      /** A resolver to use instead of `dns.lookup`. */
      lookup?: net.LookupFunction;
      path?: undefined;
    }
  | { path: string };

/** Options of {@link tcpConnect}. */
export type TcpConnectOptions = NetAddress &
  SocketTransportOptions & {
    /** Cancels the connect (and only the connect): it rejects with `AbortedError`. */
    signal?: AbortSignal;
    /** Milliseconds before the connect rejects with `TimeoutError` (`phase: 'connect'`). */
    connectTimeout?: number;
  };

/**
 * Connect, and resolve with a transport once connected. Rejects with
 * {@link TransportError} (`cause`: the platform's error, `ECONNREFUSED` say),
 * `TimeoutError` or `AbortedError`; the socket is destroyed then.
 *
 * @example
 * ```ts
 * const t = await tcpConnect({ host: '127.0.0.1', port: 7000, connectTimeout: 2000 });
 * const conn = connect(lineProtocol, t);
 * ```
 */
export function tcpConnect(options: TcpConnectOptions): Promise<SocketTransport> {
  let socket: net.Socket | undefined;
  return withDeadline<SocketTransport>(
    { signal: options.signal, timeout: options.connectTimeout },
    { name: 'the connect', phase: 'connect' },
    (resolve, reject) => {
      const s = net.connect({ ...addressOf(options), allowHalfOpen: true });
      socket = s;
      const onError = (e: unknown) => reject(new TransportError('the connect failed', e));
      s.once('error', onError);
      s.once('connect', () => {
        s.off('error', onError);
        resolve(new SocketTransport(s, options));
      });
    },
    () => socket?.destroy(),
  );
}

function addressOf(a: NetAddress): net.NetConnectOpts {
  if (a.path !== undefined) return { path: a.path };
  return { host: a.host ?? '127.0.0.1', port: a.port, family: a.family, lookup: a.lookup };
}

/** Options of {@link tcpListen}. */
export type TcpListenOptions = ({ host?: string; port?: number; path?: undefined } | { path: string }) &
  SocketTransportOptions & {
    /** Pending connections the kernel queues. */
    backlog?: number;
  };

/** Handles one accepted connection; a rejected promise (or a throw) destroys that socket, nothing more. */
export type ConnectionHandler = (transport: SocketTransport) => void | Promise<void>;

/**
 * Listen for TCP connections, each handed to `onConnection` as a transport.
 *
 * @example
 * ```ts
 * const server = await tcpListen({ host: '127.0.0.1', port: 0 }, (t) => {
 *   const conn = connect(lineProtocol, t);
 *   (async () => { for await (const line of conn) await conn.write(encode(line)); conn.close(); })();
 * });
 * console.log(server.port);
 * await server.close();
 * ```
 */
export function tcpListen(options: TcpListenOptions, onConnection: ConnectionHandler): Promise<SocketServer> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const wrapper = new SocketServer(
    server,
    (socket) => new SocketTransport(socket, options),
    onConnection,
    'connection',
  );
  const where =
    options.path !== undefined
      ? { path: options.path, backlog: options.backlog }
      : { host: options.host ?? '127.0.0.1', port: options.port ?? 0, backlog: options.backlog };
  return wrapper.listen(where);
}
