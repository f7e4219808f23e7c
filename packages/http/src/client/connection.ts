/**
 * One client connection: one request at a time, its response parsed by a
 * response machine that knows which request it answers (a HEAD response has
 * no body), kept alive for the next request when both sides allow it.
 *
 * @module
 */
import { StreamClosedError, type Transport, type WiremachineError } from '@wiremachine/core';
import {
  createResponseMachine,
  Http1Error,
  Http1ErrorCode,
  type Http1Output,
  type ResponseHead,
} from '@wiremachine/protocols/http1';
import { AbortedError, TimeoutError } from '@wiremachine/transports';
import type { SocketTransport } from '@wiremachine/transports/node';
import { HttpErrorCode, UnexpectedResponseError } from '../errors.js';
import { WireConnection } from '../wire.js';
import { encodeChunk, lastChunk } from '../write-head.js';
import type { Exchange } from './exchange.js';
import type { PoolOptions } from './options.js';
import { ClientResponse } from './response.js';

/** Default of `maxResponseSize`: 64 MiB. */
export const DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024;
/** Default of `maxInformational`. */
export const DEFAULT_MAX_INFORMATIONAL = 32;

/** @internal How a connection hands itself back. */
export type Release = (conn: ClientConnection, reusable: boolean) => void;

/** @internal */
export class ClientConnection extends WireConnection {
  /** Requests completed on this connection. */
  served = 0;
  private ex: Exchange | null = null;
  private res: ClientResponse | null = null;
  /** Bytes arrived since the current request was sent. */
  private heard = false;
  private sending = false;
  /** The client gave up on the request (a timeout, an abort): the server may be working on it. */
  private gaveUp = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly highWaterMark: number;
  private readonly maxResponseSize: number;
  private readonly maxInformational: number;
  /** Informational responses heard for the current request. */
  private informational = 0;
  /** The status of the last head heard. */
  private lastStatus = 0;

  constructor(
    transport: Transport,
    options: PoolOptions,
    private readonly release: Release,
  ) {
    // The machine asks which request a response answers (a HEAD response has no body): this connection's.
    const self: { conn: ClientConnection | null } = { conn: null };
    const machine = createResponseMachine({
      ...options.http1,
      skipBody: (h) => h.kind === 'response' && h.status >= 200 && self.conn?.ex?.method === 'HEAD',
    });
    super(machine, transport, 1 << 20);
    self.conn = this;
    this.highWaterMark = options.highWaterMark ?? 64 * 1024;
    this.maxResponseSize = options.maxResponseSize ?? DEFAULT_MAX_RESPONSE_SIZE;
    this.maxInformational = options.maxInformational ?? DEFAULT_MAX_INFORMATIONAL;
    this.flow.start();
  }

  /** `true` once closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Keep the process alive while a request is in flight, not while idle. */
  ref(on: boolean): void {
    const socket = (this.transport as Partial<SocketTransport>).socket;
    if (on) socket?.ref();
    else socket?.unref();
  }

  /** Send a request; the exchange settles when the head arrives. */
  send(ex: Exchange): void {
    if (this.closed) {
      // Never armed on a connection that is gone: nothing would settle the request.
      ex.reject(new StreamClosedError('the connection closed before the request was sent', new Uint8Array(0)));
      return;
    }
    this.ex = ex;
    this.res = null;
    this.heard = false;
    this.informational = 0;
    const o = ex.options;
    const signal = o.signal;
    if (signal?.aborted) {
      this.cancel(new AbortedError('the request', signal.reason));
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.arm(o.headersTimeout ?? 300_000);
    this.write(ex.first).catch((e: unknown) => this.cancel(e));
    if (ex.stream !== null) this.stream(ex);
    this.pump();
  }

  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.disarm();
    this.closeWire(error);
    const ex = this.ex;
    if (ex !== null) {
      this.ex = null;
      ex.options.signal?.removeEventListener('abort', this.onAbort);
      const e = error ?? new StreamClosedError('the connection closed before the response ended', new Uint8Array(0));
      if (this.res === null) ex.reject(e);
      else this.res.body.end(e);
    }
    this.release(this, false);
  }

  // The pump's owner: it hears every output as it is parsed.

  /** @internal */
  received(): void {
    if (this.ex === null) {
      // Bytes nobody asked for, on an idle connection: whatever they are, they would be read as the next answer.
      this.close();
      return;
    }
    this.heard = true;
    if (this.res !== null) this.timer?.refresh();
  }

  /** @internal No more outputs while the response body's reader is behind. */
  room(): number {
    if (this.res === null || this.res.body.cost < this.highWaterMark) return Number.POSITIVE_INFINITY;
    // The reader is behind: the server is not the one keeping the next piece, so the bodyTimeout waits (as undici's).
    this.disarm();
    return 0;
  }

  /** @internal The machine stopped: a fault, a failed input, or a clean end. */
  stopped(error: WiremachineError | null, failedEnd: boolean): void {
    if (error !== null) this.close(failedEnd ? this.flow.failedInput(error) : error);
    else this.finished();
  }

