/**
 * WebSocket frames (RFC 6455), declared as a wiremachine machine. A frame is
 * a two-byte head (FIN, RSV, opcode, MASK, a 7-bit length), a 16- or 64-bit
 * extended length, a masking key, and the payload. The machine checks every
 * rule of §5 as the bytes arrive: RSV bits without an extension, reserved
 * opcodes, control frames that are fragmented or longer than 125 bytes,
 * continuations out of place, non-minimal and out-of-range lengths, masking
 * required or forbidden, the message size limit (on the frame's head, before
 * its payload is buffered), UTF-8 in text messages across their fragments and
 * in close reasons, and close codes. It emits whole messages, with control
 * frames that arrive between fragments emitted at once.
 *
 * UTF-8 is checked with Node's `buffer.isUtf8`, as `ws` does. A payload is
 * unmasked into a buffer of its own, never in the input: with the `mask`
 * option (a native one, such as `bufferutil`'s) in the pass that copies it
 * out of the input.
 */
import { isUtf8 } from 'node:buffer';
import {
  type BytesRead,
  bytes,
  fail,
  type IntoCopy,
  into,
  ProtocolFault,
  protocolTypes,
  type ReadDoneEvent,
  type ReadRequest,
  readGuard,
} from '@wiremachine/core';
import { assign, emit, setup } from 'xstate';
import { isValidCloseCode, TextMessage, type WsOutput } from './frames.js';

/** Options of {@link createWsProtocol}. */
export interface WsOptions {
  /**
   * Masking of the frames this side receives: `required` (a server reading
   * a client, the default), `forbidden` (a client reading a server), or
   * `optional`.
   */
  masking?: 'required' | 'forbidden' | 'optional';
  /** The longest message, all its fragments together. Default 100 MiB (as `ws`). */
  maxMessageBytes?: number;
  /** RSV bits a negotiated extension uses (0x40 for RSV1). Default none: any RSV bit is an error. */
  allowedRsv?: number;
  /**
   * Unmasks a payload in place, for payloads of 64 bytes and more: a native
   * one such as `bufferutil`'s `unmask`, which `ws` uses when installed.
   * Default: a loop over 32-bit words. `payload` is the parser's own copy.
   */
  unmask?: (payload: Uint8Array, mask: Uint8Array) => void;
  /**
   * Copies and unmasks in one pass, for payloads of 64 bytes and more:
   * `source[0, length)` XOR `mask` (from its first byte on) written into
   * `output` at `offset`, as `bufferutil`'s `mask` does (`ws` sends with it).
   * `source` is a view of the input, only read (or, for a payload that came
   * in pieces under 4 KiB, copied first, of `output` itself: unmasked in
   * place). Given, it takes the place of `unmask`: a payload is unmasked
   * while it is copied out of the input, rather than copied and then
   * unmasked in place.
   */
  mask?: (source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number) => void;
}

interface Context {
  /**
   * The frame's two-byte head, decoded once into one number and checked:
   * FIN (0x8000), RSV (0x7000), the opcode (0x0f00), MASK (0x80) and the
   * 7-bit length (0x7f).
   */
  head: number;
  /** The payload length of the frame being read. */
  length: number;
  /**
   * The masking key of a frame with an extended length, as a native-endian
   * 32-bit word (its bytes in order in memory). A short frame's key is read
   * with its payload.
   */
  key: number;
  /** The buffer a payload of {@link SMALL} to {@link PREALLOCATE} bytes is read into. */
  buffer: Uint8Array;
  /** The message in progress: its opcode (0: none), the RSV of its first frame, its fragments and size. */
  message: number;
  messageRsv: number;
  parts: Uint8Array[];
  size: number;
}

const FIN = 0x8000;
const MASK = 0x80;
const opcodeOf = (head: number) => (head >>> 8) & 0x0f;
const rsvOf = (head: number) => (head >>> 8) & 0x70;
const keyOf = (c: Context) => ((c.head & MASK) !== 0 ? c.key : 0);

const fault = (code: string, message: string): never => {
  throw new ProtocolFault(code, message);
};

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The masking key's bytes, from the word {@link Context.key} holds; with
 * `repeat` 2, twice over, so that the four bytes from any `i < 4` are the key
 * turned to start at its byte `i`.
 */
function keyBytes(key: number, repeat = 1): Uint8Array {
  const b = new Uint8Array(4 * repeat);
  for (let i = 0; i < b.length; i++) b[i] = (key >>> (LITTLE_ENDIAN ? (i & 3) * 8 : 24 - (i & 3) * 8)) & 0xff;
  return b;
}

