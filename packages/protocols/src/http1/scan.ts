/**
 * The head scanner: one pass over the bytes of a complete head that checks the
 * start line and every field line (RFC 9112 §2-§5) and records offsets. No
 * strings are made here except constant ones (method names).
 *
 * It also runs over a partial head at end of input, to name the fault in a
 * head that never ended (it then returns {@link INCOMPLETE} if it found none).
 *
 * @module
 */

import { OFFSET_ZERO } from '@wiremachine/core';
import type { Http1StateName } from './constants.js';
import * as constants from './constants.js';
import { Http1ErrorCode as E, type Http1Error, http1Error } from './errors.js';
import * as fieldsModule from './fields.js';
import type { ResolvedHttp1Options } from './options.js';

/*
 * The constants of constants.ts (and equalsLower), bound in this module: optimized code reads an imported
 * binding through its module's cell on each use (a load, and a check that it is initialized), and takes a
 * constant of this module as its value (a byte's value, a table's address). With the imports read in every
 * line's work, a head of 20 field lines took a quarter more instructions.
 */
const {
  COLON,
  CR,
  constantOf,
  FIELD_KIND,
  FieldKind,
  fieldNameId,
  HTAB,
  HTTP,
  ICE,
  LF,
  LINE,
  METHOD_NAMES,
  NAME_BYTES,
  NAME_FIRST,
  NAME_NEXT,
  NAME_WORDS,
  nameSlot,
  RTSP,
  SHORT_FIRST,
  SHORT_NEXT,
  SHORT_W0,
  SHORT_W1,
  SHORT_W2,
  SHORT_W3,
  SP,
  shortSlot,
  TOKEN,
  URL_CHAR,
  VALUE_CHAR,
  VALUE_RELAXED,
} = constants;
const { equalsLower } = fieldsModule;

/** The head ended before its end (partial scans only). */
export const INCOMPLETE = -1;
/** Only blank lines: no message (RFC 9112 §2.2 lets a server skip them). */
export const BLANK = -2;
/** INCOMPLETE and BLANK as this module reads them (an exported binding is read through its cell, as an import is). */
const UNENDED = INCOMPLETE;
const ONLY_BLANK = BLANK;
/** The field lines ended (see Scanner.fieldLine). */
const LINES_END = -3;

const PROTO_HTTP = [0x48, 0x54, 0x54, 0x50, 0x2f];
const PROTO_RTSP = [0x52, 0x54, 0x53, 0x50, 0x2f];
const PROTO_ICE = [0x49, 0x43, 0x45, 0x2f];
/** "HTTP", "/1.1" and "/1.0" as little-endian 32-bit words. */
const WORD_HTTP = 0x50545448;
const WORD_1_1 = 0x312e312f;
const WORD_1_0 = 0x302e312f;

const TE = 0;
const CONNECTION = 1;
const EXPECT = 2;

/** A name whose meaning is found by comparing its bytes (no id: an uncommon spelling, or lenient whitespace in it). */
const UNKNOWN_KIND = -1;
/** The lengths of the framing and connection names (see Scanner.field), as bits. */
const FRAMING_LENGTHS = (1 << 6) | (1 << 7) | (1 << 10) | (1 << 14) | (1 << 16) | (1 << 17);

type Code = (typeof E)[keyof typeof E];

/**
 * Heads at least this long are scanned four bytes at a time where the bytes
 * allow it (through a DataView of their buffer). Shorter ones may live in the
 * JavaScript heap, where asking for their buffer would move them.
 */
const WORDS_FROM = 128;
const NO_WORDS = new DataView(new ArrayBuffer(0));
const NO_BYTES = new Uint8Array(0);
const NO_LINES = new Int32Array(0);
/**
 * Numbers in a block of line offsets: heads take their ranges one after another, and a new block is
 * made when one is full (about fifty heads of eight fields), so that no head makes an array of its own.
 */
const LINES_BLOCK = 2048;
/**
 * A parser's first block is smaller (32 lines): a connection that sends one
 * request and idles keeps 640 bytes for it, not 8 KiB; so are the blocks after
 * one filled over several reads (see Scanner.newBlock).
 */
const FIRST_LINES_BLOCK = 32 * LINE;
/**
 * Blocks are carved out of shared buffers of this size, one after another, never handed out twice (as Node
 * carves small Buffers out of its pool): a typed array of its own is an off-heap store, made and later freed
 * at about three times the cost of a view of a shared one. A head kept keeps its block's buffer alive.
 */
const LINES_SLAB = 64 * 1024;
let linesSlab = new ArrayBuffer(0);
let linesSlabUsed = 0;

/*
 * The module's functions are constants (not declarations, whose bindings may be assigned): optimized code
 * calls or inlines a constant as it is, where it checks a declared function's binding at each call.
 */

/** A block of `ints` numbers for line offsets: a part of the shared buffer, or an array of its own when larger. */
const linesBlock = (ints: number): Int32Array => {
  const size = 4 * ints;
  if (size > LINES_SLAB) return new Int32Array(ints);
  if (linesSlabUsed + size > linesSlab.byteLength) {
    linesSlab = new ArrayBuffer(LINES_SLAB);
    linesSlabUsed = 0;
  }
  const block = new Int32Array(linesSlab, linesSlabUsed, ints);
  linesSlabUsed += size;
  return block;
};

/*
 * The value loop's test of a 32-bit word `x` (little-endian), written out
 * there (a module's function called in a loop is checked on every turn):
 * `specialValueBytes(x) = ((x - 0x20202020) | (y - 0x01010101)) & ~x & 0x80808080`
 * with `y = x ^ 0x7f7f7f7f`, the bytes that are control bytes or DEL (not a
 * field-vchar or SP; HTAB is a control byte too: the byte loop takes it), as
 * their high bits; 0 for none. A byte below 0x20 takes a borrow, and a DEL
 * (a zero in `y`) one of its own; `~x` leaves out obs-text (`y` has the high
 * bit of `x`). Only the lowest bit set is exact (a borrow may set higher
 * ones): see {@link firstByte}.
 */

