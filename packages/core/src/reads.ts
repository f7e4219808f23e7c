/**
 * Read requests: plain data that says what a waiting state needs.
 *
 * A request is built once (or computed from context) and handed to the
 * driver, which satisfies it from buffered bytes. Results arrive at the
 * machine as {@link ReadEvent}s.
 *
 * Conventions, the same as Tornado's IOStream and asyncio's StreamReader:
 * - `until` and `regex` results **include** the delimiter (or the match),
 *   unless `strip: true` is given; the delimiter is consumed either way.
 * - `maxBytes` counts every byte the read would consume, **delimiter
 *   included**. A read that cannot complete within `maxBytes` fails with
 *   {@link MaxBytesError} as soon as that is certain.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from './errors.js';

/**
 * A read's decoder: turns the read's bytes, `buf[start, end)`, into the
 * event's `value`, once. `buf` is the chunk the bytes arrived in (a Node
 * `Buffer` when the transport gives Buffers), or one copy when they spanned
 * chunks: read it by offset, and no view is made at all. Throw a
 * {@link ProtocolFault} (or call {@link reject}) to refuse the bytes: the
 * error is placed at the read's start. The helpers in `decode` (`decimal`,
 * `u32be`, `utf8`, ...) are decoders of this shape.
 */
export type ReadMap<T = unknown> = (buf: Uint8Array, start: number, end: number) => T;

/** `bytes(n)`: exactly `n` bytes, or with `partial` between 1 and `n`. */
export interface BytesRead<T = unknown> {
  readonly kind: 'bytes';
  readonly n: number;
  readonly partial: boolean;
  /** See {@link ReadMap} (absent or `null`: no decoder). */
  readonly map?: ReadMap<T> | null;
}
/**
 * `lengthPrefixed(width)`: a `width`-byte unsigned length, then that many
 * bytes, as one read. The event holds the bytes after the length.
 */
export interface LengthPrefixedRead<T = unknown> {
  readonly kind: 'lengthPrefixed';
  readonly width: 1 | 2 | 4;
  readonly littleEndian: boolean;
  /** The longest payload accepted; a longer length fails as soon as it is read. */
  readonly maxBytes: number;
  readonly map?: ReadMap<T> | null;
}
/** `into(buffer)`: fill a caller's buffer (or, with `partial`, part of it). */
export interface IntoRead {
  readonly kind: 'into';
  readonly buffer: Uint8Array;
  readonly partial: boolean;
  /** See {@link IntoCopy} (absent or `null`: the bytes are copied as they are). */
  readonly copy?: IntoCopy | null;
}
/**
 * How an `into` read writes the bytes it takes: all of `piece` into `target`
 * at `at`, changed as the protocol needs (unmasked, say) in the same pass
 * that copies them. Called for each piece of the input the bytes arrive in,
 * in order; `at` is where the piece goes in the read's buffer. `piece` is a
 * view of a chunk as it was fed, or the chunk itself: it belongs to the
 * caller that fed it, so read it and do not keep or write to it. A throw
 * fails the read, at its start.
 */
export type IntoCopy = (piece: Uint8Array, target: Uint8Array, at: number) => void;
/** `until(delimiter)`: everything up to the first of the delimiters. */
export interface UntilRead<T = unknown> {
  readonly kind: 'until';
  readonly delimiters: readonly Uint8Array[];
  readonly maxBytes: number;
  readonly strip: boolean;
  /** Longest delimiter length, precomputed for resuming the scan. */
  readonly longest: number;
  /** See {@link UntilOptions.validate}. */
  readonly validate: UntilValidate | null;
  /** See {@link UntilOptions.measure}. */
  readonly measure: UntilMeasure | null;
  /** See {@link ReadMap}: given the bytes without the delimiter when `strip` is set (absent or `null`: no decoder). */
  readonly map?: ReadMap<T> | null;
}

/**
 * Finds a whole record at the start of the first buffered chunk without the
 * delimiter search: the chunk's buffered bytes are `buf[start, end)` (the
 * chunk as it arrived, read by offset: no view is made), `offset` is the
 * stream offset of `buf[start]`. Returns the record's length, delimiter
 * included, or -1 when those bytes do not hold one.
 */
export type UntilMeasure = (buf: Uint8Array, start: number, end: number, offset: number) => number;

/**
 * Checks the bytes of an `until` read that is still waiting: `pending` holds
 * the bytes buffered so far (no delimiter ends among them, and never more
 * than `maxBytes`), `offset` is the stream offset of `pending[0]`. Throw to
 * reject the input before the delimiter arrives: a `ProtocolError` keeps the
 * position it carries, a `ProtocolFault` gets the read's start.
 */
export type UntilValidate = (pending: Uint8Array, offset: number) => void;

