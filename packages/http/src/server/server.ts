/**
 * `createServer`: HTTP/1.1 over the TCP and TLS transports (or any transport
 * handed to {@link HttpServer.serve}), with one timer for all its timeouts.
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import type { Transport } from '@wiremachine/core';
import { createRequestMachine, type Http1Machine, type Http1Output } from '@wiremachine/protocols/http1';
import { DriverPool } from '@wiremachine/transports';
import { type SocketServer, type TlsListenOptions, tcpListen, tlsListen } from '@wiremachine/transports/node';
import { type Handler, ServerConnection } from './connection.js';
import { type ResolvedServerOptions, resolveServerOptions, type ServerOptions } from './options.js';

/** Where to listen: loopback by default, any free port by default; `tls` for HTTPS. */
export interface ListenOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port (see {@link HttpServer.port}). */
  port?: number;
  backlog?: number;
  /** TLS settings (`key`, `cert`, ...): the server speaks HTTPS. */
  tls?: Omit<TlsListenOptions, 'host' | 'port' | 'backlog'>;
}

/** Options of {@link HttpServer.close}. */
export interface CloseOptions {
  /** Milliseconds to let requests in flight finish before their connections are destroyed. Default 5,000. */
  timeout?: number;
}

/**
 * An HTTP/1.1 server. See {@link createServer}.
 *
 * @example
 * ```ts
 * const server = await createServer((req, res) => res.end('hello')).listen({ port: 8080 });
 * await server.close();
 * ```
 */
export class HttpServer {
  /** @internal */
  readonly options: ResolvedServerOptions;
  /** @internal */
  readonly machine: Http1Machine;
  /** @internal */
  readonly drivers: DriverPool<Http1Output>;
  /** @internal */
  draining = false;
  /** The listening transport server, once listening. */
  listener: SocketServer | null = null;
  private readonly conns = new Set<ServerConnection>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    /** @internal */ readonly handler: Handler,
    options: ServerOptions = {},
  ) {
    this.options = resolveServerOptions(options);
    this.machine = options.http1 === undefined ? createRequestMachine() : createRequestMachine(options.http1);
    // A parser is free again once its request is answered and nothing follows: it waits for a head then.
    this.drivers = new DriverPool(this.machine, (d) => d.state === 'head', { maxBufferSize: 1 << 20 });
  }

  /** Connections open now (upgraded ones are no longer counted). */
  get connections(): number {
    return this.conns.size;
  }

  /** The bound port. */
  get port(): number {
    return this.listener?.port ?? 0;
  }

  /** The bound address. */
  get address(): AddressInfo | string | null {
    return this.listener?.address ?? null;
  }

  /** Listen on TCP (or TLS with `tls`); resolves once listening. */
  async listen(where: ListenOptions = {}): Promise<this> {
    const serve = (t: Transport) => {
      this.serve(t);
    };
    const at = { host: where.host ?? '127.0.0.1', port: where.port ?? 0, backlog: where.backlog };
    this.listener = await (where.tls === undefined ? tcpListen(at, serve) : tlsListen({ ...where.tls, ...at }, serve));
    return this;
  }

  /** Serve HTTP over one transport (any: a socket, a memory pair in tests). */
  serve(transport: Transport): void {
    if (this.draining) {
      transport.close();
      return;
    }
    const conn = new ServerConnection(this, transport);
    this.conns.add(conn);
    this.startTimer();
  }

  /**
   * Stop accepting; close idle connections now and the others after the
   * responses to what they already received; after `timeout`, destroy what
   * is left. Resolves when every connection is closed.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.draining = true;
    const listener = this.listener;
    const stopped = listener === null ? Promise.resolve() : stopAccepting(listener);
    for (const c of [...this.conns]) c.drain();
    if (this.conns.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((r) => this.idleWaiters.push(r)),
        new Promise<void>((r) => {
          timer = setTimeout(r, options.timeout ?? 5000);
        }),
      ]);
      clearTimeout(timer);
      for (const c of [...this.conns]) c.close(new Error('the server closed'));
    }
    this.stopTimer();
    await listener?.close();
    await stopped;
  }

  /** @internal */
  release(conn: ServerConnection): void {
    this.conns.delete(conn);
    if (this.conns.size === 0) {
      this.stopTimer();
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** One timer for every connection: each tick closes those whose phase passed its deadline. */
  private startTimer(): void {
    if (this.timer !== null) return;
    const o = this.options;
    const shortest = Math.min(
      ...[o.headerTimeout, o.requestTimeout, o.keepAliveTimeout].filter((t) => t > 0),
      Number.POSITIVE_INFINITY,
    );
    if (shortest === Number.POSITIVE_INFINITY) return;
    const tick = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
    this.timer = setInterval(() => this.sweep(), tick);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns) {
      const d = c.deadline();
      if (d !== 0 && now >= d) c.expire();
    }
  }
}

function stopAccepting(listener: SocketServer): Promise<void> {
  return new Promise((resolve) => {
    listener.server.close(() => resolve());
  });
}

/**
 * An HTTP/1.1 server on wiremachine's request machine: keep-alive, pipelined
 * requests answered in order, `Expect: 100-continue`, streaming bodies with
 * backpressure, header, request and keep-alive timeouts, limits answered with
 * their status (400, 413, 414, 431) and a close, graceful shutdown.
 *
 * A handler that returns a promise has its response ended when the promise
 * resolves (and answered 500 when it rejects before anything was sent); one
 * that returns nothing must call `res.end()`.
 *
 * @example
 * ```ts
 * const server = createServer(async (req, res) => {
 *   if (req.method === 'POST') {
 *     let n = 0;
 *     for await (const chunk of req.body) n += chunk.length;
 *     return void (await res.end(`got ${n} bytes\n`));
 *   }
 *   res.setHeader('Content-Type', 'text/plain');
 *   await res.end('hello\n');
 * }, { headerTimeout: 10_000 });
 * await server.listen({ host: '127.0.0.1', port: 8080 });
 * ```
 */
export function createServer(handler: Handler, options?: ServerOptions): HttpServer {
  return new HttpServer(handler, options);
}