/**
 * The bytes of the 32-bit word `x` that may end a field name, as in
 * specialValueBytes (above): a colon, or a byte outside 0x21-0x7e (control
 * bytes, SP, DEL, obs-text).
 */
const specialNameBytes = (x: number): number => {
  // A byte up to SP takes a borrow, DEL a carry, obs-text has its high bit, a colon (a zero in `y`) takes
  // a borrow; a byte of none takes no borrow or carry of its own, so the lowest bit set is exact.
  const y = x ^ 0x3a3a3a3a;
  return ((x - 0x21212121) | (x + 0x01010101) | x | (y - 0x01010101)) & 0x80808080;
};

/** The index (0-3) of the first byte flagged in `mask`, a nonzero result of the functions above. */
const firstByte = (mask: number): number => {
  return (31 - Math.clz32(mask & -mask)) >> 3;
};

/*
 * The loops of a line, each in a function of its own with one path (see
 * Scanner.scan for why): they are inlined where the line's work is optimized,
 * and run from their own optimized code where it is not.
 */

/** The end of the run of token bytes (tchar) from `i`, below `end`. */
const tokenEnd = (buf: Uint8Array, i: number, end: number): number => {
  const token = TOKEN;
  while (i < end && token[buf[i]] === 1) i++;
  return i;
};

const KEEP_ALIVE = Uint8Array.from('keep-alive', (ch) => ch.charCodeAt(0));
const CLOSE = Uint8Array.from('close', (ch) => ch.charCodeAt(0));

/** The whole little-endian words of KEEP_ALIVE and CLOSE (as NAME_WORDS in constants.ts). */
const KEEP_ALIVE_WORDS = new Int32Array(KEEP_ALIVE.buffer, 0, KEEP_ALIVE.length >> 2);
const CLOSE_WORDS = new Int32Array(CLOSE.buffer, 0, CLOSE.length >> 2);

/**
 * `buf[start, end)` equals the lower-case `lower` ignoring ASCII case, as `equalsLower` (fields.ts) with its
 * bytes: with words (`wb >= 0`), four bytes a compare of `lowerWords` (the OR sets the 0x20 bit of each byte).
 */
const equalsLowerBytes = (
  words: DataView,
  wb: number,
  buf: Uint8Array,
  start: number,
  end: number,
  lower: Uint8Array,
  lowerWords: Int32Array,
): boolean => {
  if (end - start !== lower.length) return false;
  let i = 0;
  if (wb >= 0) {
    for (; i < lowerWords.length; i++)
      if ((words.getInt32(wb + start + 4 * i, true) | 0x20202020) !== lowerWords[i]) return false;
    i *= 4;
  }
  for (; i < lower.length; i++) if ((buf[start + i] | 0x20) !== lower[i]) return false;
  return true;
};

/** The end of the run of CR and LF from `i`, below `end` (blank lines before a head). */
const blankEnd = (buf: Uint8Array, i: number, end: number): number => {
  while (i < end && (buf[i] === CR || buf[i] === LF)) i++;
  return i;
};

/** The end of the run of request-target bytes from `i`, below `end`: eight a turn with words (`wb >= 0`), then byte by byte. */
const urlEnd = (words: DataView, wb: number, buf: Uint8Array, i: number, end: number): number => {
  if (wb >= 0) {
    // Eight bytes a turn while each is a request-target byte (0x21-0x7e): a byte up to SP takes a
    // borrow, DEL a carry, the others have their high bit. Counted in the words' offsets.
    let p = wb + i;
    const last = wb + end - 8;
    while (p <= last) {
      const x = words.getInt32(p, true);
      if ((((x - 0x21212121) | (x + 0x01010101) | x) & 0x80808080) !== 0) break;
      const x1 = words.getInt32(p + 4, true);
      if ((((x1 - 0x21212121) | (x1 + 0x01010101) | x1) & 0x80808080) !== 0) {
        p += 4;
        break;
      }
      p += 8;
    }
    i = p - wb;
  }
  const url = URL_CHAR;
  while (i < end && url[buf[i]] === 1) i++;
  return i;
};

/** The end of the run of SP and HTAB from `i`, below `end`. */
const owsEnd = (buf: Uint8Array, i: number, end: number): number => {
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  return i;
};

/** `e` moved back over SP and HTAB, not before `s`. */
const trimEnd = (buf: Uint8Array, s: number, e: number): number => {
  while (e > s) {
    const c = buf[e - 1];
    if (c !== SP && c !== HTAB) break;
    e--;
  }
  return e;
};

/**
 * The end of the run of field-value bytes (`values`) from `i`, below `end`:
 * with words (`wb >= 0`), eight bytes a turn while none is a control byte or
 * DEL (specialValueBytes, written out), then byte by byte (HTAB, the line's
 * end, a fault).
 */
const valueEnd = (words: DataView, wb: number, buf: Uint8Array, i: number, end: number, values: Uint8Array): number => {
  if (wb >= 0) {
    // In the words' offsets: `p` for `i`, up to `last` for `end - 8`.
    let p = wb + i;
    const last = wb + end - 8;
    let m = 0;
    while (p <= last) {
      const x = words.getInt32(p, true);
      m = ((x - 0x20202020) | ((x ^ 0x7f7f7f7f) - 0x01010101)) & ~x & 0x80808080;
      if (m !== 0) break;
      const x1 = words.getInt32(p + 4, true);
      m = ((x1 - 0x20202020) | ((x1 ^ 0x7f7f7f7f) - 0x01010101)) & ~x1 & 0x80808080;
      if (m !== 0) {
        p += 4;
        break;
      }
      p += 8;
    }
    i = p - wb;
    if (m !== 0) i += (31 - Math.clz32(m & -m)) >> 3;
  }
  while (i < end && values[buf[i]] === 1) i++;
  return i;
};