/** Options of {@link until}. */
export interface UntilOptions<T = unknown> {
  /**
   * Decode the bytes once, into the event's `value` (see {@link ReadMap});
   * with `strip`, the decoder is given the bytes without the delimiter.
   */
  map?: ReadMap<T>;
  /** The most bytes the read may consume, delimiter included. */
  maxBytes?: number;
  /** Leave the delimiter out of the result (it is consumed all the same). */
  strip?: boolean;
  /**
   * Reject bad input early, while the read waits for its delimiter (a head
   * with a forbidden byte, say, from a peer that never ends it). Called
   * when a search fails, each time the buffered bytes have grown fourfold
   * since the previous call (bytes that arrived a few at a time, under 4 a
   * piece on average, from 1 KiB on), so its total work stays linear in the
   * read's length however the bytes arrive. Never called for bytes that
   * complete the read at once: the machine checks those itself.
   */
  validate?: UntilValidate;
  /**
   * A faster way to the end of the record, for a protocol whose parser finds
   * it while checking the record anyway (an HTTP head, say): tried once, on
   * the first buffered chunk, when the read starts; the delimiter search
   * takes over when it returns -1. It must find the end the search would (the
   * first delimiter) or return -1; it may throw to reject the input, as
   * `validate` does. A length past `maxBytes` fails the read. Not with `strip`.
   */
  measure?: UntilMeasure;
}
/** `regex(re)`: everything up to the end of the first match. */
export interface RegexRead {
  readonly kind: 'regex';
  readonly re: RegExp;
  readonly maxBytes: number;
}
/** `untilClose()`: everything until the input ends. */
export interface UntilCloseRead {
  readonly kind: 'untilClose';
  readonly maxBytes: number;
}
/** `streamBytes(n)`: `n` bytes delivered as `chunk` events, then `done`. */
export interface StreamBytesRead {
  readonly kind: 'streamBytes';
  readonly n: number;
}
/** `streamUntilClose()`: every byte until the end, as `chunk` events, then `done`. */
export interface StreamUntilCloseRead {
  readonly kind: 'streamUntilClose';
}

/** Any read request. */
export type ReadRequest =
  | BytesRead
  | LengthPrefixedRead
  | IntoRead
  | UntilRead
  | RegexRead
  | UntilCloseRead
  | StreamBytesRead
  | StreamUntilCloseRead;

/**
 * A read completed. `data` is a zero-copy view when the bytes lay in one
 * chunk (made when first asked for); `buf[start, end)` are the same bytes by
 * offset; `value` is what the read's decoder (`map`) made of them.
 *
 * The event object is valid during its step only (the driver may reuse it for
 * the next read): keep `value` or `data`, not the event.
 */
export interface ReadDoneEvent<T = any> {
  readonly type: 'read';
  readonly data: Uint8Array;
  /** The decoded value, for a read with `map`; otherwise `undefined`. */
  readonly value: T;
  /** The chunk (or copy) holding the read's bytes. */
  readonly buf: Uint8Array;
  /** Where the read's bytes start in `buf`. */
  readonly start: number;
  /** Where they end in `buf` (without a stripped delimiter). */
  readonly end: number;
  /** For `until`: which of the delimiters matched (its index). Otherwise -1. */
  readonly delimiter: number;
  /** For `regex`: the match, run over the bytes as latin1 text. Otherwise null. */
  readonly match: RegExpExecArray | null;
}
/** A piece of a streaming read, as it arrived. */
export interface ChunkEvent {
  readonly type: 'chunk';
  readonly data: Uint8Array;
}
/** A streaming read delivered its last chunk. */
export interface StreamDoneEvent {
  readonly type: 'done';
}
/**
 * The input ended. Sent only to a state that has a transition for `eof`;
 * `unread` holds the bytes no read took. A machine that reaches a final
 * state on `eof` ends cleanly; otherwise the pending read fails.
 */
export interface EofEvent {
  readonly type: 'eof';
  readonly unread: Uint8Array;
  /** The transport's error when the input failed rather than ended; `undefined` on a clean end. */
  readonly error: unknown;
}

/** Every event the driver sends to a protocol machine. */
export type ReadEvent = ReadDoneEvent | ChunkEvent | StreamDoneEvent | EofEvent;

/** Default `maxBytes` of `regex` reads, which rescan their window on each arrival. */
export const DEFAULT_REGEX_MAX_BYTES = 64 * 1024;

const encoder = new TextEncoder();

