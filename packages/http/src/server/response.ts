/**
 * `ServerResponse`: what a handler answers with. The framing is chosen when
 * the head is written: a body given whole to `end()` gets Content-Length; a
 * body written piece by piece is chunked (read to the close for HTTP/1.0
 * clients); a Content-Length set by the handler is kept and checked.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import {
  type BodyInit,
  bodyLength,
  encodeChunk,
  encodeMessage,
  fieldLine,
  forEachHeader,
  type HeadersInit,
  httpDate,
  lastChunk,
  lowerName,
  standardStatusLine,
  statusLine,
} from '../write-head.js';

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const noop = () => {};
const RESOLVED = Promise.resolve();
const LAST_CHUNK = '0\r\n\r\n';

const conflict = () =>
  new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'Content-Length with Transfer-Encoding (RFC 9112 §6.2)');

/** @internal What a response needs from its connection. */
export interface ResponseSink {
  write(data: Uint8Array): Promise<void>;
  /** Write without waiting for the flush (a string is latin1). */
  send(data: Uint8Array | string): void;
  /** Whether the connection may stay open after this response (asked when the head is written). */
  keepAlive(): boolean;
  /** The response is complete (its last bytes are written, maybe not flushed). */
  ended(keepAlive: boolean): void;
  /** The response cannot be completed (a Content-Length not met): the connection must close. */
  broken(error: unknown): void;
}

enum Framing {
  NONE,
  LENGTH,
  CHUNKED,
  CLOSE,
}

/**
 * The response to one request. `write` and `end` resolve when the bytes are
 * flushed to the socket: awaiting them is backpressure.
 *
 * @example
 * ```ts
 * res.setHeader('Content-Type', 'text/plain');
 * await res.write('hello, ');      // chunked: no Content-Length was set
 * await res.end('world');
 * ```
 */
export class ServerResponse {
  /** The status of the response (before the head is written). Default 200. */
  status = 200;
  /** The reason phrase; default: the standard one for the status. */
  reason: string | undefined = undefined;
  private fields = '';
  private contentLength = -1;
  private chunkedSet = false;
  private teSet = false;
  /** The server answered for the handler (a malformed request body): its writes fail with this. */
  private refused: WiremachineError | null = null;
  private closeSet = false;
  private framing = Framing.NONE;
  private written = 0;
  private sent = false;
  private done = false;
  private continued = false;
  private keep = true;

  /** @internal */
  constructor(
    private readonly sink: ResponseSink,
    /** @internal */ readonly method: string,
    private readonly http10: boolean,
  ) {}

  /** `true` once the head is written. */
  get headersSent(): boolean {
    return this.sent;
  }

  /** `true` once `end()` was called (or the response failed). */
  get finished(): boolean {
    return this.done;
  }

