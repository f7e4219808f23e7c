/**
 * What the HTTP/1.x machines keep between reads, and the work their actions
 * do. The machine (machine.ts) says when; this says how. The context holds one
 * {@link ParserState}, which the actions change in place.
 *
 * @module
 */

import type { ReadEvent, ReadRequest } from '@wiremachine/core';
import * as core from '@wiremachine/core';
import type { SizeLine } from './chunked.js';
import * as chunkedModule from './chunked.js';
import type { Http1StateName } from './constants.js';
import * as constants from './constants.js';
import * as errors from './errors.js';
import { Fields, TextWindow } from './fields.js';
import { type MessageHead, RequestHead, ResponseHead } from './head.js';
import type { ResolvedHttp1Options } from './options.js';
import * as scan from './scan.js';
import { Scanner } from './scan.js';

// Bound in this module, as in scan.ts: optimized code reads an imported (or exported) binding through its
// module's cell on every use, and takes a constant of the module as its value. (Classes stay imported: each
// is read once a head.)
const { bytes, OFFSET_ZERO, streamBytes } = core;
const { eolLength, parseSizeLine, SIZE_INVALID, SIZE_OVERFLOW } = chunkedModule;
const { CR, LF, SMALL_CHUNK } = constants;
const { Http1ErrorCode: E, http1Error } = errors;
const { BLANK, INCOMPLETE } = scan;

/**
 * Where the machine goes after a head, a chunk-size line or a trailer line,
 * as llhttp documents the return codes of `after_headers_complete`. Each is
 * routed by a guard of its own (machine.ts: `route`, `routeChunk`,
 * `routeTrailers`, or the head read's and size line's own transitions); `route`'s
 * last, unguarded transition is `HEAD`'s.
 */
const NEXT = {
  /** Blank lines only, no head yet: `head` again (by the head read's own transition, or `route`'s last). */
  HEAD: 0,
  /** A Content-Length body: `fixed`. */
  LENGTH: 1,
  /** A chunked body: `chunkSize`. */
  CHUNKED: 2,
  /** A body that ends when the connection closes (a response without framing): `untilClose`. */
  CLOSE: 3,
  /** No body: `complete` (then `head`, or `closed` when the connection does not stay open). */
  NONE: 4,
  /** A protocol switch (an upgrade without a body, CONNECT, a 101): `upgraded`, with the message ended. */
  UPGRADE: 5,
  /** The HTTP/2 preface (`PRI * HTTP/2.0`): `upgraded`, the message not ended (what follows is HTTP/2's). */
  UPGRADE_INCOMPLETE: 6,
  /** No body, no upgrade, and the connection stays open: the head read's own transition ends the message, back to `head`. */
  NONE_KEEP: 10,
  /** After a trailer line, more trailers follow: `trailers`. */
  LAST_CHUNK: 7,
  /** A chunk of at most 8 KiB, with strict line endings: `chunkSmall` (its data and CRLF read as one). */
  SMALL_CHUNK: 8,
  /** A larger chunk, or any with lenient line endings: `chunkData`, streamed. */
  CHUNK: 9,
} as const;
export const Next = NEXT;

const EMPTY = new Uint8Array(0);
/** No head measured: unequal to every stream offset, and a double (see `pos`). */
const NOT_MEASURED = Number.NaN;

/** A chunk-size line, as the `chunkHeaders` option emits it. */
export interface ChunkOutput {
  type: 'chunk';
  /** The chunk size. */
  size: number;
  /** The extension bytes (from the first `;`), a view; see `parseChunkExtensions`. */
  extensions: Uint8Array;
}

/**
 * One parser's state. Its fields are written by its own methods (this file),
 * which the machine's actions call (machine.ts), with two exceptions there:
 * the `advance` action moves `pos`, and `onTrailerLine`'s result sets `next`.
 * machine.ts reads `next` (route guards), `head`, `chunkData`, `chunk` and
 * `trailers` (what its actions emit), and the reads `headRead` and `bodyRead`.
 * What a scan found is the scanner's ({@link Scanner.scanned}, scan.ts).
 */