/**
 * Unmasks `data` in place with `key` (the masking key as a native-endian
 * 32-bit word), four bytes at a time where `data` is aligned; `native`, when
 * given, takes payloads of 64 bytes and more.
 */
export function unmask(data: Uint8Array, key: number, native?: WsOptions['unmask']): Uint8Array {
  const n = data.length;
  if (key === 0) return data;
  let i = 0;
  if (n >= 64 && native !== undefined) {
    native(data, keyBytes(key));
    return data;
  }
  if (n >= 64 && data.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const w = new Uint32Array(data.buffer, data.byteOffset, words);
    for (let j = 0; j < words; j++) w[j] ^= key;
    i = words << 2;
  }
  for (; i < n; i++) data[i] ^= (key >>> (LITTLE_ENDIAN ? (i & 3) << 3 : 24 - ((i & 3) << 3))) & 0xff;
  return data;
}

const EMPTY = new Uint8Array(0);
/**
 * Payloads up to this size are read into a buffer of their length, allocated
 * when the frame's length is known; longer ones are gathered as they arrive
 * and copied once whole, so a head that claims a long payload costs nothing
 * before the payload comes.
 */
const PREALLOCATE = 64 * 1024;
/** A payload's buffer: zeroed for small ones, where that costs nothing; left unfilled above 4 KiB (a Buffer). */
const payloadBuffer = (n: number): Uint8Array =>
  n === 0 ? EMPTY : n <= 4096 ? new Uint8Array(n) : Buffer.allocUnsafe(n);
/** A masking key at `at`, as a native-endian word. */
const keyAt = (d: Uint8Array, at: number) =>
  LITTLE_ENDIAN
    ? (d[at] | (d[at + 1] << 8) | (d[at + 2] << 16) | (d[at + 3] << 24)) >>> 0
    : ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
/** Pieces of an `into` payload from this size up are unmasked as they are copied, with the native `mask`. */
const ONE_PASS = 4096;
/** Payloads up to this size are copied out of the input while they are unmasked. */
const SMALL = 1024;
/** Whether a payload is read into a buffer of its own: from {@link SMALL} to {@link PREALLOCATE} bytes. */
const readsInto = (n: number) => n > SMALL && n <= PREALLOCATE;
/** The buffer a payload is read into, or none (it is copied while unmasked). */
const readBuffer = (n: number): Uint8Array => (readsInto(n) ? payloadBuffer(n) : EMPTY);

/** The head's two bytes as one number (the read's decoder). */
const headValue = (b: Uint8Array, s: number): number => (b[s] << 8) | b[s + 1];
/** A 16-bit length. */
const length16 = (b: Uint8Array, s: number): number => (b[s] << 8) | b[s + 1];
/**
 * A 64-bit length, or -1 when its top bit is set. Past 2^53 it is not exact,
 * but then it is far over any size limit.
 */
const length64 = (b: Uint8Array, s: number): number => {
  if (b[s] >= 0x80) return -1;
  const hi = (b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3];
  const lo = ((b[s + 4] << 24) | (b[s + 5] << 16) | (b[s + 6] << 8) | b[s + 7]) >>> 0;
  return hi * 2 ** 32 + lo;
};
/** A masking key. */
const keyValue = (b: Uint8Array, s: number): number => keyAt(b, s);

/** UTF-8 check: a byte loop for short ASCII, Node's native check otherwise. */
function validUtf8(b: Uint8Array): boolean {
  if (b.length < 32) {
    let i = 0;
    while (i < b.length && b[i] < 0x80) i++;
    if (i === b.length) return true;
  }
  return isUtf8(b);
}

