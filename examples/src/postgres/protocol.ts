/**
 * PostgreSQL backend messages (protocol 3.0), declared as a wiremachine
 * machine. Every message is a type byte, a 32-bit length that counts itself,
 * and a body: the machine reads the five-byte header, whose decoder checks
 * the type and the length against a limit once, reads the body, and decodes
 * it once, by offset into the input's bytes, into a typed message.
 *
 * Text is decoded with `decode.utf8` (Node's native UTF-8 slicer, as
 * `pg-protocol` uses through `Buffer#toString`).
 */
import {
  type BytesRead,
  bytes,
  decode,
  fail,
  ProtocolFault,
  protocolTypes,
  type ReadDoneEvent,
  reject,
} from '@wiremachine/core';
import { assign, emit, setup } from 'xstate';
import { NOTICE_FIELDS, type PgField, type PgMessage, type PgNoticeFields, type PgValue } from './messages.js';

interface Context {
  /** The type byte of the message being read. */
  type: number;
  /** The body's length (the length field less the 4 bytes it counts of itself). */
  length: number;
  keepBytes: boolean;
}

/** Options of {@link createPgProtocol}. */
export interface PgOptions {
  /**
   * The longest message body. Default 1 GiB, the most a PostgreSQL datum can
   * hold; clients usually want less. A longer one fails with
   * `PG_MESSAGE_TOO_LONG` as soon as its header arrives.
   */
  maxMessageBytes?: number;
  /** Keep DataRow values as bytes instead of decoding them as UTF-8. */
  bytes?: boolean;
}

/** The backend's type bytes. */
const KNOWN = new Uint8Array(256);
for (const c of 'RSKZTDCIEN123nstGHWdcAvV') KNOWN[c.charCodeAt(0)] = 1;

/** Reads a message body, `buf[pos, end)`, failing with `PG_BAD_MESSAGE` instead of reading past it. */
class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
    readonly type: number,
  ) {}
  bad(why: string): never {
    throw new ProtocolFault('PG_BAD_MESSAGE', `message '${String.fromCharCode(this.type)}': ${why}`);
  }
  need(n: number): void {
    if (this.pos + n > this.end) this.bad('the body ends inside a field');
  }
  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  int16(): number {
    this.need(2);
    const v = decode.i16be(this.buf, this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = decode.i32be(this.buf, this.pos);
    this.pos += 4;
    return v;
  }
  /** A count: not negative. */
  count16(): number {
    const n = this.int16();
    if (n < 0) this.bad('a negative count');
    return n;
  }
  cstring(): string {
    const buf = this.buf;
    let end = this.pos;
    while (end < this.end && buf[end] !== 0) end++;
    if (end === this.end) this.bad('a string with no terminating NUL');
    const s = decode.utf8(buf, this.pos, end);
    this.pos = end + 1;
    return s;
  }
  /** The next `n` bytes, copied. */
  take(n: number): Uint8Array {
    this.need(n);
    const v = copy(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Uint8Array {
    return this.take(this.end - this.pos);
  }
  done<T>(message: T): T {
    if (this.pos !== this.end) this.bad(`${this.end - this.pos} bytes left over`);
    return message;
  }
}

/** `buf[start, end)` as a plain Uint8Array copy (never a Buffer), so outputs do not pin the input's memory. */
function copy(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  if (end - start <= 64) for (let i = start; i < end; i++) out[i - start] = buf[i];
  else out.set(buf.subarray(start, end));
  return out;
}

function notice(r: Reader): PgNoticeFields {
  const fields: PgNoticeFields = {};
  for (;;) {
    const code = r.byte();
    if (code === 0) return fields;
    const c = String.fromCharCode(code);
    const value = r.cstring();
    const name = NOTICE_FIELDS[c];
    if (name !== undefined && name !== 'other') fields[name] = value;
    else {
      fields.other ??= {};
      fields.other[c] = value;
    }
  }
}

function authentication(r: Reader): PgMessage {
  const code = r.int32();
  switch (code) {
    case 0:
      return { type: 'authenticationOk' };
    case 3:
      return { type: 'authenticationCleartextPassword' };
    case 5:
      return { type: 'authenticationMD5Password', salt: r.take(4) };
    case 10: {
      const mechanisms: string[] = [];
      for (let m = r.cstring(); m !== ''; m = r.cstring()) mechanisms.push(m);
      return { type: 'authenticationSASL', mechanisms };
    }
    case 11:
      return { type: 'authenticationSASLContinue', data: r.rest() };
    case 12:
      return { type: 'authenticationSASLFinal', data: r.rest() };
    case 2:
    case 6:
    case 7:
    case 8:
    case 9:
      return { type: 'authenticationOther', code, data: r.rest() };
    default:
      return r.bad(`unknown authentication request ${code}`);
  }
}

function rowDescription(r: Reader): PgMessage {
  const n = r.count16();
  const fields: PgField[] = new Array(n);
  for (let i = 0; i < n; i++) {
    fields[i] = {
      name: r.cstring(),
      tableOid: r.int32() >>> 0,
      columnId: r.int16(),
      typeOid: r.int32() >>> 0,
      typeSize: r.int16(),
      typeModifier: r.int32(),
      format: r.int16(),
    };
  }
  return { type: 'rowDescription', fields };
}

/**
 * DataRow, the message a result is mostly made of: read without the
 * {@link Reader}'s calls, one bounds check a field, each value decoded
 * straight from the input's bytes.
 */
function dataRow(buf: Uint8Array, start: number, end: number, keepBytes: boolean): PgMessage {
  if (end - start < 2) return badRow('the body ends inside a field');
  const n = (buf[start] << 8) | buf[start + 1];
  if (n > 0x7fff) return badRow('a negative count');
  const values: PgValue[] = new Array(n);
  let pos = start + 2;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > end) return badRow('the body ends inside a field');
    const len = (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3];
    pos += 4;
    if (len < 0) {
      if (len !== -1) return badRow('a negative value length');
      values[i] = null;
    } else {
      if (pos + len > end) return badRow('the body ends inside a field');
      values[i] = keepBytes ? copy(buf, pos, pos + len) : decode.utf8(buf, pos, pos + len);
      pos += len;
    }
  }
  if (pos !== end) return badRow(`${end - pos} bytes left over`);
  return { type: 'dataRow', values };
}