/**
 * The id of the common name of `len` bytes (1-15) whose words, zero past the name, are `y0`-`y3`; -1 for none.
 * Equal words are an equal length: no byte of a name is zero.
 */
const shortName = (len: number, y0: number, y1: number, y2: number, y3: number): number => {
  let k = SHORT_FIRST[shortSlot(y0, y1, len)];
  while (k >= 0 && !(SHORT_W0[k] === y0 && SHORT_W1[k] === y1 && SHORT_W2[k] === y2 && SHORT_W3[k] === y3)) {
    k = SHORT_NEXT[k];
  }
  return k;
};

/**
 * The id of the common name at `ns`, found four bytes at a time: up to the
 * first byte that cannot be in a name but for other separators (a colon, a
 * control byte, SP, DEL, obs-text), then its bytes compared with the
 * constant's; -1 for none. Only a name equal to a constant is taken (its bytes
 * are a token).
 */
const longName = (words: DataView, wb: number, buf: Uint8Array, ns: number, end: number): number => {
  let i = ns;
  for (;;) {
    if (i + 4 > end) {
      while (i < end && buf[i] > SP && buf[i] < 0x7f && buf[i] !== COLON) i++;
      break;
    }
    const m = specialNameBytes(words.getInt32(wb + i, true));
    if (m !== 0) {
      i += firstByte(m);
      break;
    }
    i += 4;
  }
  const len = i - ns;
  if (i >= end || len === 0) return -1;
  let id = NAME_FIRST[nameSlot(len, buf[ns], buf[i - 1])];
  while (id >= 0) {
    const b = NAME_BYTES[id];
    if (b.length === len) {
      const w = NAME_WORDS[id];
      let k = 0;
      while (k < w.length && words.getInt32(wb + ns + 4 * k, true) === w[k]) k++;
      if (k === w.length) {
        k *= 4;
        while (k < len && buf[ns + k] === b[k]) k++;
        if (k === len) return id;
      }
    }
    id = NAME_NEXT[id];
  }
  return -1;
};

const isSpace = (c: number): boolean => {
  return c === SP || c === HTAB || c === CR || c === LF;
};

/**
 * What a scan found: the start line's parts, where the field lines lie, and
 * the fields that decide the framing and the connection. The {@link Scanner}
 * (scan.ts) writes it during `scanHead` and `scanFields` (`reset` first); the
 * parser (state.ts: `buildHead`, `chooseFraming`, trailers) reads it once the
 * scan has returned, before the next scan overwrites it.
 */
export interface ScannedHead {
  /** The request's method (a constant for the known ones). */
  readonly method: string;
  /** The request target, `[urlStart, urlEnd)` in the scanned bytes. */
  readonly urlStart: number;
  readonly urlEnd: number;
  /** The response's status code. */
  readonly status: number;
  /** The reason phrase, `[reasonStart, reasonEnd)`; -1 when the status line has none. */
  readonly reasonStart: number;
  readonly reasonEnd: number;
  /** `HTTP`, `RTSP` or `ICE`. */
  readonly protocol: string;
  readonly major: number;
  readonly minor: number;
  /**
   * The field lines: {@link LINE} numbers a line (see Fields) from `first` in `offs`, `count` lines. `offs` is
   * shared by the heads of one scanner (each keeps its own range; a scan never writes over a range it handed out).
   */
  readonly offs: Int32Array;
  readonly first: number;
  readonly count: number;
  /** Some value holds an obs-fold (lenient `HEADERS` only). */
  readonly folded: boolean;
  /** Content-Length's value, or -1 without one. */
  readonly contentLength: number;
  readonly hasContentLength: boolean;
  readonly hasTransferEncoding: boolean;
  /** The last Transfer-Encoding coding is chunked. */
  readonly chunked: boolean;
  /** `chunked` was seen in some Transfer-Encoding (applying it twice is refused). */
  readonly chunkedSeen: boolean;
  /** Connection (or Proxy-Connection) lists `close`, `keep-alive`, `upgrade`. */
  readonly connectionClose: boolean;
  readonly connectionKeepAlive: boolean;
  readonly connectionUpgrade: boolean;
  /** An Upgrade field is present. */
  readonly hasUpgrade: boolean;
  /** Expect lists `100-continue`. */
  readonly expectContinue: boolean;
}

/** The {@link ScannedHead} a Scanner writes. */
class HeadScan implements ScannedHead {
  method = '';
  urlStart = 0;
  urlEnd = 0;
  status = 0;
  reasonStart = -1;
  reasonEnd = -1;
  protocol = 'HTTP';
  major = 1;
  minor = 1;
  offs: Int32Array = NO_LINES;
  first = 0;
  count = 0;
  folded = false;
  contentLength = -1;
  hasContentLength = false;
  hasTransferEncoding = false;
  chunked = false;
  chunkedSeen = false;
  connectionClose = false;
  connectionKeepAlive = false;
  connectionUpgrade = false;
  hasUpgrade = false;
  expectContinue = false;
}

/**
 * Scans heads (and trailer sections) for one parser. What the last scan found
 * is {@link Scanner.scanned}; its field lines' offsets are a new array each scan.
 */
