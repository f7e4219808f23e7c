/**
 * Decoders for reads: each turns `buf[start, end)` into a value, straight
 * from the bytes, and is meant to be given as a read's `map` (see
 * {@link ReadMap}) so that a read's bytes are decoded once:
 *
 * ```ts
 * until('\r\n', { strip: true, map: decode.decimal })  // "-42\r\n" -> -42
 * bytes(4, { map: decode.u32be })                      // a big-endian length
 * lengthPrefixed(2, { map: decode.utf8 })               // an MQTT string
 * ```
 *
 * Bad bytes are refused with a {@link ProtocolFault}: `DECODE_SYNTAX` (not a
 * number, or not UTF-8 for `utf8Strict`) or `DECODE_OVERFLOW` (a number past
 * the safe integer range); the driver reports it at the read's start.
 *
 * @module
 */
import { ErrorCode, ProtocolFault, WiremachineError } from './errors.js';
import { type BytesRead, bytes } from './reads.js';

/** Node's native slicers, when there is a Node `Buffer` (they take any Uint8Array). */
const NodeBuffer = (globalThis as { Buffer?: { prototype: Record<string, unknown> } }).Buffer;
const nativeUtf8 = NodeBuffer?.prototype.utf8Slice as ((this: Uint8Array, s: number, e: number) => string) | undefined;
const nativeLatin1 = NodeBuffer?.prototype.latin1Slice as
  | ((this: Uint8Array, s: number, e: number) => string)
  | undefined;
const lenientDecoder = new TextDecoder('utf-8');
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function syntax(what: string, buf: Uint8Array, start: number, end: number): never {
  throw new ProtocolFault(ErrorCode.DECODE_SYNTAX, `not ${what}: ${JSON.stringify(latin1(buf, start, end))}`);
}

function overflow(buf: Uint8Array, start: number, end: number): never {
  throw new ProtocolFault(
    ErrorCode.DECODE_OVERFLOW,
    `${latin1(buf, start, Math.min(end, start + 40))} is past the safe integer range`,
  );
}

/** Digits of a decimal that cannot overflow 2^53 (15 of them). */
const SAFE_DIGITS = 15;

/**
 * An ASCII decimal integer, optionally negative (`-42`): at least one digit,
 * no sign `+`, no spaces. Past `Number.MAX_SAFE_INTEGER` is `DECODE_OVERFLOW`
 * (use {@link bigDecimal} there).
 */
function decimal(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = i < end && buf[i] === 0x2d;
  if (negative) i++;
  if (i === end) syntax('a decimal integer', buf, start, end);
  let n = 0;
  const fast = Math.min(end, i + SAFE_DIGITS);
  for (; i < fast; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) syntax('a decimal integer', buf, start, end);
    n = n * 10 + d;
  }
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) syntax('a decimal integer', buf, start, end);
    n = n * 10 + d;
    if (n > Number.MAX_SAFE_INTEGER) overflow(buf, start, end);
  }
  return negative ? -n : n;
}

/** An ASCII decimal integer without a sign (`0`, `1460`): digits only. */
function unsignedDecimal(buf: Uint8Array, start: number, end: number): number {
  if (start < end && buf[start] === 0x2d) syntax('an unsigned decimal integer', buf, start, end);
  return decimal(buf, start, end);
}

/** An ASCII decimal integer of any size, optionally negative, as a bigint. */
function bigDecimal(buf: Uint8Array, start: number, end: number): bigint {
  let i = start;
  if (i < end && buf[i] === 0x2d) i++;
  if (i === end) syntax('a decimal integer', buf, start, end);
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) syntax('a decimal integer', buf, start, end);
  }
  return BigInt(latin1(buf, start, end));
}

/** An ASCII hexadecimal integer (`1a2F`, as chunk sizes are written): at least one digit, no prefix. */
function hex(buf: Uint8Array, start: number, end: number): number {
  if (start === end) syntax('a hexadecimal integer', buf, start, end);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x57;
    else return syntax('a hexadecimal integer', buf, start, end);
    n = n * 16 + d;
    if (n > Number.MAX_SAFE_INTEGER) overflow(buf, start, end);
  }
  return n;
}

// Fixed-size integers at `start` (the read's length is the caller's: bytes(2) for u16be, ...).
const u8 = (b: Uint8Array, s: number): number => b[s];
const i8 = (b: Uint8Array, s: number): number => (b[s] << 24) >> 24;
const u16be = (b: Uint8Array, s: number): number => (b[s] << 8) | b[s + 1];
const u16le = (b: Uint8Array, s: number): number => b[s] | (b[s + 1] << 8);
const i16be = (b: Uint8Array, s: number): number => (((b[s] << 8) | b[s + 1]) << 16) >> 16;
const i16le = (b: Uint8Array, s: number): number => ((b[s] | (b[s + 1] << 8)) << 16) >> 16;
const i32be = (b: Uint8Array, s: number): number => (b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3];
const i32le = (b: Uint8Array, s: number): number => b[s] | (b[s + 1] << 8) | (b[s + 2] << 16) | (b[s + 3] << 24);
const u32be = (b: Uint8Array, s: number): number => i32be(b, s) >>> 0;
const u32le = (b: Uint8Array, s: number): number => i32le(b, s) >>> 0;
const u64be = (b: Uint8Array, s: number): bigint => (BigInt(u32be(b, s)) << 32n) | BigInt(u32be(b, s + 4));
const u64le = (b: Uint8Array, s: number): bigint => (BigInt(u32le(b, s + 4)) << 32n) | BigInt(u32le(b, s));
const i64be = (b: Uint8Array, s: number): bigint => BigInt.asIntN(64, u64be(b, s));
const i64le = (b: Uint8Array, s: number): bigint => BigInt.asIntN(64, u64le(b, s));