export class ParserState {
  readonly options: ResolvedHttp1Options;
  readonly request: boolean;
  readonly scanner: Scanner;
  /**
   * Stream offset of the next byte the machine has not seen. Stream offsets and byte counts here start as
   * doubles (OFFSET_ZERO): they pass 2^31 on a long connection, and a field that held small integers until
   * then would change the shape of every parser's state.
   */
  pos = OFFSET_ZERO;
  /** Where the machine goes next (a {@link Next} value), read by machine.ts's route guards. */
  next: number = NEXT.HEAD;
  /** The message's head, from its scan until the message is complete (see release). */
  head: MessageHead | null = null;
  /** The read of the body state that comes next. */
  bodyRead: ReadRequest = bytes(0);
  /** The size of the last chunk-size line. */
  chunkSize = 0;
  /** The last small chunk's data (without its CRLF). */
  chunkData: Uint8Array = EMPTY;
  /** Strict mode, a streamed chunk: its data bytes still to come (its CRLF follows them in the same read). */
  chunkLeft = 0;
  /** Strict mode, a streamed chunk: the bytes of its CRLF seen so far. */
  private crlfSeen = 0;
  /** Strict mode: the bytes in place of a streamed chunk's CRLF, and the stream offset of the first. */
  private crlfFault: Uint8Array = EMPTY;
  private crlfFaultAt = 0;
  /** The last chunk-size line, as the `chunkHeaders` option emits it. */
  chunk: ChunkOutput | null = null;
  /** Body bytes of this message so far (for maxBodySize), and its chunk-extension bytes (for maxChunkExtensionsSize). */
  bodyBytes = OFFSET_ZERO;
  extBytes = 0;
  /** The trailer lines read so far, and their bytes (for maxHeadSize). */
  trailerLines: Uint8Array[] = [];
  trailerBytes = 0;
  /** The message's trailer section, once read (null without one). */
  trailers: Fields | null = null;
  private readonly sizeLine: SizeLine = { extStart: 0, extEnd: 0, errorAt: 0 };

  constructor(o: ResolvedHttp1Options, request: boolean) {
    // Zero, in fields that hold doubles (see `pos`).
    this.pos = 0;
    this.bodyBytes = 0;
    this.options = o;
    this.request = request;
    this.scanner = new Scanner(o);
  }

  private fail(
    code: (typeof E)[keyof typeof E],
    message: string,
    buf: Uint8Array,
    at: number,
    base: number,
    state: Http1StateName,
  ) {
    return http1Error(code, message, buf, at, base, state);
  }

  /**
   * The message is complete and the connection waits for the next: drop what
   * points into received bytes (the head, the last chunk and trailers, the
   * scanner's buffer), so that an idle connection keeps no input alive (a
   * burst of pipelined requests read at once would otherwise stay held).
   */
  release(): void {
    this.head = null;
    this.chunkData = EMPTY;
    this.chunk = null;
    this.trailers = null;
    this.scanner.release(this.pos);
    this.text.release(this.pos);
  }

  /** The read of the next head (see machine.ts). */
  headRead: ReadRequest = bytes(0);
  /** Stream offset and length of a head {@link ParserState.measureHead} found and scanned, or -1. */
  private measuredAt = NOT_MEASURED;
  private measuredLength = 0;
  /** The epoch of {@link ParserState.text} for the head measured. */
  private measuredEpoch = 0;
  /** Text decoded from the chunk heads are found in, shared by their strings (see TextWindow). */
  private readonly text = new TextWindow();

  /**
   * The head read's `measure`: scan `buf[start, end)`, the first buffered
   * chunk, whose first byte is at stream offset `offset`, as a head; when it
   * holds a whole one, its length (the scan's results stay for `onHeadRange`),
   * else -1. Leading blank lines are left to the delimiter search, which reads them apart.
   */
  measureHead(buf: Uint8Array, start: number, end: number, offset: number): number {
    if (buf[start] === CR || buf[start] === LF) return -1;
    const sc = this.scanner;
    sc.begin(offset - start, 'head');
    // Only the bytes a head may span: a fault past the limit is not named before the limit is (as in pieces).
    const r = sc.scanHead(buf, start, Math.min(end, start + this.options.maxHeadSize), this.request, true);
    if (r < 0) return -1;
    sc.endAt(r);
    this.measuredAt = offset;
    this.measuredLength = r - start;
    this.measuredEpoch = this.text.see(buf, offset - start, end);
    return r - start;
  }

  /** The head read's `validate`: the bytes of a head still waiting for its end, scanned for a fault. */
  validateHead(pending: Uint8Array, offset: number): void {
    const sc = this.scanner;
    sc.begin(offset, 'head');
    sc.scanHead(pending, 0, pending.length, this.request, true, false);
  }