export class Scanner {
  readonly options: ResolvedHttp1Options;
  /** Stream offset of `buf[0]`, for error offsets (a double from the start: see OFFSET_ZERO in core). */
  base = OFFSET_ZERO;
  /** The machine state, for errors. */
  state: Http1StateName = 'head';
  private buf: Uint8Array = NO_BYTES;
  private end = 0;
  private partial = false;
  /** A partial scan of the last bytes there will be (end of input): the last line cannot be continued. */
  private final = false;
  /** A DataView of `buf`'s buffer (cached per buffer), for scanning by words. */
  private words: DataView = NO_WORDS;
  private wordsBuffer: ArrayBufferLike | null = null;
  /** Offset of `buf[0]` in `words`, or -1 when `buf` is scanned byte by byte. */
  private wordBase = -1;
  /** The last chunk scanned by words, and its offset in `words`. */
  private wordsChunk: Uint8Array = NO_BYTES;
  private wordsChunkBase = 0;
  /** The block the field lines are written to ({@link LINE} numbers a line), and how much of it heads have taken. */
  private lines: Int32Array = linesBlock(FIRST_LINES_BLOCK);
  private linesUsed = 0;

  /** What the last scan found: written here, during a scan; read through {@link Scanner.scanned}. */
  private readonly found = new HeadScan();
  /** What the last scan found (see {@link ScannedHead}). */
  readonly scanned: ScannedHead = this.found;

  /** Start a scan of a buffer whose first byte is at stream offset `base`, in machine state `state` (for errors). */
  begin(base: number, state: Http1StateName): void {
    this.base = base;
    this.state = state;
  }

  /** The bytes a field value may hold (lenient HEADER_VALUE_RELAXED: more). */
  private readonly values: Uint8Array;
  /** `wordBase` for field lines: -1 with relaxed values, whose bytes the word tests do not know. */
  private lineWordBase = -1;

  /** The numbers of `maxHeaders` lines. */
  private readonly maxLineNumbers: number;

  constructor(o: ResolvedHttp1Options) {
    this.values = o.valueRelaxed ? VALUE_RELAXED : VALUE_CHAR;
    this.maxLineNumbers = LINE * o.maxHeaders;
    // Zero, in fields that hold doubles (see OFFSET_ZERO).
    this.base = 0;
    this.wordsEnd = 0;
    this.options = o;
  }

  private reset(buf: Uint8Array, end: number, partial: boolean): void {
    this.buf = buf;
    this.end = end;
    this.partial = partial;
    this.found.reasonStart = -1;
    this.found.reasonEnd = -1;
    this.found.folded = false;
    if (end >= WORDS_FROM) {
      if (buf !== this.wordsChunk) {
        // A chunk not scanned before (pipelined heads in one read share theirs): its buffer and
        // offset, read once a chunk (`buffer` is a call into the runtime).
        const ab = buf.buffer;
        if (ab !== this.wordsBuffer) {
          this.wordsBuffer = ab;
          this.blockInWords = false;
          this.words = new DataView(ab);
          this.wordsEnd = this.base + (ab.byteLength - buf.byteOffset);
        }
        this.wordsChunk = buf;
        this.wordsChunkBase = buf.byteOffset;
      }
      this.wordBase = this.wordsChunkBase;
      this.lineWordBase = this.options.valueRelaxed ? -1 : this.wordBase;
    } else {
      this.wordBase = -1;
      this.lineWordBase = -1;
    }
    this.found.contentLength = -1;
    this.found.hasContentLength = false;
    this.found.hasTransferEncoding = false;
    this.found.chunked = false;
    this.found.chunkedSeen = false;
    this.found.connectionClose = false;
    this.found.connectionKeepAlive = false;
    this.found.connectionUpgrade = false;
    this.found.hasUpgrade = false;
    this.found.expectContinue = false;
  }

  /**
   * Forget the last buffer scanned (see ParserState.release). The words view
   * is kept while the stream has not passed the end of its buffer (pipelined
   * heads in one read share it): `pos` is the stream offset reached.
   */
  release(pos: number): void {
    this.buf = NO_BYTES;
    if (pos >= this.wordsEnd) {
      this.words = NO_WORDS;
      this.wordsBuffer = null;
      this.wordsChunk = NO_BYTES;
    }
  }

  /** Stream offset where the buffer of `words` ends (as far as this stream could have filled it). */
  private wordsEnd = OFFSET_ZERO;

  fail(code: Code, message: string, i: number): Http1Error {
    // The excerpt stops at the end of what was scanned as the head.
    return http1Error(code, message, this.buf.subarray(0, this.end), i, this.base, this.state);
  }

  /** The head scanned ends at `end` (a partial scan found it whole in more bytes): later faults stop there. */
  endAt(end: number): void {
    this.end = end;
  }

  /** After a line ending at `i` (CR or LF): the next line's start, or INCOMPLETE. */
  private eol(i: number): number {
    const buf = this.buf;
    if (buf[i] === CR) {
      if (i + 1 >= this.end) {
        if (this.partial) return UNENDED;
        if (this.options.lfAfterCr) return i + 1;
        throw this.fail(E.BARE_CR, 'CR not followed by LF', i);
      }
      if (buf[i + 1] === LF) return i + 2;
      if (this.options.lfAfterCr) return i + 1;
      throw this.fail(E.BARE_CR, 'CR not followed by LF', i + 1);
    }
    if (this.options.crBeforeLf) return i + 1;
    throw this.fail(E.BARE_LF, 'LF without CR', i);
  }

  /**
   * Scan the head in `buf[start, end)`. Returns the index after it, {@link BLANK}
   * or (when `partial`) {@link INCOMPLETE}; throws an {@link Http1Error} at the first fault.
   * Every offset found is an index in `buf` (`begin`'s base is the stream offset of `buf[0]`).
   * Without `offsets` the scan only checks: `lines` is left as it was.
   */
  scanHead(
    buf: Uint8Array,
    start: number,
    end: number,
    request: boolean,
    partial: boolean,
    offsets = true,
    final = false,
  ): number {
    this.reset(buf, end, partial);
    this.final = final;
    const i0 = blankEnd(buf, start, end);
    if (i0 >= end) return ONLY_BLANK;
    let i = i0;
    i = request ? this.requestLine(i) : this.statusLine(i);
    if (i === UNENDED) return UNENDED;
    i = this.eol(i);
    if (i === UNENDED) return UNENDED;
    return this.fields(i, offsets);
  }

