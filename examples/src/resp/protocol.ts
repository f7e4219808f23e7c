/**
 * RESP, the Redis serialization protocol (RESP2 and RESP3 replies), declared
 * as a wiremachine machine. Each reply starts with a type byte and a line; bulk
 * values then read exactly their length. Aggregates (arrays, maps, sets,
 * pushes, attributes) nest to any depth on a stack in the context, so one
 * flat machine reads them all. Each line is decoded once, by its read.
 */
import {
  type BytesRead,
  bytes,
  decode,
  ErrorCode,
  emitIf,
  fail,
  ProtocolFault,
  protocolTypes,
  type ReadDoneEvent,
  type ReadMap,
  readAction,
  readGuard,
  reject,
  until,
} from '@wiremachine/core';
import { assign, setup } from 'xstate';
import { RespError, type RespValue } from './values.js';

/** One complete reply, or a RESP3 push message (pub/sub, client tracking). */
export type RespOutput = { type: 'reply'; value: RespValue } | { type: 'push'; value: RespValue[] };

interface Frame {
  kind: '*' | '%' | '~' | '>' | '|';
  left: number;
  items: RespValue[];
}

interface Context {
  /** Aggregates still open, innermost last. */
  stack: Frame[];
  /** The bulk value being read: its type byte and length. */
  bulkType: number;
  bulkLength: number;
  /** A complete top-level reply, once a value closed every open aggregate. */
  reply: RespOutput | null;
}

/** Options of {@link createRespProtocol}. */
export interface RespOptions {
  /** Longest line (type byte and CRLF included). Default 64 KiB. */
  maxLineBytes?: number;
  /** Longest bulk value. Default 512 MiB, Redis's own `proto-max-bulk-len`. */
  maxBulkBytes?: number;
  /** Deepest nesting of aggregates. Default 64. */
  maxDepth?: number;
  /** Keep bulk strings as bytes (Uint8Array) instead of decoding UTF-8. */
  bytes?: boolean;
}

const utf8 = new TextDecoder();
const text = (b: Uint8Array, from = 0) => utf8.decode(b.subarray(from));

/**
 * What a line's type byte makes of it: a complete value (`+ - : _ # , (`),
 * the header of a bulk value (`$ ! =`: its length follows) or of an
 * aggregate (`* % ~ > |`: its count follows). A header line decodes to its
 * length or count, a number, unless it is a null or an empty aggregate,
 * which are complete values; so a line is a header exactly when its type is
 * one and it decoded to a number (integers and doubles are numbers too, but
 * their type bytes are value types). No object is made per line.
 */
const VALUE = 0;
const BULK = 1;
const AGGREGATE = 2;
const LINE_KIND = new Uint8Array(256);
for (const c of '$!=') LINE_KIND[c.charCodeAt(0)] = BULK;
for (const c of '*%~>|') LINE_KIND[c.charCodeAt(0)] = AGGREGATE;

/** The kind of the line the event holds (see {@link LINE_KIND}). */
function lineKind(event: ReadDoneEvent<RespValue | number>): number {
  const kind = LINE_KIND[event.buf[event.start]];
  return kind !== VALUE && typeof event.value === 'number' ? kind : VALUE;
}

const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOLLAR = 0x24;
const STAR = 0x2a;

/** Simple strings that come back again and again: the same string object each time, no decoding. */
const status = decode.intern(['OK', 'PONG', 'QUEUED'], decode.utf8);
const SCALAR_FORMS: Record<string, RegExp> = {
  ',': /^(-?inf|nan|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/,
  '(': /^-?\d+$/,
};

function badValue(): never {
  return reject('RESP_BAD_VALUE', 'a one-line reply that is not of its type');
}

/** An integer reply (`:`): a double when it fits one exactly, else a bigint. */
function integer(buf: Uint8Array, start: number, end: number): number | bigint {
  try {
    return decode.decimal(buf, start, end);
  } catch (e) {
    if (e instanceof ProtocolFault && e.code === ErrorCode.DECODE_OVERFLOW) return decode.bigDecimal(buf, start, end);
    return badValue();
  }
}

/** A count of items or bytes: -1 (null), or 0 to 9,999,999,999; else NaN. */
function count(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 2 && buf[start] === MINUS && buf[start + 1] === 0x31) return -1;
  if (n === 0 || n > 10) return Number.NaN;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}

/**
 * A line, decoded once: the type byte picks the decoding; bad input is
 * refused here with the protocol's code, at the line's offset. A value line
 * decodes to its value; a header line to its length or count (see
 * {@link LINE_KIND}).
 */