  /** A complete head arrived (`data` ends with its blank line). */
  onHead(data: Uint8Array): void {
    const sc = this.scanner;
    this.measuredAt = NOT_MEASURED;
    sc.begin(this.pos, 'head');
    this.pos += data.length;
    const r = sc.scanHead(data, 0, data.length, this.request, false);
    if (r === BLANK) {
      this.next = NEXT.HEAD;
      this.head = null;
      return;
    }
    if (r === INCOMPLETE) throw sc.fail(E.BARE_CR, 'the head ended inside a line', data.length - 1);
    this.onScannedHead(data, 0, data.length, -1);
  }

  /**
   * The head read's `map`: the complete head in `buf[start, end)`, parsed as
   * {@link ParserState.onHead} does. Returns where the machine goes next, with
   * {@link NEXT.NONE_KEEP} for a message that ends with its head and keeps the connection.
   */
  onHeadRange(buf: Uint8Array, start: number, end: number): number {
    if (this.measuredAt === this.pos && this.measuredLength === end - start) {
      // Scanned already, by measureHead, in `buf` itself: the head is read from there (no view).
      this.measuredAt = NOT_MEASURED;
      this.pos += end - start;
      this.onScannedHead(buf, start, end - start, this.measuredEpoch);
    } else {
      this.onHead(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start));
    }
    const next = this.next;
    if (next === NEXT.NONE) {
      const head = this.head as MessageHead;
      if (head.keepAlive && !head.upgrade) return NEXT.NONE_KEEP;
    }
    return next;
  }

  /** The input ended while a head was pending: name the fault if the partial head has one. */
  onHeadEof(unread: Uint8Array): never {
    const sc = this.scanner;
    sc.begin(this.pos, 'head');
    sc.scanHead(unread, 0, unread.length, this.request, true, true, true);
    throw sc.fail(E.INCOMPLETE, 'the input ended inside a head', unread.length);
  }

  /**
   * The head just scanned, in `buf[start, start + size)`: built, then its framing chosen. `epoch` is the text
   * window's for the chunk `buf` (the head takes its strings from the window's text), or -1 (its own text).
   */
  private onScannedHead(buf: Uint8Array, start: number, size: number, epoch: number): void {
    const head = this.buildHead(buf, start, size, epoch);
    this.head = head;
    this.chooseFraming(head, start + size);
    this.bodyBytes = 0;
    this.extBytes = 0;
  }

  /** The head of the scan that just returned ({@link Scanner.scanned}), its bytes `buf[start, start + size)` (`epoch`: see onScannedHead). */
  private buildHead(buf: Uint8Array, start: number, size: number, epoch: number): MessageHead {
    const h = this.scanner.scanned;
    const window = epoch < 0 ? null : this.text;
    const fields = new Fields(buf, start, size, h.offs, h.first, h.count, h.folded, window, epoch);
    if (this.request) {
      return new RequestHead(h.method, h.urlStart, h.urlEnd, h.protocol, h.major, h.minor, fields, h.expectContinue);
    }
    return new ResponseHead(h.status, h.reasonStart, h.reasonEnd, h.protocol, h.major, h.minor, fields);
  }

  /**
   * The framing of `head`'s body, and whether the connection stays open or
   * changes protocol (RFC 9112 §6.3, §9.3; llhttp's order): sets `next` (see
   * {@link Next}), the body read, and the head's `bodyKind`, `contentLength`,
   * `keepAlive` and `upgrade`. `end` is where the head ends in the scanned buffer, for errors.
   */
  private chooseFraming(head: MessageHead, end: number): void {
    const sc = this.scanner;
    const h = sc.scanned;
    const o = this.options;
    const request = head.kind === 'request';
    const method = request ? head.method : '';
    const skip = o.skipBody === true || (typeof o.skipBody === 'function' && o.skipBody(head));
    const s = h.status;
    const noBody = !request && ((s >= 100 && s < 200) || s === 204 || s === 304);
    const pri = method === 'PRI';
    let upgrade = request ? (h.hasUpgrade && h.connectionUpgrade) || method === 'CONNECT' : s === 101;
    if (h.hasTransferEncoding && h.hasContentLength && !o.chunkedLength) {
      // RFC 9112 §6.3 rule 3: a smuggling shape; refused outright.
      throw sc.fail(E.INVALID_TRANSFER_ENCODING, 'Transfer-Encoding together with Content-Length', end);
    }
    if (request && h.chunkedSeen && !h.chunked && !o.transferEncoding && !o.chunkedLength) {
      // RFC 9112 §6.3 rule 4: a coding after chunked. Refused before the upgrade decision below
      // (llhttp refuses it while reading the field), so an upgrade cannot carry it past us.
      throw sc.fail(E.INVALID_TRANSFER_ENCODING, 'request Transfer-Encoding does not end in chunked', end);
    }
    const chunked = h.hasTransferEncoding && h.chunked;
    const hasBody = chunked || (!h.hasTransferEncoding && h.contentLength > 0);
    let next: number;
    let kind: MessageHead['bodyKind'] = 'none';
    if (pri) {
      next = NEXT.UPGRADE_INCOMPLETE;
    } else if ((upgrade && (method === 'CONNECT' || skip || !hasBody)) || (!request && s === 101)) {
      next = NEXT.UPGRADE;
      upgrade = true;
    } else if (skip || noBody) {
      next = NEXT.NONE;
    } else if (chunked) {
      next = NEXT.CHUNKED;
      kind = 'chunked';
    } else if (h.hasTransferEncoding) {
      // RFC 9112 §6.3 rule 4: a request coding that is not chunked is an error; a response reads to close.
      if (request && !o.transferEncoding && !o.chunkedLength) {
        throw sc.fail(E.INVALID_TRANSFER_ENCODING, 'request Transfer-Encoding does not end in chunked', end);
      }
      next = NEXT.CLOSE;
      kind = 'close';
    } else if (h.contentLength > 0) {
      if (h.contentLength > o.maxBodySize) {
        throw sc.fail(E.BODY_TOO_LARGE, `Content-Length over maxBodySize (${o.maxBodySize})`, end);
      }
      next = NEXT.LENGTH;
      kind = 'length';
      head.contentLength = h.contentLength;
      this.bodyRead = streamBytes(h.contentLength);
    } else if (h.hasContentLength || request) {
      next = NEXT.NONE;
      if (h.hasContentLength) head.contentLength = 0;
    } else {
      next = NEXT.CLOSE;
      kind = 'close';
    }
    head.bodyKind = kind;
    head.upgrade = upgrade || pri;
    // llhttp_should_keep_alive: 1.1 and later unless "close"; earlier only with "keep-alive".
    let keep = h.major > 0 && h.minor > 0 ? !h.connectionClose : h.connectionKeepAlive;
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; close after the message.
    if (h.hasTransferEncoding && h.major === 1 && h.minor === 0) keep = false;
    if (kind === 'close') keep = false;
    head.keepAlive = keep || (o.keepAlive && kind !== 'close');
    this.next = next;
  }

  /** A chunk-size line arrived (with its line ending): `buf[start, stop)`. */
  onSizeLine(buf: Uint8Array, start: number, stop: number, state: Http1StateName): void {
    const base = this.pos;
    const n = stop - start;
    if (!this.options.crBeforeLf && n > 0 && buf[stop - 1] === LF && (n < 2 || buf[stop - 2] !== CR)) {
      throw this.fail(E.BARE_LF, 'LF without CR', buf.subarray(start, stop), n - 1, base, state);
    }
    this.pos += n;
    const end =
      n >= 2 && buf[stop - 2] === CR && buf[stop - 1] === LF
        ? stop - 2
        : n > 0 && (buf[stop - 1] === LF || buf[stop - 1] === CR)
          ? stop - 1
          : stop;
    const out = this.sizeLine;
    const size = parseSizeLine(buf, start, end, this.options.spacesAfterChunkSize, out);
    if (size < 0) {
      const code =
        size === SIZE_OVERFLOW
          ? E.CHUNK_SIZE_OVERFLOW
          : size === SIZE_INVALID
            ? E.INVALID_CHUNK_SIZE
            : E.INVALID_CHUNK_EXTENSION;
      const what =
        size === SIZE_OVERFLOW
          ? 'chunk size too large'
          : size === SIZE_INVALID
            ? 'invalid chunk size'
            : 'invalid chunk extension';
      throw this.fail(code, what, buf.subarray(start, stop), out.errorAt - start, base, state);
    }
    const ext = out.extEnd - out.extStart;
    if (ext > 0) {
      this.extBytes += ext;
      if (this.extBytes > this.options.maxChunkExtensionsSize) {
        throw this.fail(
          E.CHUNK_EXTENSIONS_OVERFLOW,
          'too many chunk-extension bytes',
          buf.subarray(start, stop),
          out.extStart - start,
          base,
          state,
        );
      }
    }
    this.bodyBytes += size;
    if (this.bodyBytes > this.options.maxBodySize) {
      const line = buf.subarray(start, stop);
      throw this.fail(E.BODY_TOO_LARGE, `body over maxBodySize (${this.options.maxBodySize})`, line, 0, base, state);
    }
    if (this.options.chunkHeaders) {
      this.chunk = { type: 'chunk', size, extensions: ext > 0 ? buf.subarray(out.extStart, out.extEnd) : EMPTY };
    }
    this.chunkSize = size;
    if (size === 0) {
      this.next = NEXT.LAST_CHUNK;
      this.trailerLines = [];
      this.trailerBytes = 0;
      // The trailers of this message only: an earlier message's must not be emitted again.
      this.trailers = null;
    } else if (
      readWhole(size, buf, stop) &&
      !this.options.crBeforeLf &&
      !this.options.lfAfterCr &&
      !this.options.crlfAfterChunk
    ) {
      this.next = NEXT.SMALL_CHUNK;
      this.bodyRead = bytes(size + 2);
    } else if (!this.options.crBeforeLf && !this.options.lfAfterCr && !this.options.crlfAfterChunk) {
      // Strict line endings: the chunk's CRLF is streamed with its data, in the same read (see onChunkPiece).
      this.next = NEXT.CHUNK;
      this.chunkLeft = size;
      this.crlfSeen = 0;
      this.bodyRead = streamBytes(size + 2);
    } else {
      this.next = NEXT.CHUNK;
      this.bodyRead = streamBytes(size);
    }
  }

  /** Strict mode: the data part of `data`, the next piece of a streamed chunk (null when it holds only CRLF bytes). */
  chunkPart(data: Uint8Array): Uint8Array | null {
    const left = this.chunkLeft;
    return data.length <= left ? data : left === 0 ? null : data.subarray(0, left);
  }

  /** A line read up to its LF must have CR before it, unless `OPTIONAL_CR_BEFORE_LF` (RFC 9112 §2.2). */
  private bareLf(line: Uint8Array, base: number, state: Http1StateName): void {
    const n = line.length;
    if (!this.options.crBeforeLf && n > 0 && line[n - 1] === LF && (n < 2 || line[n - 2] !== CR)) {
      throw this.fail(E.BARE_LF, 'LF without CR', line, n - 1, base, state);
    }
  }

  /**
   * Chunk data with its CRLF, `buf[start, end)`, in one read (strict mode, see
   * {@link readWhole}). Bytes in place of the CRLF that are not CRLF are kept
   * for {@link ParserState.chunkEndFault}, reported once the data is emitted.
   */
  onSmallChunk(buf: Uint8Array, start: number, end: number): void {
    const base = this.pos;
    this.pos += end - start;
    const n = end - 2;
    if (buf[n] !== CR || buf[n + 1] !== LF) {
      this.crlfFault = buf.slice(n, end);
      this.crlfFaultAt = base + n - start;
    }
    // One view of the data, made from the buffer (no view of the whole read first).
    this.chunkData = new Uint8Array(buf.buffer, buf.byteOffset + start, n - start);
  }

  /** Strict mode: whether `data`, the next piece of a streamed chunk, holds bytes in place of its CRLF that are not CRLF. */
  chunkEndBad(data: Uint8Array): boolean {
    const left = this.chunkLeft;
    if (data.length <= left) return false;
    let seen = this.crlfSeen;
    for (let i = left; i < data.length; i++, seen++) if (data[i] !== (seen === 0 ? CR : LF)) return true;
    return false;
  }

  /**
   * Strict mode, after its data part is emitted: the next piece of a streamed
   * chunk, whose last bytes may be (part of) the CRLF after its data. Bytes
   * there that are not CRLF are kept for {@link ParserState.chunkEndFault}
   * (a step of its own, so that the data before them is emitted, as when the two bytes are read apart).
   */
  onChunkPiece(data: Uint8Array): void {
    const base = this.pos;
    this.pos += data.length;
    const left = this.chunkLeft;
    if (data.length <= left) {
      this.chunkLeft = left - data.length;
      return;
    }
    this.chunkLeft = 0;
    for (let i = left; i < data.length; i++) {
      if (data[i] !== (this.crlfSeen === 0 ? CR : LF)) {
        // Named at the CR's place (with the CR, if it came in an earlier piece).
        this.crlfFault = this.crlfSeen === 0 ? data.slice(i, i + 2) : Uint8Array.of(CR, data[i]);
        this.crlfFaultAt = base + i - this.crlfSeen;
        return;
      }
      this.crlfSeen++;
    }
  }

  /** Strict mode: the bytes after a streamed chunk's data were not CRLF (see onChunkPiece). */
  chunkEndFault(): never {
    throw this.fail(
      E.INVALID_CHUNK_END,
      'chunk data not followed by CRLF',
      this.crlfFault,
      0,
      this.crlfFaultAt,
      'chunkEnd',
    );
  }

  /** The line after chunk data: empty, or (lenient OPTIONAL_CRLF_AFTER_CHUNK) the next size line. */
  onChunkEnd(line: Uint8Array): void {
    if (line.length === eolLength(line) && line.length > 0) {
      this.pos += line.length;
      this.next = NEXT.CHUNKED;
      return;
    }
    if (!this.options.crlfAfterChunk) {
      throw this.fail(E.INVALID_CHUNK_END, 'chunk data not followed by CRLF', line, 0, this.pos, 'chunkEnd');
    }
    this.onSizeLine(line, 0, line.length, 'chunkEnd');
  }

  /** A trailer line (or the empty line that ends the section). Returns `true` at the end. */
  onTrailerLine(line: Uint8Array): boolean {
    const base = this.pos;
    this.bareLf(line, base, 'trailers');
    this.pos += line.length;
    const eol = eolLength(line);
    if (line.length === eol) {
      if (this.trailerLines.length > 0) this.trailers = this.buildTrailers(base);
      return true;
    }
    this.trailerBytes += line.length;
    if (this.trailerBytes > this.options.maxHeadSize) {
      throw this.fail(E.HEADERS_OVERFLOW, 'trailer section over maxHeadSize', line, 0, base, 'trailers');
    }
    this.trailerLines.push(line.subarray(0, line.length - eol));
    return false;
  }

  /** Trailer lines joined with CRLF and checked as a field section. */
  private buildTrailers(base: number): Fields {
    const lines = this.trailerLines;
    let size = 2;
    for (const l of lines) size += l.length + 2;
    const buf = new Uint8Array(size);
    let at = 0;
    for (const l of lines) {
      buf.set(l, at);
      at += l.length;
      buf[at++] = CR;
      buf[at++] = LF;
    }
    buf[at++] = CR;
    buf[at] = LF;
    const sc = this.scanner;
    sc.begin(base - this.trailerBytes, 'trailers');
    sc.scanFields(buf, buf.length);
    this.trailerLines = [];
    const h = sc.scanned;
    return new Fields(buf, 0, buf.length, h.offs, h.first, h.count, h.folded);
  }

  /** Bytes after a message that closed the connection: only CR and LF may follow (as llhttp). */
  onAfterClose(data: Uint8Array): void {
    const base = this.pos;
    this.pos += data.length;
    if (this.options.dataAfterClose) return;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== CR && data[i] !== LF) {
        throw this.fail(
          E.CLOSED_CONNECTION,
          'data after a message that closed the connection',
          data,
          i,
          base,
          'closed',
        );
      }
    }
  }

  /** The input ended inside a body. */
  incomplete(state: Http1StateName): never {
    throw this.fail(E.INCOMPLETE, 'the input ended inside a body', EMPTY, 0, this.pos, state);
  }
}

/**
 * Strict mode: whether a chunk of `size` bytes, whose size line ends at
 * `buf[stop]`, is read whole with its CRLF (state `chunkSmall`, one step)
 * rather than streamed: when it is small, or when it already lies whole in
 * the buffer the size line was read from (taken from there with no copy).
 */
export function readWhole(size: number, buf: Uint8Array, stop: number): boolean {
  return size <= SMALL_CHUNK || buf.length - stop >= size + 2;
}

/** `true` for an `eof` with nothing but CR and LF unread. */
export function blankEof(event: ReadEvent): boolean {
  if (event.type !== 'eof') return false;
  const u = event.unread;
  for (let i = 0; i < u.length; i++) if (u[i] !== CR && u[i] !== LF) return false;
  return true;
}