  /** Scan a trailer section: field lines up to the empty line (RFC 9112 §7.1.2). */
  scanFields(buf: Uint8Array, end: number): number {
    this.reset(buf, end, false);
    this.final = false;
    return this.fields(0, true);
  }

  private requestLine(i: number): number {
    const buf = this.buf;
    const end = this.end;
    const ms = i;
    i = tokenEnd(buf, i, end);
    if (i >= end) return UNENDED;
    if (buf[i] !== SP || i === ms) throw this.fail(E.INVALID_METHOD, 'the method is not a token followed by SP', i);
    const method = i - ms < METHOD_NAMES.length ? constantOf(METHOD_NAMES[i - ms], buf, ms) : undefined;
    /** The protocols the method may be used with (an unknown method: HTTP). */
    let cls = HTTP;
    if (method === undefined) {
      if (!this.options.allowUnknownMethods) throw this.fail(E.UNKNOWN_METHOD, 'unknown method', ms);
      this.found.method = String.fromCharCode.apply(null, buf.subarray(ms, i) as unknown as number[]);
    } else {
      this.found.method = method.text;
      cls = method.cls;
    }
    const us = ++i;
    i = urlEnd(this.words, this.wordBase, buf, i, end);
    if (i >= end) return UNENDED;
    this.found.urlStart = us;
    this.found.urlEnd = i;
    if (i === us) throw this.fail(E.INVALID_URL, 'empty request target', i);
    if (this.found.method !== 'CONNECT' && !this.targetForm(us, i)) {
      throw this.fail(E.INVALID_URL, 'the request target is not origin-, absolute- or asterisk-form', us);
    }
    if (i - us > this.options.maxUrlLength) {
      throw this.fail(E.URI_TOO_LONG, `request target longer than ${this.options.maxUrlLength}`, us);
    }
    const c = buf[i];
    if (c === CR || c === LF) {
      // HTTP/0.9 simple request: no protocol (llhttp reads it).
      this.found.protocol = 'HTTP';
      this.found.major = 0;
      this.found.minor = 9;
      return i;
    }
    if (c !== SP) throw this.fail(E.INVALID_URL, 'invalid byte in request target', i);
    i = this.protocolVersion(i + 1);
    if (i === UNENDED) return UNENDED;
    const want = this.found.protocol === 'HTTP' ? HTTP : this.found.protocol === 'RTSP' ? RTSP : ICE;
    if ((cls & want) === 0)
      throw this.fail(E.INVALID_CONSTANT, `${this.found.method} is not a ${this.found.protocol} method`, i);
    if (i >= end) return UNENDED;
    if (buf[i] !== CR && buf[i] !== LF) throw this.fail(E.INVALID_CONSTANT, 'expected the end of the request line', i);
    return i;
  }

  /** RFC 9112 §3.2: origin-form ("/..."), asterisk-form ("*") or absolute-form ("scheme://..."). */
  private targetForm(s: number, e: number): boolean {
    const buf = this.buf;
    const c = buf[s];
    if (c === 0x2f || c === 0x2a) return true;
    let p = s;
    while (
      p < e &&
      (((buf[p] | 0x20) >= 0x61 && (buf[p] | 0x20) <= 0x7a) || (p > s && TOKEN[buf[p]] === 1 && buf[p] !== 0x3a))
    )
      p++;
    return p > s && p + 3 <= e && buf[p] === 0x3a && buf[p + 1] === 0x2f && buf[p + 2] === 0x2f;
  }

  private statusLine(i: number): number {
    const buf = this.buf;
    const end = this.end;
    i = this.protocolVersion(i);
    if (i === UNENDED || i >= end) return UNENDED;
    if (buf[i] !== SP) throw this.fail(E.INVALID_VERSION, 'expected SP after the version', i);
    i++;
    if (i + 3 > end) return UNENDED;
    const d0 = buf[i] - 0x30;
    const d1 = buf[i + 1] - 0x30;
    const d2 = buf[i + 2] - 0x30;
    if (d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      throw this.fail(E.INVALID_STATUS, 'the status code is not three digits', i);
    }
    this.found.status = d0 * 100 + d1 * 10 + d2;
    i += 3;
    if (i >= end) return UNENDED;
    if (buf[i] === SP) {
      const rs = ++i;
      i = valueEnd(NO_WORDS, -1, buf, i, end, VALUE_CHAR);
      if (i >= end) return UNENDED;
      if (buf[i] !== CR && buf[i] !== LF) throw this.fail(E.INVALID_STATUS, 'invalid byte in the reason phrase', i);
      this.found.reasonStart = rs;
      this.found.reasonEnd = i;
    } else if (buf[i] !== CR && buf[i] !== LF) {
      throw this.fail(E.INVALID_STATUS, 'the status code is not three digits', i);
    }
    return i;
  }