function lineDecoder(maxBulk: number) {
  return (buf: Uint8Array, start: number, end: number): RespValue | number => {
    const type = start < end ? buf[start] : -1;
    const from = start + 1;
    switch (type) {
      case PLUS:
        for (let i = from; i < end; i++) if (buf[i] === 0x0d || buf[i] === 0x0a) badValue();
        return status(buf, from, end);
      case MINUS:
        for (let i = from; i < end; i++) if (buf[i] === 0x0d || buf[i] === 0x0a) badValue();
        return new RespError(decode.utf8(buf, from, end));
      case COLON:
        return integer(buf, from, end);
      case DOLLAR:
      case STAR:
      case 0x21: // !
      case 0x3d: // =
      case 0x25: // %
      case 0x7e: // ~
      case 0x3e: // >
      case 0x7c: {
        // |
        const n = count(buf, from, end);
        if (!(n <= maxBulk) || (n === -1 && type !== DOLLAR && type !== STAR))
          return reject('RESP_BAD_LENGTH', 'a length or count that is not -1..limit');
        if (n === -1) return null;
        if (n === 0 && LINE_KIND[type] === AGGREGATE) {
          return close({ kind: String.fromCharCode(type) as Frame['kind'], left: 0, items: [] });
        }
        return n;
      }
      case 0x5f: // _
        if (end !== from) badValue();
        return null;
      case 0x23: // #
        if (end !== from + 1 || (buf[from] !== 0x74 && buf[from] !== 0x66)) badValue();
        return buf[from] === 0x74;
      case 0x2c: // ,
      case 0x28: {
        // (
        const line = decode.latin1(buf, from, end);
        if (!SCALAR_FORMS[String.fromCharCode(type)].test(line)) badValue();
        if (type === 0x28) return BigInt(line);
        return line === 'inf' ? Number.POSITIVE_INFINITY : line === '-inf' ? Number.NEGATIVE_INFINITY : Number(line);
      }
      default:
        return reject('RESP_BAD_TYPE', 'a reply must start with a RESP type byte');
    }
  };
}

/** A bulk value's bytes and its CRLF: the CRLF is checked, the value decoded as UTF-8. */
function bulkText(buf: Uint8Array, start: number, end: number): string {
  if (buf[end - 2] !== 0x0d || buf[end - 1] !== 0x0a) reject('RESP_BAD_TRAILER', 'a bulk value must end with CRLF');
  return decode.utf8(buf, start, end - 2);
}

/** The same, keeping the value as bytes (a copy: the chunk is the transport's). */
function bulkBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  if (buf[end - 2] !== 0x0d || buf[end - 1] !== 0x0a) reject('RESP_BAD_TRAILER', 'a bulk value must end with CRLF');
  return buf.slice(start, end - 2);
}

function close(frame: Frame): RespValue {
  if (frame.kind === '%') {
    const map = new Map<RespValue, RespValue>();
    for (let i = 0; i < frame.items.length; i += 2) map.set(frame.items[i], frame.items[i + 1]);
    return map;
  }
  return frame.kind === '~' ? new Set(frame.items) : frame.items;
}

/**
 * Put a complete value in the innermost open aggregate, closing each one it
 * completes. Returns the top-level reply it completes, if any. An attribute
 * (`|`) describes the value after it: it is dropped, and takes no place.
 */
function place(stack: Frame[], value: RespValue): RespOutput | null {
  let v = value;
  for (;;) {
    // (Checked by length: reading index -1 of an empty array is a slow property lookup.)
    if (stack.length === 0) return { type: 'reply', value: v };
    const top = stack[stack.length - 1];
    top.items.push(v);
    if (--top.left > 0) return null;
    stack.pop();
    if (top.kind === '|') return null;
    v = close(top);
    if (stack.length === 0 && top.kind === '>') return { type: 'push', value: v as RespValue[] };
  }
}

/** Longest line {@link recordMeasure} looks for the end of; past it, the read's search finds it. */
const MEASURED_LINE = 128;

/**
 * The line's read's `measure`: the length of the line at the start of the
 * first buffered chunk, CRLF included, and when it announces a bulk value
 * that the chunk holds whole (with its CRLF), of the line and the value
 * together, so that a value of either kind is one read; -1 (the read's
 * search then finds the line) when the line does not end within
 * {@link MEASURED_LINE} bytes. Anything the value's own read would refuse
 * (a bad length, a missing CRLF after the value) is left to it: the
 * measure then gives the line alone.
 */
function recordMeasure(maxRecord: number, maxBulk: number) {
  return (b: Uint8Array, start: number, end: number): number => {
    const stop = Math.min(end - 1, start + MEASURED_LINE);
    let i = start + 1;
    while (i < stop && b[i] !== 0x0d) i++;
    if (i >= stop || b[i + 1] !== 0x0a) return -1;
    const line = i + 2 - start;
    if (line > maxRecord) return -1;
    if (LINE_KIND[b[start]] !== BULK) return line;
    const n = count(b, start + 1, i);
    const whole = line + n + 2;
    if (!(n >= 0 && n <= maxBulk) || whole > end - start || whole > maxRecord) return line;
    return b[start + whole - 2] === 0x0d && b[start + whole - 1] === 0x0a ? whole : line;
  };
}

/**
 * The line's read's decoder: `[start, end)` is a line with its CRLF, or a
 * bulk line and its whole value (see {@link recordMeasure}), which decodes
 * to the value; a line decodes as {@link lineDecoder} says.
 */
