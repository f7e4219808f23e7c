/**
 * Options of requests and pools.
 *
 * @module
 */
import type { Http1Options, ResponseHead } from '@wiremachine/protocols/http1';
import type { TlsConnectOptions } from '@wiremachine/transports/node';
import type { BodyInit, HeadersInit } from '../write-head.js';

/** A request body: whole (sent with Content-Length) or streamed (sent chunked). */
export type RequestBody = BodyInit | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** Options of one request. Times are in milliseconds. */
export interface RequestOptions {
  /** Default `GET`. */
  method?: string;
  /** Field lines. `Host` is added when absent; so is the framing of the body. */
  headers?: HeadersInit;
  body?: RequestBody;
  /** Cancels the request, or the reading of its body: it rejects with `AbortedError`. */
  signal?: AbortSignal;
  /** Time from sending the request to the response head. Default 300,000; 0: none. */
  headersTimeout?: number;
  /**
   * Time between two pieces of the response body, while the reader keeps up
   * (not while reading is paused because the body is not read). Default 300,000; 0: none.
   */
  bodyTimeout?: number;
  /** Hears 1xx responses (`100 Continue`, `103 Early Hints`); they are not the response. */
  onInformational?: (head: ResponseHead) => void;
  /** Most bytes of a response body read whole; defaults to the pool's (64 MiB). See {@link PoolOptions.maxResponseSize}. */
  maxResponseSize?: number;
}

/** Options of a {@link Pool}. */
export interface PoolOptions {
  /** Most connections open at once; more requests wait for one. Default 10. */
  connections?: number;
  /** Time an idle connection is kept for the next request. Default 4,000. */
  keepAliveTimeout?: number;
  /** Time to connect (and complete the TLS handshake). Default 10,000. */
  connectTimeout?: number;
  /** TLS settings for `https:` origins (`ca`, `servername`, `rejectUnauthorized`, ...). */
  tls?: Omit<TlsConnectOptions, 'host' | 'port' | 'signal' | 'connectTimeout'>;
  /**
   * Limits and leniency of the response parser. `maxHeadSize` bounds a
   * response head (default 16 KiB, as Node's `--max-http-header-size`),
   * `maxHeaders` its field lines, `maxBodySize` any body, however read.
   */
  http1?: Omit<Http1Options, 'skipBody'>;
  /**
   * Most bytes of a response body that `body.bytes()`, `text()` or `json()`
   * gather. Default 64 MiB. A longer body, or one whose Content-Length says
   * so, fails the read with `ResponseTooLargeError`
   * (`WIREMACHINE_ERR_HTTP_RESPONSE_TOO_LARGE`) and closes the connection. A body
   * read piece by piece (`for await`) is not limited by it, and still
   * reads only as fast as it is consumed.
   */
  maxResponseSize?: number;
  /**
   * Most informational (1xx) responses heard before the final one; one more
   * fails the request with `UnexpectedResponseError`
   * (`WIREMACHINE_ERR_HTTP_TOO_MANY_INFORMATIONAL`) and closes the connection.
   * Default 32.
   */
  maxInformational?: number;
  /** Response body bytes held for a reader that has not read them; beyond, reading pauses. Default 64 KiB. */
  highWaterMark?: number;
}