  private protocolVersion(p: number): number {
    const buf = this.buf;
    const end = this.end;
    if (this.wordBase >= 0 && p + 8 <= end) {
      // "HTTP/1.1" and "HTTP/1.0", as two words.
      const words = this.words;
      const x = words.getInt32(this.wordBase + p + 4, true);
      if (words.getInt32(this.wordBase + p, true) === WORD_HTTP && (x === WORD_1_1 || x === WORD_1_0)) {
        this.found.protocol = 'HTTP';
        this.found.major = 1;
        this.found.minor = x === WORD_1_1 ? 1 : 0;
        return p + 8;
      }
    }
    const c = buf[p];
    const proto = c === 0x52 ? PROTO_RTSP : c === 0x49 ? PROTO_ICE : PROTO_HTTP;
    for (let k = 0; k < proto.length; k++, p++) {
      if (p >= end) return UNENDED;
      if (buf[p] !== proto[k]) throw this.fail(E.INVALID_CONSTANT, 'expected HTTP/', p);
    }
    this.found.protocol = proto === PROTO_HTTP ? 'HTTP' : proto === PROTO_RTSP ? 'RTSP' : 'ICE';
    if (p + 3 > end) return UNENDED;
    const major = buf[p] - 0x30;
    if (major < 0 || major > 9) throw this.fail(E.INVALID_VERSION, 'invalid major version', p);
    if (buf[p + 1] !== 0x2e) throw this.fail(E.INVALID_VERSION, 'expected "." in the version', p + 1);
    const minor = buf[p + 2] - 0x30;
    if (minor < 0 || minor > 9) throw this.fail(E.INVALID_VERSION, 'invalid minor version', p + 2);
    this.found.major = major;
    this.found.minor = minor;
    const v = major * 10 + minor;
    if (v !== 11 && v !== 10 && v !== 9 && !(v === 20 && this.found.method === 'PRI') && !this.options.version) {
      throw this.fail(E.UNSUPPORTED_VERSION, `unsupported version ${major}.${minor}`, p);
    }
    return p + 3;
  }

  /** Field lines (RFC 9112 §5) from `i` up to and including the empty line. */
  private fields(i: number, offsets: boolean): number {
    const r = this.scan(i);
    if (offsets && r >= 0) {
      // The head takes its range of the block (a scan that only checks, or did not find the end, takes none).
      const f = this.found;
      f.offs = this.lines;
      f.first = this.linesFirst;
      f.count = (this.linesEnd - this.linesFirst) / LINE;
      this.linesUsed = this.linesEnd;
    }
    return r;
  }

  /** The lines found by {@link Scanner.scan}: `lines[linesFirst, linesEnd)`. */
  private linesFirst = 0;
  private linesEnd = 0;

  /** The block was taken while scanning the buffer of `words`, which has not changed since (see newBlock). */
  private blockInWords = false;

  /**
   * The block is full: a new one, with the `n` numbers of the lines scanned so far (from `linesFirst`) at its start.
   * A head keeps the block it was written to, so the old block is left as it is.
   *
   * A block filled from the buffer it was taken in (heads pipelined in one read) is followed by a large one;
   * one filled over several reads (a keep-alive connection sending a request a read), or from input too short
   * to be scanned by words, by a small one, which is what such a connection keeps while it idles (640 bytes,
   * not 8 KiB).
   */
  private newBlock(n: number): Int32Array {
    const old = this.lines;
    const inWords = this.wordBase >= 0;
    const size = inWords && this.blockInWords ? LINES_BLOCK : FIRST_LINES_BLOCK;
    this.blockInWords = inWords;
    const next = linesBlock(Math.max(size, 2 * (n + LINE)));
    next.set(old.subarray(this.linesFirst, this.linesFirst + n));
    this.lines = next;
    this.linesUsed = 0;
    this.linesFirst = 0;
    return next;
  }

  /** The last field line's name's FieldKind (UNKNOWN_KIND: compare its bytes once it is complete); its numbers are the last LINE of `lines` before `linesEnd`. */
  private lastKind: number = FieldKind.OTHER;
  /** Where the lines ended (after the empty line, or INCOMPLETE), once fieldLine returned LINES_END. */
  private linesStop = 0;

  /**
   * The field lines from `i`, one call of {@link Scanner.fieldLine} a line.
   *
   * The loop is apart from the work of a line so that the function that runs
   * the loop has one path, taken from the first head on. A function whose loop
   * runs when V8 optimizes it is also compiled for entry in the middle of the
   * loop (on-stack replacement); when its optimized code is later thrown away
   * because a line took a path not taken before, every call enters that
   * loop-entry code from the unoptimized function, for as long as V8 takes to
   * optimize it again: up to hundreds of thousands of heads at twice the cost.
   * `fieldLine` has no loop (its loops are the small functions above), so it
   * is never compiled that way.
   */
  private scan(i: number): number {
    const first = this.linesUsed;
    this.linesFirst = first;
    this.linesEnd = first;
    this.lastKind = FieldKind.OTHER;
    while (i >= 0) i = this.fieldLine(i);
    if (i !== LINES_END) return i;
    i = this.linesStop;
    if (i === UNENDED) return UNENDED;
    if (!this.partial && i !== this.end) {
      // The lines end before the bytes read as the head: a line ending to us that is
      // not one to the head's delimiter. Refuse rather than guess (smuggling shape).
      throw this.fail(E.BARE_CR, 'ambiguous line ending in the head', i - 1);
    }
    return i;
  }