const fcc = String.fromCharCode;

/** Strings of at most this many bytes are made in JavaScript (see {@link short}). */
const SHORT = 16;

/**
 * The bytes `[s, s + n)`, `n <= SHORT`, as latin1 text. One
 * `String.fromCharCode` of all of them makes the string in one go: at these
 * lengths that is half the cost of a call into Node's native slicers (which
 * costs about the same for 2 bytes as for 20), and no view is made.
 */
function short(b: Uint8Array, s: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return fcc(b[s]);
    case 2:
      return fcc(b[s], b[s + 1]);
    case 3:
      return fcc(b[s], b[s + 1], b[s + 2]);
    case 4:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    case 9:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8]);
    case 10:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9]);
    case 11:
      return fcc(
        b[s],
        b[s + 1],
        b[s + 2],
        b[s + 3],
        b[s + 4],
        b[s + 5],
        b[s + 6],
        b[s + 7],
        b[s + 8],
        b[s + 9],
        b[s + 10],
      );
    case 12:
      return fcc(
        b[s],
        b[s + 1],
        b[s + 2],
        b[s + 3],
        b[s + 4],
        b[s + 5],
        b[s + 6],
        b[s + 7],
        b[s + 8],
        b[s + 9],
        b[s + 10],
        b[s + 11],
      );
    case 13:
      return fcc(
        b[s],
        b[s + 1],
        b[s + 2],
        b[s + 3],
        b[s + 4],
        b[s + 5],
        b[s + 6],
        b[s + 7],
        b[s + 8],
        b[s + 9],
        b[s + 10],
        b[s + 11],
        b[s + 12],
      );
    case 14:
      return fcc(
        b[s],
        b[s + 1],
        b[s + 2],
        b[s + 3],
        b[s + 4],
        b[s + 5],
        b[s + 6],
        b[s + 7],
        b[s + 8],
        b[s + 9],
        b[s + 10],
        b[s + 11],
        b[s + 12],
        b[s + 13],
      );
    case 15:
      return fcc(
        b[s],
        b[s + 1],
        b[s + 2],
        b[s + 3],
        b[s + 4],
        b[s + 5],
        b[s + 6],
        b[s + 7],
        b[s + 8],
        b[s + 9],
        b[s + 10],
        b[s + 11],
        b[s + 12],
        b[s + 13],
        b[s + 14],
      );
    case 16:
      return fcc(
        b[s],
        b[s + 1],
        b[s + 2],
        b[s + 3],
        b[s + 4],
        b[s + 5],
        b[s + 6],
        b[s + 7],
        b[s + 8],
        b[s + 9],
        b[s + 10],
        b[s + 11],
        b[s + 12],
        b[s + 13],
        b[s + 14],
        b[s + 15],
      );
    default:
      throw new RangeError(`short string of ${n} bytes`);
  }
}

/** Bytes as latin1 text, one char per byte (Node's native slicer when there is one). */
function latin1(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT) return short(buf, start, end - start);
  if (nativeLatin1 !== undefined) return nativeLatin1.call(buf, start, end);
  let out = '';
  for (let i = start; i < end; i += 8192)
    out += fcc.apply(null, buf.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  return out;
}

/** Bytes as UTF-8 text; a malformed sequence becomes U+FFFD, as `TextDecoder` does. */
function utf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT) {
    // ASCII text is its own latin1 text.
    let any = 0;
    for (let i = start; i < end; i++) any |= buf[i];
    if (any < 0x80) return short(buf, start, end - start);
  }
  if (nativeUtf8 !== undefined) return nativeUtf8.call(buf, start, end);
  return lenientDecoder.decode(buf.subarray(start, end));
}

/** Bytes as UTF-8 text; malformed UTF-8 is `DECODE_SYNTAX`. */
function utf8Strict(buf: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end && ascii; i++) ascii = buf[i] < 0x80;
  if (ascii) return latin1(buf, start, end);
  try {
    return strictDecoder.decode(buf.subarray(start, end));
  } catch {
    return syntax('UTF-8', buf, start, end);
  }
}