function badRow(why: string): never {
  throw new ProtocolFault('PG_BAD_MESSAGE', `message 'D': ${why}`);
}

function copyResponse(r: Reader, type: 'copyInResponse' | 'copyOutResponse' | 'copyBothResponse'): PgMessage {
  const format = r.byte();
  const n = r.count16();
  const columnFormats: number[] = new Array(n);
  for (let i = 0; i < n; i++) columnFormats[i] = r.int16();
  return { type, format, columnFormats };
}

/** Decodes one message body; `type` is its type byte. Throws `PG_BAD_MESSAGE` for a malformed body. */
export function decodeMessage(type: number, body: Uint8Array, keepBytes = false): PgMessage {
  return decodeBody(type, body, 0, body.length, keepBytes);
}

/** Decodes the message body `buf[start, end)`, by offset (no view of it is made). */
function decodeBody(type: number, buf: Uint8Array, start: number, end: number, keepBytes: boolean): PgMessage {
  if (type === 0x44) return dataRow(buf, start, end, keepBytes);
  const r = new Reader(buf, start, end, type);
  switch (String.fromCharCode(type)) {
    case 'R':
      return r.done(authentication(r));
    case 'S':
      return r.done({ type: 'parameterStatus', name: r.cstring(), value: r.cstring() });
    case 'K':
      return r.done({ type: 'backendKeyData', processId: r.int32(), secretKey: r.int32() });
    case 'Z': {
      const status = String.fromCharCode(r.byte());
      if (status !== 'I' && status !== 'T' && status !== 'E') return r.bad('a transaction status other than I, T or E');
      return r.done({ type: 'readyForQuery', status });
    }
    case 'T':
      return r.done(rowDescription(r));
    case 'C':
      return r.done({ type: 'commandComplete', tag: r.cstring() });
    case 'I':
      return r.done({ type: 'emptyQueryResponse' });
    case 'E':
      return r.done({ type: 'errorResponse', fields: notice(r) });
    case 'N':
      return r.done({ type: 'noticeResponse', fields: notice(r) });
    case '1':
      return r.done({ type: 'parseComplete' });
    case '2':
      return r.done({ type: 'bindComplete' });
    case '3':
      return r.done({ type: 'closeComplete' });
    case 'n':
      return r.done({ type: 'noData' });
    case 's':
      return r.done({ type: 'portalSuspended' });
    case 't': {
      const n = r.count16();
      const typeOids: number[] = new Array(n);
      for (let i = 0; i < n; i++) typeOids[i] = r.int32() >>> 0;
      return r.done({ type: 'parameterDescription', typeOids });
    }
    case 'G':
      return r.done(copyResponse(r, 'copyInResponse'));
    case 'H':
      return r.done(copyResponse(r, 'copyOutResponse'));
    case 'W':
      return r.done(copyResponse(r, 'copyBothResponse'));
    case 'd':
      return r.done({ type: 'copyData', data: r.rest() });
    case 'c':
      return r.done({ type: 'copyDone' });
    case 'A':
      return r.done({ type: 'notificationResponse', processId: r.int32(), channel: r.cstring(), payload: r.cstring() });
    case 'v': {
      const minorVersion = r.int32();
      const n = r.int32();
      if (n < 0) r.bad('a negative count');
      const unrecognized: string[] = [];
      for (let i = 0; i < n; i++) unrecognized.push(r.cstring());
      return r.done({ type: 'negotiateProtocolVersion', minorVersion, unrecognized });
    }
    case 'V': {
      const len = r.int32();
      if (len < -1) r.bad('a negative value length');
      return r.done({ type: 'functionCallResponse', value: len === -1 ? null : r.take(len) });
    }
    default:
      return r.bad('unknown message type');
  }
}