  /**
   * One field line (or obs-fold continuation) at `i`: the start of the next
   * line, INCOMPLETE, or LINES_END at the empty line (`linesStop` then holds
   * where the lines ended).
   */
  private fieldLine(i: number): number {
    // What the line's work reads of the scanner is read after the call of `field` (when there is one),
    // so that it is not kept across it.
    const buf = this.buf;
    const end = this.end;
    let n = this.linesEnd;
    let lastKind = this.lastKind;
    if (i >= end) {
      // A partial head whose last line may go on with an obs-fold (a fault of its own, found first when
      // the whole head is scanned): its framing faults are named once more bytes show that it ended, or
      // at the end of input, so that the code does not depend on where the bytes were split.
      if (lastKind !== FieldKind.OTHER && this.final) this.field(n - LINE, lastKind);
      return UNENDED;
    }
    let c = buf[i];
    // A name's first byte (most lines) is above SP.
    if (c < SP && (c === CR || c === LF)) {
      if (lastKind !== FieldKind.OTHER) this.field(n - LINE, lastKind);
      this.linesStop = this.eol(i);
      return LINES_END;
    }
    let fold = false;
    /** Where the value starts (the line's, for an obs-fold). */
    let vs: number;
    let offs: Int32Array;
    if (c <= SP && (c === SP || c === HTAB)) {
      // obs-fold (RFC 9112 §5.2): rejected unless lenient; never before the first field.
      if (n === this.linesFirst) throw this.fail(E.OBS_FOLD, 'whitespace before the first field line', i);
      if (!this.options.headers) throw this.fail(E.OBS_FOLD, 'obs-fold in a field line', i);
      this.found.folded = true;
      fold = true;
      offs = this.lines;
      vs = offs[n - LINE + 2];
    } else {
      if (lastKind !== FieldKind.OTHER) this.field(n - LINE, lastKind);
      offs = this.lines;
      let first = this.linesFirst;
      const wb = this.lineWordBase;
      const words = this.words;
      const ns = i;
      let id = -1;
      /** The name is not a common one of up to SHORT_NAME bytes: go on to the token loop. */
      let notShort = false;
      if (wb >= 0 && i + 16 <= end) {
        // A name of up to 15 bytes (most): its end found in up to four words, kept (zero past the
        // name) and looked up in the short table, with no second read of its bytes. specialNameBytes
        // and firstByte are written out (each call here would not be inlined: too much is already).
        const x0 = words.getInt32(wb + i, true);
        let y = x0 ^ 0x3a3a3a3a;
        let m = ((x0 - 0x21212121) | (x0 + 0x01010101) | x0 | (y - 0x01010101)) & 0x80808080;
        let y0 = x0;
        let y1 = 0;
        let y2 = 0;
        let y3 = 0;
        let len = -1;
        if (m !== 0) {
          // The lowest bit set is byte k's high bit: the bytes below k are (bit >>> 7) - 1.
          m &= -m;
          len = (31 - Math.clz32(m)) >> 3;
          y0 = x0 & ((m >>> 7) - 1);
        } else {
          y1 = words.getInt32(wb + i + 4, true);
          y = y1 ^ 0x3a3a3a3a;
          m = ((y1 - 0x21212121) | (y1 + 0x01010101) | y1 | (y - 0x01010101)) & 0x80808080;
          if (m !== 0) {
            m &= -m;
            len = 4 + ((31 - Math.clz32(m)) >> 3);
            y1 &= (m >>> 7) - 1;
          } else {
            y2 = words.getInt32(wb + i + 8, true);
            y = y2 ^ 0x3a3a3a3a;
            m = ((y2 - 0x21212121) | (y2 + 0x01010101) | y2 | (y - 0x01010101)) & 0x80808080;
            if (m !== 0) {
              m &= -m;
              len = 8 + ((31 - Math.clz32(m)) >> 3);
              y2 &= (m >>> 7) - 1;
            } else {
              y3 = words.getInt32(wb + i + 12, true);
              y = y3 ^ 0x3a3a3a3a;
              m = ((y3 - 0x21212121) | (y3 + 0x01010101) | y3 | (y - 0x01010101)) & 0x80808080;
              if (m !== 0) {
                m &= -m;
                len = 12 + ((31 - Math.clz32(m)) >> 3);
                y3 &= (m >>> 7) - 1;
              }
            }
          }
        }
        if (len >= 0) {
          if (len > 0) id = shortName(len, y0, y1, y2, y3);
          if (id >= 0) i = ns + len;
          else notShort = true;
        }
      }
      if (id < 0 && !notShort && wb >= 0) {
        // A longer common name, found four bytes at a time (see longName); any other is scanned again
        // below, byte by byte, which finds a separator it holds.
        id = longName(words, wb, buf, ns, end);
        if (id >= 0) i = ns + NAME_BYTES[id].length;
      }
      if (id < 0) i = tokenEnd(buf, i, end);
      if (i >= end) return UNENDED;
      const nameLength = i - ns;
      let ne = i;
      if (buf[i] !== COLON) {
        // RFC 9112 §5.1: no whitespace between name and colon (lenient HEADERS keeps it in the name).
        if (this.options.headers && i > ns && (buf[i] === SP || buf[i] === HTAB)) {
          i = owsEnd(buf, i, end);
          if (i >= end) return UNENDED;
          ne = i;
          id = -1;
        }
        if (buf[i] !== COLON) throw this.fail(E.INVALID_HEADER_TOKEN, 'invalid byte in a field name', i);
      }
      const len = ne - ns;
      if (len === 0) throw this.fail(E.INVALID_HEADER_TOKEN, 'empty field name', i);
      if (n - first >= this.maxLineNumbers) {
        throw this.fail(E.HEADERS_TOO_MANY, `more than ${this.options.maxHeaders} field lines`, ns);
      }
      // A common name, spelled exactly as a constant: its id, and its kind.
      if (wb < 0) id = fieldNameId(buf, ns, ne);
      // Other spellings of the framing and connection names (of their lengths, before any lenient
      // whitespace) are compared when the line is complete.
      lastKind =
        id >= 0
          ? FIELD_KIND[id]
          : nameLength < 18 && ((FRAMING_LENGTHS >> nameLength) & 1) !== 0
            ? UNKNOWN_KIND
            : FieldKind.OTHER;
      i = owsEnd(buf, i + 1, end);
      if (n + LINE > offs.length) {
        offs = this.newBlock(n - first);
        n -= first;
        first = 0;
      }
      // The value's end (n + 3) is written once the line is complete.
      offs[n] = ns;
      offs[n + 1] = ne;
      offs[n + 2] = i;
      offs[n + 4] = id;
      vs = i;
      n += LINE;
      this.linesEnd = n;
      this.lastKind = lastKind;
    }
    i = valueEnd(this.words, this.lineWordBase, buf, i, end, this.values);
    if (i >= end) return UNENDED;
    c = buf[i];
    if (c !== CR && c !== LF) throw this.fail(E.INVALID_HEADER_TOKEN, 'invalid byte in a field value', i);
    const ve = trimEnd(buf, vs, i);
    if (!fold || ve > offs[n - LINE + 3]) offs[n - LINE + 3] = ve;
    if (c === CR && i + 1 < end && buf[i + 1] === LF) return i + 2;
    // llhttp's lenient HEADERS: a CR alone ends a field line.
    if (c === CR && this.options.headers && i + 1 < end) return i + 1;
    return this.eol(i);
  }