function recordDecoder(maxBulk: number, keepBytes: boolean) {
  const lineOf = lineDecoder(maxBulk);
  return (buf: Uint8Array, start: number, end: number): RespValue | number => {
    const type = buf[start];
    if (LINE_KIND[type] === BULK) {
      // A CRLF before the last one: the measure found the line and its value.
      let i = start + 1;
      while (i < end - 2 && buf[i] !== 0x0d) i++;
      if (i < end - 2 && buf[i + 1] === 0x0a) {
        return bulkValue(type, keepBytes ? bulkBytes(buf, i + 2, end) : bulkText(buf, i + 2, end));
      }
    }
    return lineOf(buf, start, end - 2);
  };
}

/** A bulk value of the given type byte, from what its read decoded. */
function bulkValue(type: number, raw: string | Uint8Array): RespValue {
  if (type === DOLLAR) return raw;
  const s = typeof raw === 'string' ? raw : text(raw);
  if (type === 0x21) return new RespError(s);
  return { format: s.slice(0, 3), text: s.slice(4) };
}

/** Reads of short bulk values, made once per length (most values are short, and a read is an object). */
const CACHED_READS = 1024;
function bulkReads(map: ReadMap<string | Uint8Array>) {
  const cache: BytesRead<string | Uint8Array>[] = [];
  return (length: number) => {
    if (length >= CACHED_READS) return bytes(length + 2, { map });
    let read = cache[length];
    if (read === undefined) {
      read = bytes(length + 2, { map });
      cache[length] = read;
    }
    return read;
  };
}
const textReads = bulkReads(bulkText);
const byteReads = bulkReads(bulkBytes);

/**
 * A RESP reply parser. Each line is decoded once, by the read's decoder,
 * into a value or a header; a value is placed and, when it completes a
 * reply, emitted in the same step.
 */
export function createRespProtocol(options: RespOptions = {}) {
  const maxBulk = options.maxBulkBytes ?? 512 * 1024 * 1024;
  const maxDepth = options.maxDepth ?? 64;
  const maxLine = options.maxLineBytes ?? 64 * 1024;
  const measure = recordMeasure(maxLine, maxBulk);
  const keepBytes = options.bytes ?? false;
  const line = until('\r\n', { maxBytes: maxLine, measure, map: recordDecoder(maxBulk, keepBytes) });
  const bulkRead = keepBytes ? byteReads : textReads;
  return setup({
    types: protocolTypes<Context, RespOutput>(),
    guards: {
      isValue: readGuard<Context, RespValue | number>(({ event }) => lineKind(event) === VALUE),
      isBulk: readGuard<Context, RespValue | number>(({ event }) => lineKind(event) === BULK),
      tooDeep: ({ context }) => context.stack.length >= maxDepth,
      atBoundary: ({ context, event }) =>
        event.type === 'eof' && event.unread.length === 0 && context.stack.length === 0,
    },
    actions: {
      emitReply: emitIf(({ context }) => context.reply),
      placeLine: assign({
        reply: ({ context, event }) => place(context.stack, (event as ReadDoneEvent<RespValue>).value),
      }),
      openBulk: readAction<Context, number>(({ context, event }) => {
        context.bulkType = event.buf[event.start];
        context.bulkLength = event.value;
      }),
      open: readAction<Context, number>(({ context, event }) => {
        const kind = String.fromCharCode(event.buf[event.start]) as Frame['kind'];
        const n = event.value;
        context.stack.push({ kind, left: kind === '%' || kind === '|' ? 2 * n : n, items: [] });
      }),
    },
  }).createMachine({
    id: 'resp',
    context: () => ({ stack: [], bulkType: DOLLAR, bulkLength: 0, reply: null }),
    initial: 'line',
    states: {
      line: {
        // A line, or a bulk line and its value when the first chunk holds them whole.
        meta: { read: line },
        on: {
          read: [
            { guard: 'isValue', actions: ['placeLine', 'emitReply'] },
            { guard: 'isBulk', target: 'bulk', actions: 'openBulk' },
            { guard: 'tooDeep', actions: fail('RESP_TOO_DEEP', `aggregates nested more than ${maxDepth} deep`) },
            { actions: 'open' },
          ],
          eof: [
            { guard: 'atBoundary', target: 'closed' },
            { actions: fail('RESP_TRUNCATED', 'input ended inside a reply') },
          ],
        },
      },
      bulk: {
        // The value and its CRLF, decoded (and the CRLF checked) by the read.
        meta: {
          read: ({ context }) => bulkRead(context.bulkLength),
          readLabel: 'bytes(length + 2)',
        },
        on: {
          read: {
            target: 'line',
            actions: [
              assign({
                reply: ({ context, event }) => place(context.stack, bulkValue(context.bulkType, event.value)),
              }),
              'emitReply',
            ],
          },
          eof: { actions: fail('RESP_TRUNCATED', 'input ended inside a bulk value') },
        },
      },
      closed: { type: 'final' },
    },
  });
}

/** The RESP reply parser with default limits. */
export const respProtocol = createRespProtocol();