/**
 * Reads of message bodies up to this length are made once per length and
 * shared (a read is an object, and most messages are short).
 */
const CACHED_READS = 4096;
const bodyReads: BytesRead[] = [];
function bodyRead(n: number): BytesRead {
  if (n >= CACHED_READS) return bytes(n);
  let read = bodyReads[n];
  if (read === undefined) {
    read = bytes(n);
    bodyReads[n] = read;
  }
  return read;
}

/**
 * A header's decoder: the type byte and the length, checked, decoded once
 * into one number, the body's length times 256 plus the type byte.
 */
function headerDecoder(maxBody: number) {
  return (buf: Uint8Array, start: number): number => {
    const type = buf[start];
    if (KNOWN[type] === 0) reject('PG_UNKNOWN_MESSAGE', 'a type byte the backend never sends');
    const length = decode.u32be(buf, start + 1);
    if (length < 4) reject('PG_BAD_LENGTH', 'a message length under 4');
    if (length - 4 > maxBody)
      reject('PG_MESSAGE_TOO_LONG', `a message of ${length - 4} bytes, over the limit of ${maxBody}`);
    return (length - 4) * 256 + type;
  };
}

/** A parser of PostgreSQL backend messages. */
export function createPgProtocol(options: PgOptions = {}) {
  const maxBody = options.maxMessageBytes ?? 1024 * 1024 * 1024;
  const header = bytes(5, { map: headerDecoder(maxBody) });
  return setup({
    types: protocolTypes<Context, PgMessage, { bytes?: boolean } | undefined>(),
    guards: {
      atBoundary: ({ event }) => event.type === 'eof' && event.unread.length === 0,
    },
  }).createMachine({
    id: 'postgres',
    context: ({ input }) => ({ type: 0, length: 0, keepBytes: input?.bytes ?? options.bytes ?? false }),
    initial: 'header',
    states: {
      header: {
        // Unknown types, lengths under 4 and over the limit are refused by the read's decoder.
        meta: { read: header },
        on: {
          read: {
            target: 'body',
            actions: assign({
              type: ({ event }) => (event as ReadDoneEvent<number>).value % 256,
              length: ({ event }) => Math.floor((event as ReadDoneEvent<number>).value / 256),
            }),
          },
          eof: [
            { guard: 'atBoundary', target: 'closed' },
            { actions: fail('PG_TRUNCATED', 'input ended inside a message header') },
          ],
        },
      },
      body: {
        meta: { read: ({ context }) => bodyRead(context.length), readLabel: 'the body (length - 4 bytes)' },
        on: {
          read: {
            target: 'header',
            actions: emit(({ context, event }) => {
              const { buf, start, end } = event as ReadDoneEvent;
              return decodeBody(context.type, buf, start, end, context.keepBytes);
            }),
          },
          eof: { actions: fail('PG_TRUNCATED', 'input ended inside a message body') },
        },
      },
      closed: { type: 'final' },
    },
  });
}

/** The backend message parser with default limits. */
export const pgProtocol = createPgProtocol();
