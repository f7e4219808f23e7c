/**
 * Options of {@link createServer}, and their defaults.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { Http1Options } from '@wiremachine/protocols/http1';
import type { ServerRequest } from './request.js';

/**
 * Takes a request whose connection changes protocol (`Upgrade` with
 * `Connection: upgrade`, or `CONNECT`): the socket is the handler's from now
 * on, and `head` holds the bytes that came after the request head (the new
 * protocol's first bytes). `socket` is `null` over a transport without one.
 * The socket is handed over paused, so that no byte is missed: attach its
 * listeners, then call `socket.resume()` (or pipe it).
 */
export type UpgradeHandler = (req: ServerRequest, socket: Socket | null, head: Uint8Array) => void;

/** Options of {@link createServer}. Times are in milliseconds; `0` turns a timeout off. */
export interface ServerOptions {
  /**
   * Time to receive a request head, from its first byte (from the connection's
   * start for the first request). A client that sends its head slowly (one byte
   * a second) is answered 408 and closed. Default 60,000.
   */
  headerTimeout?: number;
  /** Time to receive a whole request, head and body. Exceeded: 408 (if no response started) and close. Default 300,000. */
  requestTimeout?: number;
  /** Time an idle keep-alive connection stays open between requests. Default 5,000. */
  keepAliveTimeout?: number;
  /** Requests served on one connection before it is closed (`Connection: close`). Default: no limit. */
  maxRequestsPerConnection?: number;
  /** Pipelined requests parsed ahead of the one being answered; beyond, reading pauses. Default 16. */
  maxPipelined?: number;
  /** Request body bytes held for a handler that has not read them; beyond, reading pauses. Default 64 KiB. */
  highWaterMark?: number;
  /**
   * Response bytes waiting to be flushed (the socket's write buffer) beyond
   * which no further request is started or parsed until they drain: a client
   * that pipelines requests and does not read its answers holds at most this
   * plus one response in memory. At least the socket's own high-water mark.
   * Default 64 KiB.
   */
  writeHighWaterMark?: number;
  /**
   * Answer 400 (`WIREMACHINE_ERR_HTTP_INVALID_HOST`) to an HTTP/1.1 request
   * without a Host field or with more than one (RFC 9112 §3.2). Default `true`.
   */
  requireHost?: boolean;
  /** Limits and leniency of the request parser (`maxHeadSize`, `maxUrlLength`, `maxBodySize`, ...). */
  http1?: Http1Options;
  /** Takes connections that change protocol. Without it, they are answered by the handler, then closed. */
  onUpgrade?: UpgradeHandler;
  /** Hears handler errors (a throw, a rejection); they also answer 500 when nothing was sent yet. */
  onError?: (error: unknown, req: ServerRequest) => void;
}

/** @internal Options with defaults applied. */
export interface ResolvedServerOptions {
  readonly headerTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxRequestsPerConnection: number;
  readonly maxPipelined: number;
  readonly highWaterMark: number;
  readonly writeHighWaterMark: number;
  readonly requireHost: boolean;
  readonly onUpgrade: UpgradeHandler | undefined;
  readonly onError: ((error: unknown, req: ServerRequest) => void) | undefined;
}

/** @internal */
export function resolveServerOptions(o: ServerOptions): ResolvedServerOptions {
  const ms = (name: string, v: number | undefined, d: number) => {
    const x = v ?? d;
    if (!(x >= 0 && x <= 2 ** 31 - 1)) throw new TypeError(`${name} must be a number of milliseconds >= 0, got ${x}`);
    return x;
  };
  return {
    headerTimeout: ms('headerTimeout', o.headerTimeout, 60_000),
    requestTimeout: ms('requestTimeout', o.requestTimeout, 300_000),
    keepAliveTimeout: ms('keepAliveTimeout', o.keepAliveTimeout, 5_000),
    maxRequestsPerConnection: o.maxRequestsPerConnection ?? Number.POSITIVE_INFINITY,
    maxPipelined: Math.max(1, o.maxPipelined ?? 16),
    highWaterMark: Math.max(1, o.highWaterMark ?? 64 * 1024),
    writeHighWaterMark: Math.max(0, o.writeHighWaterMark ?? 64 * 1024),
    requireHost: o.requireHost ?? true,
    onUpgrade: o.onUpgrade,
    onError: o.onError,
  };
}