function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${name} must be a non-negative safe integer, got ${value}`);
  }
  return value;
}

function toBytes(value: string | Uint8Array): Uint8Array {
  if (typeof value !== 'string') return value;
  // Delimiters are byte strings: each char must be one byte (latin1), so
  // "\r\n" is 0d 0a and "\xff" is ff, not UTF-8.
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) return encoder.encode(value);
    out[i] = c;
  }
  return out;
}

/**
 * Every read request is an object of one shape (the same properties in the
 * same order, unused ones at a neutral value), so that the driver's loads of
 * `kind`, `n`, `map`... stay monomorphic in a process that runs several
 * protocols: with one shape per kind they went megamorphic, and a RESP
 * machine ran up to a third slower after an HTTP or a PostgreSQL one had
 * warmed the same code. Requests written by hand as object literals work
 * the same, at that cost.
 */
function shaped<R extends ReadRequest>(f: {
  kind: ReadRequest['kind'];
  n?: number;
  partial?: boolean;
  map?: ReadMap<any> | null;
  width?: number;
  littleEndian?: boolean;
  maxBytes?: number;
  buffer?: Uint8Array | null;
  delimiters?: readonly Uint8Array[] | null;
  strip?: boolean;
  longest?: number;
  validate?: UntilValidate | null;
  measure?: UntilMeasure | null;
  re?: RegExp | null;
  copy?: IntoCopy | null;
}): R {
  return {
    kind: f.kind,
    n: f.n ?? 0,
    partial: f.partial ?? false,
    map: f.map ?? null,
    width: f.width ?? 0,
    littleEndian: f.littleEndian ?? false,
    maxBytes: f.maxBytes ?? Number.POSITIVE_INFINITY,
    buffer: f.buffer ?? null,
    delimiters: f.delimiters ?? null,
    strip: f.strip ?? false,
    longest: f.longest ?? 0,
    validate: f.validate ?? null,
    measure: f.measure ?? null,
    re: f.re ?? null,
    copy: f.copy ?? null,
  } as unknown as R;
}

/**
 * Read exactly `n` bytes. With `partial: true`, complete as soon as at least
 * one byte is buffered, with at most `n` bytes (at end of input, whatever is
 * left, if anything).
 *
 * @example
 * ```ts
 * meta: { read: bytes(4) }                           // a 4-byte length prefix
 * meta: { read: ({ context }) => bytes(context.len) } // the frame it announced
 * ```
 */
export function bytes<T = unknown>(n: number, options?: { partial?: boolean; map?: ReadMap<T> }): BytesRead<T> {
  return shaped({
    kind: 'bytes',
    n: checkCount('n', n),
    partial: options?.partial === true,
    map: checkMap(options?.map),
  });
}

function checkMap<T>(map: ReadMap<T> | undefined): ReadMap<T> | null {
  if (map === undefined) return null;
  if (typeof map !== 'function') throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'map must be a function');
  return map;
}

/**
 * A length-prefixed field as one read: a `width`-byte unsigned length (big
 * endian unless `littleEndian`), then that many bytes. The event holds the
 * bytes after the length (and `value`, with `map`). A length above
 * `maxBytes` fails with {@link MaxBytesError} as soon as it is read, before
 * any of the payload is buffered.
 *
 * @example
 * ```ts
 * meta: { read: lengthPrefixed(2, { maxBytes: 65535, map: utf8 }) } // an MQTT string
 * ```
 */
export function lengthPrefixed<T = unknown>(
  width: 1 | 2 | 4,
  options?: { littleEndian?: boolean; maxBytes?: number; map?: ReadMap<T> },
): LengthPrefixedRead<T> {
  if (width !== 1 && width !== 2 && width !== 4)
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `lengthPrefixed() width must be 1, 2 or 4, got ${width}`);
  const maxBytes =
    options?.maxBytes === undefined ? Number.POSITIVE_INFINITY : checkCount('maxBytes', options.maxBytes);
  return shaped({
    kind: 'lengthPrefixed',
    width,
    littleEndian: options?.littleEndian === true,
    maxBytes,
    map: checkMap(options?.map),
  });
}

/**
 * Fill `buffer` (the read completes when it is full), or with `partial: true`
 * as much of it as is buffered (at least one byte). The event's `data` is a
 * view of `buffer` over the bytes written. The caller owns `buffer`: the
 * driver writes into it and never keeps it. With `copy`, the bytes are
 * written by it, changed as they are copied (see {@link IntoCopy}).
 *
 * @example
 * ```ts
 * // A payload XORed with a 4-byte key, unmasked while it is copied.
 * into(context.payload, {
 *   copy: (piece, target, at) => {
 *     for (let i = 0; i < piece.length; i++, at++) target[at] = piece[i] ^ key[at & 3];
 *   },
 * })
 * ```
 */
export function into(buffer: Uint8Array, options?: { partial?: boolean; copy?: IntoCopy }): IntoRead {
  const copy = options?.copy ?? null;
  if (copy !== null && typeof copy !== 'function')
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'into() copy must be a function');
  // Built here, not by `shaped`: V8 decides per allocation site whether to
  // allocate its objects in the old generation, and the site in `shaped` is
  // soon decided so, as most reads are built once and kept. An `into` read is
  // most often built for one message and holds that message's buffer: in the
  // old generation it would keep the buffer alive until a full collection
  // (in the protocols bench, a 64 KiB WebSocket payload per frame, every
  // frame on fresh memory). Same fields in the same order: the same shape.
  return {
    kind: 'into',
    n: 0,
    partial: options?.partial === true,
    map: null,
    width: 0,
    littleEndian: false,
    maxBytes: Number.POSITIVE_INFINITY,
    buffer,
    delimiters: null,
    strip: false,
    longest: 0,
    validate: null,
    measure: null,
    re: null,
    copy,
  } as unknown as IntoRead;
}

/**
 * Read up to and including the first occurrence of `delimiter`, or of the
 * delimiter in the list that occurs first (on a tie at one position, the
 * first listed wins). Strings are byte strings (one char per byte).
 *
 * `maxBytes` bounds what the read may consume, delimiter included; the
 * default is no bound beyond the driver's `maxBufferSize`. The scan resumes
 * where it stopped when more bytes arrive, so it never rescans.
 *
 * @example
 * ```ts
 * until('\r\n', { maxBytes: 8192 })
 * until(['\r\n', '\n'], { maxBytes: 8192, strip: true })
 * until('\r\n', { strip: true, map: decimal })         // the line's integer, decoded once
 * ```
 */
export function until<T = unknown>(
  delimiter: string | Uint8Array | readonly (string | Uint8Array)[],
  options?: UntilOptions<T>,
): UntilRead<T> {
  const list = (Array.isArray(delimiter) ? delimiter : [delimiter]) as (string | Uint8Array)[];
  if (list.length === 0) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'until() needs at least one delimiter');
  const delimiters = list.map(toBytes);
  let longest = 0;
  for (const d of delimiters) {
    if (d.length === 0) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'until() delimiters must not be empty');
    if (d.length > longest) longest = d.length;
  }
  const maxBytes =
    options?.maxBytes === undefined ? Number.POSITIVE_INFINITY : checkCount('maxBytes', options.maxBytes);
  const validate = options?.validate ?? null;
  if (validate !== null && typeof validate !== 'function') {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'until() validate must be a function');
  }
  const measure = options?.measure ?? null;
  if (measure !== null && (typeof measure !== 'function' || options?.strip === true)) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, 'until() measure must be a function, and not with strip');
  }
  return shaped({
    kind: 'until',
    delimiters,
    maxBytes,
    strip: options?.strip === true,
    longest,
    validate,
    measure,
    map: checkMap(options?.map),
  });
}

/**
 * Read up to and including the end of the first match of `re`, run over the
 * buffered bytes as latin1 text (one char per byte). A regex cannot resume a
 * scan, so the buffered window is searched again on each arrival: `maxBytes`
 * (default {@link DEFAULT_REGEX_MAX_BYTES}) bounds both the read and that work.
 * A match must end inside the window: a greedy pattern may match less than it
 * would over the whole input, as with Tornado's `read_until_regex`.
 */
export function regex(re: RegExp, options?: { maxBytes?: number }): RegexRead {
  const flags = re.flags.replace(/[gy]/g, '');
  return shaped({
    kind: 'regex',
    re: new RegExp(re.source, flags),
    maxBytes: checkCount('maxBytes', options?.maxBytes ?? DEFAULT_REGEX_MAX_BYTES),
  });
}

/**
 * Read everything until the input ends. Completes at end of input (even with
 * zero bytes). Bounded by `maxBytes` (default: only `maxBufferSize`).
 */
export function untilClose(options?: { maxBytes?: number }): UntilCloseRead {
  const maxBytes =
    options?.maxBytes === undefined ? Number.POSITIVE_INFINITY : checkCount('maxBytes', options.maxBytes);
  return shaped({ kind: 'untilClose', maxBytes });
}

/**
 * Stream `n` bytes: each piece is delivered as a `chunk` event as soon as it
 * is buffered (zero-copy views), then a `done` event. The body is never
 * buffered whole. The state handles `chunk` with a targetless transition.
 */
export function streamBytes(n: number): StreamBytesRead {
  return shaped({ kind: 'streamBytes', n: checkCount('n', n) });
}

/** Stream every byte until the input ends, as `chunk` events, then `done`. */
export function streamUntilClose(): StreamUntilCloseRead {
  return shaped({ kind: 'streamUntilClose' });
}

/** `true` for reads whose results arrive as `chunk` events and then `done`. */
export function isStreaming(read: ReadRequest): read is StreamBytesRead | StreamUntilCloseRead {
  return read.kind === 'streamBytes' || read.kind === 'streamUntilClose';
}