  /** @internal */
  output(o: Http1Output): void {
    const res = this.res;
    switch (o.type) {
      case 'head':
        this.onHead(o as ResponseHead);
        break;
      case 'body':
        res?.body.push(o.data);
        break;
      case 'trailers':
        if (res !== null) res.trailers = o.trailers;
        break;
      case 'end':
        if (res !== null) this.complete(res);
        break;
      case 'upgrade': {
        // A 101 or a CONNECT tunnel: this client hands no connection out, and what follows is not HTTP.
        // undici fails the same way ('bad upgrade'); node:http emits 'upgrade', and closes without a listener.
        const status = this.lastStatus;
        this.close(
          new UnexpectedResponseError(
            HttpErrorCode.UNEXPECTED_UPGRADE,
            `the response (status ${status}) switches protocols, which this client does not do`,
            status,
          ),
        );
        break;
      }
    }
  }

  private finished(): void {
    // The response machine ended: a clean end of input between messages (or an upgrade, closed above).
    if (this.ex === null) this.close();
  }

  /** @internal */
  inputEnded(cause: unknown): void {
    this.close(
      cause === undefined
        ? undefined
        : new StreamClosedError('the connection failed', new Uint8Array(0), undefined, cause),
    );
  }

  /**
   * `true` when the server closed a reused connection without a word of an
   * answer: the request may be sent again. Not after a timeout or an abort:
   * the server may still be working on it, and a second try would double the
   * wait the caller asked for.
   */
  retryable(): boolean {
    return this.served > 0 && !this.heard && !this.gaveUp;
  }

  private onHead(head: ResponseHead): void {
    const ex = this.ex;
    if (ex === null) {
      this.close();
      return;
    }
    this.lastStatus = head.status;
    if (head.status === 101) return; // the upgrade output follows
    if (head.status < 100 || head.status > 599) {
      // No such class (RFC 9110 §15: valid codes are 100 to 599): not informational, not an answer.
      // node:http and undici hand 000-099 and 600-999 out as final responses.
      this.close(
        new Http1Error(Http1ErrorCode.INVALID_STATUS, `status ${head.status} is not a status code`, { state: 'head' }),
      );
      return;
    }
    if (head.status < 200) {
      // Each one is small, but a server can send them without end, within the headersTimeout.
      if (++this.informational > this.maxInformational) {
        const n = this.maxInformational;
        this.close(
          new UnexpectedResponseError(
            HttpErrorCode.TOO_MANY_INFORMATIONAL,
            `more than ${n} informational responses before the final one`,
            head.status,
          ),
        );
        return;
      }
      ex.options.onInformational?.(head);
      return;
    }
    const res = new ClientResponse(head, this.bodyOwner);
    res.body.limit = ex.options.maxResponseSize ?? this.maxResponseSize;
    res.body.announced = head.contentLength;
    this.res = res;
    ex.options.signal?.removeEventListener('abort', this.onAbort);
    ex.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.arm(ex.options.bodyTimeout ?? 300_000);
    ex.resolve(res);
  }

  private complete(res: ClientResponse): void {
    const ex = this.ex as Exchange;
    this.disarm();
    ex.options.signal?.removeEventListener('abort', this.onAbort);
    res.body.end();
    this.ex = null;
    this.res = null;
    this.served++;
    // Bytes after the response were not asked for (a second response, say): reused, the connection would hand them
    // to the next request as its answer.
    const reusable = res.head.keepAlive && !ex.close && !this.sending && !this.closed && this.flow.buffered === 0;
    if (!reusable) this.close();
    else this.release(this, true);
  }

  private readonly bodyOwner = {
    drained: () => {
      if (this.closed) return;
      const ex = this.ex;
      if (this.res !== null && this.timer === null && ex !== null) this.arm(ex.options.bodyTimeout ?? 300_000);
      this.pump();
    },
    started: () => {},
    refused: (error: unknown) => this.close(error),
    // The rest of the body would have to be read before the connection serves again: it closes (as in undici).
    abandoned: () => {
      const res = this.res;
      if (res === null) return;
      res.body.discard();
      this.close(new AbortedError('the response body'));
    },
  };

  private readonly onAbort = () => {
    const signal = this.ex?.options.signal;
    this.gaveUp = true;
    this.cancel(new AbortedError('the request', signal?.reason));
  };

  private cancel(error: unknown): void {
    this.close(error);
  }

  private arm(ms: number): void {
    this.disarm();
    if (ms === 0) return;
    const phase = this.res === null ? 'request' : 'read';
    this.timer = setTimeout(() => {
      this.gaveUp = true;
      this.cancel(new TimeoutError(phase, ms));
    }, ms);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Write a streamed body; a response that comes first (a 413, say) stops it. */
  private async stream(ex: Exchange): Promise<void> {
    this.sending = true;
    try {
      for await (const piece of ex.stream as AsyncIterable<Uint8Array | string>) {
        if (this.ex !== ex || this.closed) return;
        const data = typeof piece === 'string' ? Buffer.from(piece) : piece;
        if (data.length === 0) continue;
        await this.write(ex.chunked ? encodeChunk(data) : data);
      }
      if (this.ex === ex && ex.chunked && !this.closed) await this.write(lastChunk());
      this.sending = false;
    } catch (e) {
      if (this.ex === ex) this.cancel(e);
    }
  }
}