  /**
   * Add a field line. Checked before it is stored (a bad name or value, a
   * Content-Length that is not a number, a second Content-Length, or
   * Content-Length together with Transfer-Encoding throw, and nothing is
   * added): no line ending can get into the output, and the head never
   * contradicts itself (RFC 9112 §6.2: no Content-Length beside any
   * Transfer-Encoding; node:http sends such a response chunked instead).
   */
  setHeader(name: string, value: string | number): this {
    if (this.sent) throw new WiremachineError(ErrorCode.INVALID_STATE, 'headers already sent');
    const v = typeof value === 'string' ? value : String(value);
    const line = fieldLine(name, v);
    const lower = lowerName(name);
    if (lower === 'content-length') {
      if (!/^\d{1,15}$/.test(v)) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `invalid Content-Length ${v}`);
      if (this.contentLength >= 0) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'Content-Length set twice');
      if (this.teSet) throw conflict();
      this.contentLength = Number(v);
    } else if (lower === 'transfer-encoding') {
      if (this.contentLength >= 0) throw conflict();
      this.teSet = true;
      this.chunkedSet = /(?:^|,)\s*chunked\s*$/i.test(v);
    } else if (lower === 'connection') {
      this.closeSet = /(?:^|,)\s*close\s*(?:,|$)/i.test(v);
    }
    this.fields += line;
    return this;
  }

  /**
   * Set the status and add field lines; the head is written with the first
   * body bytes (or `end()`). All or nothing: when one field is refused (see
   * {@link ServerResponse.setHeader}), none of them is added.
   */
  writeHead(status: number, headers?: HeadersInit): this {
    if (this.sent) throw new WiremachineError(ErrorCode.INVALID_STATE, 'headers already sent');
    const { fields, contentLength, teSet, chunkedSet, closeSet } = this;
    try {
      forEachHeader(headers, (n, v) => this.setHeader(n, v));
    } catch (e) {
      this.fields = fields;
      this.contentLength = contentLength;
      this.teSet = teSet;
      this.chunkedSet = chunkedSet;
      this.closeSet = closeSet;
      throw e;
    }
    this.status = status;
    return this;
  }

  /**
   * Send `100 Continue` now (it is sent anyway when the handler starts reading
   * the body of a request that expects it).
   */
  writeContinue(): void {
    if (this.continued || this.sent) return;
    this.continued = true;
    this.sink.write(CONTINUE).catch(noop);
  }

  /** Send a piece of the body (and the head first, if not sent yet). */
  write(chunk: BodyInit): Promise<void> {
    if (this.refused !== null) return Promise.reject(this.refused);
    if (this.done) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'write after end()'));
    if (!this.sent) this.sendHead(-1);
    return this.body(chunk);
  }

  /**
   * End the response, with a last piece of body. With no write before, `body`'s
   * length is the Content-Length, and the response goes in one write: the
   * promise then resolves at once (nothing follows it to hold back).
   */
  end(body?: BodyInit): Promise<void> {
    if (this.refused !== null) return Promise.reject(this.refused);
    if (this.done) return Promise.resolve();
    let p: Promise<void>;
    if (!this.sent) {
      const size = body === undefined ? 0 : bodyLength(body);
      const head = this.headString(size);
      const skip = this.framing === Framing.NONE || this.method === 'HEAD';
      // One write for the whole response; nothing comes after it, so there is no flush to wait for.
      if (this.framing === Framing.CHUNKED && !skip) {
        // Chunked by the handler's own Transfer-Encoding: the body is one chunk, then the last one.
        this.sink.send(size === 0 ? head + LAST_CHUNK : concatParts(head, encodeChunk(body as BodyInit), LAST_CHUNK));
      } else if (skip || body === undefined) this.sink.send(head);
      // A string whose UTF-8 length is its length is ASCII: the same bytes in latin1, sent as one string.
      else if (typeof body === 'string' && size === body.length && size <= 65536) this.sink.send(head + body);
      else this.sink.send(encodeMessage(head, body, size));
      p = RESOLVED;
      if (!skip) this.written = size;
    } else {
      if (body !== undefined && bodyLength(body) > 0) this.body(body);
      p = this.framing === Framing.CHUNKED && this.method !== 'HEAD' ? this.sink.write(lastChunk()) : Promise.resolve();
    }
    this.done = true;
    if (p !== RESOLVED) p.catch(noop);
    if (this.framing === Framing.LENGTH && this.method !== 'HEAD' && this.written !== this.contentLength) {
      const e = new WiremachineError(
        ErrorCode.INVALID_STATE,
        `the body was ${this.written} bytes, Content-Length said ${this.contentLength}`,
      );
      this.sink.broken(e);
      return Promise.reject(e);
    }
    this.sink.ended(this.keep && this.framing !== Framing.CLOSE);
    return p;
  }

  /**
   * @internal The request failed (its body was malformed) before a response
   * started: the server answers `status` and closes; the handler's writes
   * and `end()` reject with `error` from now on.
   */
  refuse(status: number, error: WiremachineError): void {
    if (this.done || this.sent) return;
    this.fail(status);
    this.refused = error;
  }

  /** @internal The handler failed: answer `status` if nothing was sent; report whether that was possible. */
  fail(status: number): boolean {
    if (this.done) return true;
    if (this.sent) return false;
    this.fields = '';
    this.contentLength = -1;
    this.chunkedSet = false;
    this.teSet = false;
    this.status = status;
    this.reason = undefined;
    this.closeSet = true;
    this.fields = 'Connection: close\r\n';
    this.end();
    return true;
  }

  private body(chunk: BodyInit): Promise<void> {
    const size = bodyLength(chunk);
    if (this.framing === Framing.NONE || this.method === 'HEAD' || size === 0) return Promise.resolve();
    this.written += size;
    if (this.framing === Framing.LENGTH && this.written > this.contentLength) {
      const e = new WiremachineError(ErrorCode.INVALID_STATE, `body longer than Content-Length ${this.contentLength}`);
      this.done = true;
      this.sink.broken(e);
      return Promise.reject(e);
    }
    const p = this.sink.write(
      this.framing === Framing.CHUNKED ? encodeChunk(chunk) : typeof chunk === 'string' ? Buffer.from(chunk) : chunk,
    );
    p.catch(noop);
    return p;
  }

  private sendHead(size: number): void {
    this.sink.write(encodeMessage(this.headString(size))).catch(noop);
  }

  /** The head; `size` is the whole body's length when known, else -1. Decides the framing. */
  private headString(size: number): string {
    this.sent = true;
    const s = this.status;
    let keep = !this.closeSet && this.sink.keepAlive();
    let extra = '';
    if ((s >= 100 && s < 200) || s === 204 || s === 304) {
      this.framing = Framing.NONE;
    } else if (this.contentLength >= 0) {
      this.framing = Framing.LENGTH;
    } else if (this.chunkedSet) {
      this.framing = Framing.CHUNKED;
    } else if (this.teSet) {
      // RFC 9112 §6.3: a coding other than chunked last delimits the body by the close (and no Content-Length).
      this.framing = Framing.CLOSE;
      keep = false;
    } else if (size >= 0) {
      this.framing = Framing.LENGTH;
      this.contentLength = size;
      extra = `Content-Length: ${size}\r\n`;
    } else if (!this.http10) {
      this.framing = Framing.CHUNKED;
      extra = 'Transfer-Encoding: chunked\r\n';
    } else {
      // RFC 9112 §6.3: an HTTP/1.0 client reads a body of unknown length to the close.
      this.framing = Framing.CLOSE;
      keep = false;
    }
    if (!keep && !this.closeSet) extra += 'Connection: close\r\n';
    else if (keep && this.http10) extra += 'Connection: keep-alive\r\n';
    this.keep = keep;
    const line = this.reason === undefined ? standardStatusLine(s) : statusLine(s, this.reason);
    return `${line}Date: ${httpDate()}\r\n${this.fields}${extra}\r\n`;
  }
}

function concatParts(head: string, chunk: Buffer, tail: string): Buffer {
  const out = Buffer.allocUnsafe(head.length + chunk.length + tail.length);
  out.write(head, 0, head.length, 'latin1');
  out.set(chunk, head.length);
  out.write(tail, head.length + chunk.length, tail.length, 'latin1');
  return out;
}