  /**
   * Framing and connection fields, once the line at `k` (with any folds) is
   * complete: `kind` is its name's {@link FieldKind}, or UNKNOWN_KIND for a
   * name to compare (an uncommon spelling, or one with lenient whitespace).
   */
  private field(k: number, kind: number): void {
    const offs = this.lines;
    const ns = offs[k];
    const vs = offs[k + 2];
    const ve = offs[k + 3];
    if (kind === UNKNOWN_KIND) {
      const buf = this.buf;
      let ne = offs[k + 1];
      while (buf[ne - 1] === SP || buf[ne - 1] === HTAB) ne--;
      const len = ne - ns;
      if (len === 14 && equalsLower(buf, ns, ne, 'content-length')) kind = FieldKind.CONTENT_LENGTH;
      else if (len === 17 && equalsLower(buf, ns, ne, 'transfer-encoding')) kind = FieldKind.TRANSFER_ENCODING;
      else if (
        (len === 10 && equalsLower(buf, ns, ne, 'connection')) ||
        (len === 16 && equalsLower(buf, ns, ne, 'proxy-connection'))
      )
        kind = FieldKind.CONNECTION;
      else if (len === 7 && equalsLower(buf, ns, ne, 'upgrade')) kind = FieldKind.UPGRADE;
      else if (len === 6 && equalsLower(buf, ns, ne, 'expect')) kind = FieldKind.EXPECT;
      else return;
    }
    if (kind === FieldKind.CONTENT_LENGTH) {
      // RFC 9112 §6.3 rule 5: several Content-Length fields are an error here, even when equal (as llhttp).
      if (this.found.hasContentLength) throw this.fail(E.DUPLICATE_CONTENT_LENGTH, 'more than one Content-Length', ns);
      this.found.hasContentLength = true;
      this.found.contentLength = this.number(vs, ve);
    } else if (kind === FieldKind.TRANSFER_ENCODING) {
      this.found.hasTransferEncoding = true;
      this.tokens(vs, ve, TE);
    } else if (kind === FieldKind.CONNECTION) {
      // The common values, whole (the value is trimmed: one element, as the list's loop would find it).
      const words = this.words;
      const wb = this.wordBase;
      if (equalsLowerBytes(words, wb, this.buf, vs, ve, KEEP_ALIVE, KEEP_ALIVE_WORDS))
        this.found.connectionKeepAlive = true;
      else if (equalsLowerBytes(words, wb, this.buf, vs, ve, CLOSE, CLOSE_WORDS)) this.found.connectionClose = true;
      else this.tokens(vs, ve, CONNECTION);
    } else if (kind === FieldKind.UPGRADE) {
      this.found.hasUpgrade = true;
    } else if (kind === FieldKind.EXPECT) {
      this.tokens(vs, ve, EXPECT);
    }
  }

  /** Content-Length = 1*DIGIT (RFC 9110 §8.6), checked against overflow. */
  private number(a: number, b: number): number {
    const buf = this.buf;
    while (a < b && isSpace(buf[a])) a++;
    while (b > a && isSpace(buf[b - 1])) b--;
    if (a === b) throw this.fail(E.INVALID_CONTENT_LENGTH, 'empty Content-Length', a);
    let n = 0;
    for (let p = a; p < b; p++) {
      const d = buf[p] - 0x30;
      if (d < 0 || d > 9) throw this.fail(E.INVALID_CONTENT_LENGTH, 'Content-Length is not a number', p);
      n = n * 10 + d;
      if (n > Number.MAX_SAFE_INTEGER) throw this.fail(E.INVALID_CONTENT_LENGTH, 'Content-Length too large', p);
    }
    return n;
  }

  /** Each non-empty element of a comma-separated list (RFC 9110 §5.6.1), by what the field means. */
  private tokens(a: number, b: number, kind: number): void {
    const buf = this.buf;
    let p = a;
    while (p < b) {
      while (p < b && (isSpace(buf[p]) || buf[p] === 0x2c)) p++;
      if (p >= b) return;
      const t = p;
      while (p < b && buf[p] !== 0x2c) p++;
      let e = p;
      while (e > t && isSpace(buf[e - 1])) e--;
      if (kind === TE) {
        // The last coding decides: chunked must be final (RFC 9112 §6.3 rule 4), and
        // applied once (§6.1): a second chunked is refused, as llhttp does.
        this.found.chunked = equalsLower(buf, t, e, 'chunked');
        if (this.found.chunked) {
          if (this.found.chunkedSeen && !this.options.transferEncoding) {
            throw this.fail(E.INVALID_TRANSFER_ENCODING, 'chunked applied more than once', t);
          }
          this.found.chunkedSeen = true;
        }
      } else if (kind === CONNECTION) {
        if (equalsLower(buf, t, e, 'close')) this.found.connectionClose = true;
        else if (equalsLower(buf, t, e, 'keep-alive')) this.found.connectionKeepAlive = true;
        else if (equalsLower(buf, t, e, 'upgrade')) this.found.connectionUpgrade = true;
      } else if (equalsLower(buf, t, e, '100-continue')) {
        this.found.expectContinue = true;
      }
    }
  }
}