function joined(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = payloadBuffer(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function message(opcode: number, data: Uint8Array, rsv: number): WsOutput {
  if (opcode === 2) return { type: 'binary', data, rsv };
  if (!validUtf8(data)) fault('WS_INVALID_UTF8', 'a text message that is not UTF-8');
  return new TextMessage(data, rsv);
}

function close(data: Uint8Array): WsOutput {
  if (data.length === 0) return { type: 'close', code: null, reason: '' };
  if (data.length === 1) return fault('WS_BAD_CLOSE', 'a close body of one byte');
  const code = (data[0] << 8) | data[1];
  if (!isValidCloseCode(code)) fault('WS_BAD_CLOSE_CODE', `close code ${code} may not be sent`);
  const reason = data.subarray(2);
  if (!validUtf8(reason)) fault('WS_INVALID_UTF8', 'a close reason that is not UTF-8');
  return { type: 'close', code, reason: Buffer.from(reason).toString('utf8') };
}

/** A payload read's event: its decoder's copy in `value`, or (`into`) none. */
type PayloadEvent = ReadDoneEvent<Uint8Array | undefined>;

/** A WebSocket frame parser. */
export function createWsProtocol(options: WsOptions = {}) {
  const maxMessage = options.maxMessageBytes ?? 100 * 1024 * 1024;
  const allowedRsv = options.allowedRsv ?? 0;
  const masking = options.masking ?? 'required';
  const native = options.unmask;
  const nativeMask = options.mask;

  /**
   * `b[s, e)` (the input's bytes, never written) unmasked with `key` into a
   * new buffer: in one pass for short payloads, else copied and unmasked in
   * place.
   */
  const copyUnmasked = (b: Uint8Array, s: number, e: number, key: number): Uint8Array => {
    const n = e - s;
    const out = payloadBuffer(n);
    if (n >= 64) {
      if (nativeMask !== undefined && key !== 0) {
        nativeMask(new Uint8Array(b.buffer, b.byteOffset + s, n), keyBytes(key), out, 0, n);
        return out;
      }
      out.set(b.subarray(s, e));
      return unmask(out, key, native);
    }
    if (key === 0) {
      for (let i = 0; i < n; i++) out[i] = b[s + i];
      return out;
    }
    const k0 = LITTLE_ENDIAN ? key & 0xff : key >>> 24;
    const k1 = LITTLE_ENDIAN ? (key >>> 8) & 0xff : (key >>> 16) & 0xff;
    const k2 = LITTLE_ENDIAN ? (key >>> 16) & 0xff : (key >>> 8) & 0xff;
    const k3 = LITTLE_ENDIAN ? key >>> 24 : key & 0xff;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      out[i] = b[s + i] ^ k0;
      out[i + 1] = b[s + i + 1] ^ k1;
      out[i + 2] = b[s + i + 2] ^ k2;
      out[i + 3] = b[s + i + 3] ^ k3;
    }
    if (i < n) out[i] = b[s + i] ^ k0;
    if (i + 1 < n) out[i + 1] = b[s + i + 1] ^ k1;
    if (i + 2 < n) out[i + 2] = b[s + i + 2] ^ k2;
    return out;
  };
  /**
   * An `into` read's copy for a payload masked with `key` (the read fills its
   * buffer, so the piece that ends there is the last). A piece of
   * {@link ONE_PASS} bytes and more is unmasked by the native `mask` as it is
   * copied, in one pass; smaller ones, where a native call costs more than
   * the pass it saves, are copied as they are and unmasked in place, all at
   * once, before the next large piece or when the payload is whole.
   */
  const maskCopy = (mask: NonNullable<WsOptions['mask']>, key: number): IntoCopy => {
    // The key twice over: the four bytes from `i & 3` are the key turned to payload position `i`.
    const k = keyBytes(key, 2);
    /** `dst[0, plain)` is unmasked; `[plain, at)` is copied, still masked. */
    let plain = 0;
    const unmaskTo = (dst: Uint8Array, end: number) => {
      const n = end - plain;
      mask(
        new Uint8Array(dst.buffer, dst.byteOffset + plain, n),
        new Uint8Array(k.buffer, plain & 3, 4),
        dst,
        plain,
        n,
      );
      plain = end;
    };
    return (piece, dst, at) => {
      const n = piece.length;
      if (n >= ONE_PASS) {
        if (plain < at) unmaskTo(dst, at);
        mask(piece, new Uint8Array(k.buffer, at & 3, 4), dst, at, n);
        plain = at + n;
        return;
      }
      dst.set(piece, at);
      if (at + n === dst.length) unmaskTo(dst, at + n);
    };
  };
  /** A short masked frame's key and payload, read together (key first): the payload unmasked. */
  const shortMasked = (b: Uint8Array, s: number, e: number) => copyUnmasked(b, s + 4, e, keyAt(b, s));
  /** A short unmasked frame's payload, copied. */
  const shortPlain = (b: Uint8Array, s: number, e: number) => copyUnmasked(b, s, e, 0);
  // The reads of short payloads (under 126 bytes), made once per length, as a read is an object.
  const maskedReads: BytesRead<Uint8Array>[] = [];
  const plainReads: BytesRead<Uint8Array>[] = [];
  /** The payload's read: its decoder gives the payload unmasked, or (`into`) it lands in the context's buffer. */
  const payloadRead = (c: Context): ReadRequest => {
    const n = c.length;
    if (n < 126) {
      const masked = (c.head & MASK) !== 0;
      const reads = masked ? maskedReads : plainReads;
      let read = reads[n];
      if (read === undefined) {
        read = masked ? bytes(n + 4, { map: shortMasked }) : bytes(n, { map: shortPlain });
        reads[n] = read;
      }
      return read;
    }
    const key = keyOf(c);
    if (readsInto(n))
      return nativeMask !== undefined && key !== 0
        ? into(c.buffer, { copy: maskCopy(nativeMask, key) })
        : into(c.buffer);
    return bytes(n, { map: (b, s, e) => copyUnmasked(b, s, e, key) });
  };
  /**
   * The payload just read, unmasked: its read's copy, or the context's
   * buffer (unmasked as it was copied in, with the native `mask`; else now).
   */
  const payloadOf = (context: Context, event: unknown): Uint8Array =>
    (event as PayloadEvent).value ??
    (nativeMask !== undefined ? context.buffer : unmask(context.buffer, keyOf(context), native));

  /** Checks a frame's length against the message limit. */
  const checkLength = (opcode: number, size: number, length: number) => {
    if (opcode < 8 && size + length > maxMessage)
      fault('WS_MESSAGE_TOO_BIG', `a message of more than ${maxMessage} bytes`);
    return length;
  };

  /** Checks the two-byte head; the extended length and the key come after. */
  const checkHead = (context: Context, h: number): number => {
    const fin = (h & FIN) !== 0;
    const rsv = rsvOf(h);
    const opcode = opcodeOf(h);
    const masked = (h & MASK) !== 0;
    const len7 = h & 0x7f;
    if ((rsv & ~allowedRsv) !== 0) fault('WS_RSV', 'an RSV bit with no extension that defines it');
    if (opcode >= 8) {
      if (opcode > 10) fault('WS_BAD_OPCODE', `reserved opcode ${opcode}`);
      if (!fin) fault('WS_CONTROL_FRAGMENTED', 'a fragmented control frame');
      if (len7 > 125) fault('WS_CONTROL_TOO_LONG', 'a control frame over 125 bytes');
      if (rsv !== 0) fault('WS_RSV', 'an RSV bit on a control frame');
    } else if (opcode > 2) fault('WS_BAD_OPCODE', `reserved opcode ${opcode}`);
    else if (opcode === 0) {
      if (context.message === 0) fault('WS_UNEXPECTED_CONTINUATION', 'a continuation with no message to continue');
    } else if (context.message !== 0) fault('WS_EXPECTED_CONTINUATION', 'a new message before the last one ended');
    if (masked ? masking === 'forbidden' : masking === 'required')
      fault(masked ? 'WS_MASK_FORBIDDEN' : 'WS_MASK_REQUIRED', masked ? 'a masked frame' : 'an unmasked frame');
    if (len7 < 126) checkLength(opcode, context.size, len7);
    return h;
  };

  return setup({
    types: protocolTypes<Context, WsOutput>(),
    guards: {
      short: readGuard<Context, number>(({ event }) => (event.value & 0x7f) < 126),
      len16: readGuard<Context, number>(({ event }) => (event.value & 0x7f) === 126),
      masked: ({ context }) => (context.head & MASK) !== 0,
      nonMinimal16: readGuard<Context, number>(({ event }) => event.value < 126),
      topBit: readGuard<Context, number>(({ event }) => event.value < 0),
      nonMinimal64: readGuard<Context, number>(({ event }) => event.value < 65536),
      isData: ({ context }) =>
        (context.head & FIN) !== 0 && (opcodeOf(context.head) === 1 || opcodeOf(context.head) === 2),
      isClose: ({ context }) => opcodeOf(context.head) === 8,
      isPing: ({ context }) => opcodeOf(context.head) === 9,
      isPong: ({ context }) => opcodeOf(context.head) === 10,
      fragment: ({ context }) => (context.head & FIN) === 0,
      atBoundary: ({ context, event }) => event.type === 'eof' && event.unread.length === 0 && context.message === 0,
    },
    actions: {
      head: assign({
        head: ({ context, event }) => checkHead(context, (event as ReadDoneEvent<number>).value),
        length: ({ event }) => (event as ReadDoneEvent<number>).value & 0x7f,
      }),
      // An extended length, checked, with the buffer its payload is read into.
      extended: assign({
        length: ({ context, event }) =>
          checkLength(opcodeOf(context.head), context.size, (event as ReadDoneEvent<number>).value),
        buffer: ({ event }) => readBuffer((event as ReadDoneEvent<number>).value),
      }),
      key: assign({ key: ({ event }) => (event as ReadDoneEvent<number>).value }),
      keepFragment: assign(({ context, event }) => {
        const data = payloadOf(context, event);
        const first = context.message === 0;
        context.parts.push(data);
        return {
          message: first ? opcodeOf(context.head) : context.message,
          messageRsv: first ? rsvOf(context.head) : context.messageRsv,
          size: context.size + data.length,
        };
      }),
      endMessage: assign({ message: 0, messageRsv: 0, parts: () => [], size: 0 }),
    },
  }).createMachine({
    id: 'websocket',
    context: () => ({
      head: 0,
      length: 0,
      key: 0,
      buffer: EMPTY,
      message: 0,
      messageRsv: 0,
      parts: [],
      size: 0,
    }),
    initial: 'head',
    states: {
      head: {
        meta: { read: bytes(2, { map: headValue }) },
        on: {
          read: [
            // A short frame's key, if masked, is read with its payload.
            { guard: 'short', target: 'payload', actions: 'head' },
            { guard: 'len16', target: 'length16', actions: 'head' },
            { target: 'length64', actions: 'head' },
          ],
          eof: [
            { guard: 'atBoundary', target: 'ended' },
            { actions: fail('WS_TRUNCATED', 'input ended inside a message') },
          ],
        },
      },
      length16: {
        meta: { read: bytes(2, { map: length16 }) },
        on: {
          read: [
            { guard: 'nonMinimal16', actions: fail('WS_NON_MINIMAL_LENGTH', 'a 16-bit length under 126') },
            { guard: 'masked', target: 'key', actions: 'extended' },
            { target: 'payload', actions: 'extended' },
          ],
          eof: { actions: fail('WS_TRUNCATED', 'input ended inside a frame') },
        },
      },
      length64: {
        meta: { read: bytes(8, { map: length64 }) },
        on: {
          read: [
            { guard: 'topBit', actions: fail('WS_BAD_LENGTH', 'a 64-bit length with its top bit set') },
            { guard: 'nonMinimal64', actions: fail('WS_NON_MINIMAL_LENGTH', 'a 64-bit length under 65536') },
            { guard: 'masked', target: 'key', actions: 'extended' },
            { target: 'payload', actions: 'extended' },
          ],
          eof: { actions: fail('WS_TRUNCATED', 'input ended inside a frame') },
        },
      },
      key: {
        meta: { read: bytes(4, { map: keyValue }) },
        on: {
          read: { target: 'payload', actions: 'key' },
          eof: { actions: fail('WS_TRUNCATED', 'input ended inside a frame') },
        },
      },
      payload: {
        meta: {
          read: ({ context }) => payloadRead(context),
          readLabel: 'the payload',
        },
        on: {
          read: [
            {
              // A whole message in one frame: the common case, tried first.
              guard: 'isData',
              target: 'head',
              actions: emit(({ context, event }) =>
                message(opcodeOf(context.head), payloadOf(context, event), rsvOf(context.head)),
              ),
            },
            {
              guard: 'isClose',
              target: 'closed',
              actions: emit(({ context, event }) => close(payloadOf(context, event))),
            },
            {
              guard: 'isPing',
              target: 'head',
              actions: emit(({ context, event }) => ({ type: 'ping' as const, data: payloadOf(context, event) })),
            },
            {
              guard: 'isPong',
              target: 'head',
              actions: emit(({ context, event }) => ({ type: 'pong' as const, data: payloadOf(context, event) })),
            },
            { guard: 'fragment', target: 'head', actions: 'keepFragment' },
            {
              target: 'head',
              actions: [
                'keepFragment',
                emit(({ context }) =>
                  message(context.message, joined(context.parts, context.size), context.messageRsv),
                ),
                'endMessage',
              ],
            },
          ],
          eof: { actions: fail('WS_TRUNCATED', 'input ended inside a frame') },
        },
      },
      // After a close frame the peer sends nothing more (RFC 6455 §5.5.1).
      closed: {
        meta: { read: bytes(1) },
        on: {
          read: { actions: fail('WS_DATA_AFTER_CLOSE', 'a frame after the close frame') },
          eof: { target: 'ended' },
        },
      },
      ended: { type: 'final' },
    },
  });
}
