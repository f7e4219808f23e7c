/**
 * `Pool`: keep-alive connections to one origin, and `request()`, which keeps
 * a pool per origin.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import { AbortedError } from '@wiremachine/transports';
import { type SocketTransport, tcpConnect, tlsConnect } from '@wiremachine/transports/node';
import { ClientConnection } from './connection.js';
import { buildRequest, type Exchange } from './exchange.js';
import type { PoolOptions, RequestOptions } from './options.js';
import type { ClientResponse } from './response.js';

interface Waiter {
  resolve(conn: ClientConnection): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
}

/**
 * Connections to one origin (`http://host:port` or `https://...`), reused
 * for request after request while the server keeps them open. One request
 * at a time on a connection; at most `connections` connections, and requests
 * beyond wait their turn. Redirects are the caller's: a 3xx is a response
 * like any other.
 *
 * @example
 * ```ts
 * const pool = new Pool('http://127.0.0.1:8080', { connections: 4 });
 * const res = await pool.request('/items', { method: 'POST', body: JSON.stringify(item), headersTimeout: 5000 });
 * console.log(res.status, await res.body.text());
 * await pool.close();
 * ```
 */
export class Pool {
  /** The origin requests go to. */
  readonly origin: URL;
  private readonly options: PoolOptions;
  private readonly max: number;
  private readonly idle: ClientConnection[] = [];
  private readonly idleTimers = new Map<ClientConnection, ReturnType<typeof setTimeout>>();
  private readonly all = new Set<ClientConnection>();
  private readonly waiting: Waiter[] = [];
  private opening = 0;
  private closed = false;
  /** @internal Called when the pool holds nothing: no connection, none opening, no request waiting. */
  emptied: (() => void) | null = null;

  constructor(origin: string | URL, options: PoolOptions = {}) {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `unsupported protocol ${url.protocol}`);
    }
    this.origin = url;
    this.options = options;
    this.max = Math.max(1, options.connections ?? 10);
  }

  /** Connections open now (busy and idle). */
  get connections(): number {
    return this.all.size;
  }

  /** Idle connections kept for the next request. */
  get idleConnections(): number {
    return this.idle.length;
  }

  /**
   * Send a request for `path` (`/a?b`); resolves with the response once its
   * head has arrived. A request on a reused connection that the server closed
   * before answering is sent again once on a new connection, if it is
   * idempotent and its body was given whole (not after a timeout or an abort).
   */
  async request(path: string, options: RequestOptions = {}): Promise<ClientResponse> {
    if (this.closed) throw new WiremachineError(ErrorCode.INVALID_STATE, 'the pool is closed');
    const built = buildRequest(this.origin.host, path, options);
    for (let attempt = 0; ; attempt++) {
      // A second try goes to a new connection: the other idle ones may be as stale as the one that failed.
      const conn = await this.acquire(options.signal, attempt > 0);
      try {
        return await new Promise<ClientResponse>((resolve, reject) => {
          const ex: Exchange = { ...built, options, resolve, reject };
          conn.send(ex);
        });
      } catch (e) {
        if (attempt === 0 && built.replayable && conn.retryable() && !options.signal?.aborted) continue;
        throw e;
      }
    }
  }

  /** Close every connection (requests in flight fail); the pool takes no more requests. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'the pool closed'));
    for (const c of [...this.all]) c.close();
  }

  private acquire(signal: AbortSignal | undefined, fresh = false): Promise<ClientConnection> {
    if (signal?.aborted) return Promise.reject(new AbortedError('the request', signal.reason));
    if (fresh && this.all.size + this.opening >= this.max && this.idle.length > 0) {
      // Room for a new connection: the oldest idle one gives its place (closed, it leaves the pool).
      this.idle[0].close();
    }
    for (let c = fresh ? undefined : this.idle.pop(); c !== undefined; c = this.idle.pop()) {
      clearTimeout(this.idleTimers.get(c));
      this.idleTimers.delete(c);
      if (!c.isClosed && !c.flow.inputClosed) {
        c.ref(true);
        return Promise.resolve(c);
      }
    }
    if (this.all.size + this.opening < this.max) return this.open(signal);
    return new Promise((resolve, reject) => {
      // The listener goes when the wait ends either way: one signal shared by many requests must not gather them.
      const onAbort = () => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new AbortedError('the request', signal?.reason));
      };
      const w: Waiter = {
        resolve: (conn) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(conn);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
        signal,
      };
      this.waiting.push(w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async open(signal: AbortSignal | undefined): Promise<ClientConnection> {
    this.opening++;
    let t: SocketTransport;
    try {
      const host = this.origin.hostname.replace(/^\[|\]$/g, '');
      const port = Number(this.origin.port || (this.origin.protocol === 'https:' ? 443 : 80));
      const connectTimeout = this.options.connectTimeout ?? 10_000;
      t =
        this.origin.protocol === 'https:'
          ? await tlsConnect({ servername: host, ...this.options.tls, host, port, signal, connectTimeout })
          : await tcpConnect({ host, port, signal, connectTimeout });
    } catch (e) {
      this.opening--;
      this.checkEmpty();
      throw e;
    }
    this.opening--;
    const conn = new ClientConnection(t, this.options, (c, reusable) => this.release(c, reusable));
    this.all.add(conn);
    if (this.closed) {
      // Closed while connecting: the request fails as those waiting for a connection do.
      conn.close();
      throw new WiremachineError(ErrorCode.INVALID_STATE, 'the pool closed');
    }
    return conn;
  }

  private release(conn: ClientConnection, reusable: boolean): void {
    if (!reusable || this.closed) {
      this.all.delete(conn);
      clearTimeout(this.idleTimers.get(conn));
      this.idleTimers.delete(conn);
      const i = this.idle.indexOf(conn);
      if (i >= 0) this.idle.splice(i, 1);
      if (!conn.isClosed) conn.close();
      // A waiter gets a new connection in place of the one that went.
      const w = this.waiting.shift();
      if (w !== undefined) this.open(w.signal).then(w.resolve, w.reject);
      else this.checkEmpty();
      return;
    }
    const w = this.waiting.shift();
    if (w !== undefined) {
      w.resolve(conn);
      return;
    }
    conn.ref(false);
    this.idle.push(conn);
    const timer = setTimeout(() => conn.close(), this.options.keepAliveTimeout ?? 4000);
    timer.unref();
    this.idleTimers.set(conn, timer);
  }

  private checkEmpty(): void {
    if (this.all.size === 0 && this.opening === 0 && this.waiting.length === 0) this.emptied?.();
  }
}