/**
 * A decoder that returns the same string object for each of `known` (short,
 * frequent strings: `OK`, `PONG`, header names) without decoding them, and
 * `fallback` (default latin1) for anything else. Strings are byte strings:
 * one char per byte.
 *
 * @example
 * ```ts
 * const status = decode.intern(['OK', 'QUEUED', 'PONG']);
 * until('\r\n', { strip: true, map: status })
 * ```
 */
function intern<T = string>(
  known: readonly string[],
  fallback: (buf: Uint8Array, start: number, end: number) => T | string = latin1,
): (buf: Uint8Array, start: number, end: number) => T | string {
  // By length, then by first byte: a lookup is two array reads and one compare.
  const table: (string[] | undefined)[][] = [];
  for (const s of known) {
    if (s.length === 0) continue;
    const byLength = table[s.length] ?? [];
    table[s.length] = byLength;
    const list = byLength[s.charCodeAt(0)] ?? [];
    byLength[s.charCodeAt(0)] = list;
    list.push(s);
  }
  return (buf, start, end) => {
    const n = end - start;
    const byLength = table[n];
    if (byLength !== undefined && n > 0) {
      const candidates = byLength[buf[start]];
      if (candidates !== undefined) {
        next: for (let k = 0; k < candidates.length; k++) {
          const s = candidates[k];
          for (let i = 1; i < n; i++) if (s.charCodeAt(i) !== buf[start + i]) continue next;
          return s;
        }
      }
    }
    return fallback(buf, start, end);
  };
}

/** The decoders, for a read's `map`; see the module comment. */
export const decode = {
  decimal,
  unsignedDecimal,
  bigDecimal,
  hex,
  u8,
  i8,
  u16be,
  u16le,
  i16be,
  i16le,
  u32be,
  u32le,
  i32be,
  i32le,
  u64be,
  u64le,
  i64be,
  i64le,
  latin1,
  utf8,
  utf8Strict,
  intern,
} as const;

/** The fixed-size field types of {@link fields}, by name, with their sizes. */
const FIELD_TYPES = {
  u8: [1, u8],
  i8: [1, i8],
  u16be: [2, u16be],
  u16le: [2, u16le],
  i16be: [2, i16be],
  i16le: [2, i16le],
  u32be: [4, u32be],
  u32le: [4, u32le],
  i32be: [4, i32be],
  i32le: [4, i32le],
  u64be: [8, u64be],
  u64le: [8, u64le],
  i64be: [8, i64be],
  i64le: [8, i64le],
} as const satisfies Record<string, readonly [number, (b: Uint8Array, s: number) => number | bigint]>;

/** A fixed-size field type: `u8`, `u16be`, `i32le`, `u64be`, ... */
export type FieldType = keyof typeof FIELD_TYPES;

/** The record a {@link FieldLayout} decodes to: numbers, and bigints for the 64-bit types. */
export type FieldValues<L extends Record<string, FieldType>> = {
  -readonly [K in keyof L]: L[K] extends 'u64be' | 'u64le' | 'i64be' | 'i64le' ? bigint : number;
};

/** Named fixed-size fields, in wire order. */
export type FieldLayout = Record<string, FieldType>;

/** How a layout is laid out: the total size and a decoder of the record. */
export interface FieldRun<L extends FieldLayout> {
  readonly size: number;
  readonly decode: (buf: Uint8Array, start: number, end: number) => FieldValues<L>;
}

/**
 * A run of fixed-size fields read as one step: the size of the run and a
 * decoder of the record, in the layout's order. Use it with {@link fields}.
 */
export function fieldRun<L extends FieldLayout>(layout: L): FieldRun<L> {
  const names = Object.keys(layout);
  const readers: ((b: Uint8Array, s: number) => number | bigint)[] = [];
  const offsets: number[] = [];
  let size = 0;
  for (const name of names) {
    const entry = FIELD_TYPES[layout[name]];
    if (entry === undefined)
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `field ${name}: unknown type ${String(layout[name])}`);
    offsets.push(size);
    readers.push(entry[1]);
    size += entry[0];
  }
  const decodeRun = (buf: Uint8Array, start: number): FieldValues<L> => {
    const out: Record<string, number | bigint> = {};
    for (let i = 0; i < names.length; i++) out[names[i]] = readers[i](buf, start + offsets[i]);
    return out as FieldValues<L>;
  };
  return { size, decode: decodeRun };
}

/**
 * A run of fixed-size fields as one read (a type byte, a big-endian length, a
 * count...): `bytes(size)` whose `value` is the record, decoded once. Assign
 * it into context in one action, then read what the fields announce.
 *
 * @example
 * ```ts
 * head: {
 *   meta: { read: fields({ type: 'u8', length: 'u32be' }) },
 *   on: { read: { target: 'body', actions: assign(({ event }) => event.value) } },
 * },
 * body: { meta: { read: ({ context }) => bytes(context.length - 4) }, ... }
 * ```
 */
export function fields<L extends FieldLayout>(layout: L): BytesRead<FieldValues<L>> {
  const run = fieldRun(layout);
  return bytes(run.size, { map: run.decode });
}
