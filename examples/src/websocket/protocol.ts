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
 * UTF-8 is checked with Node's `buffer.isUtf8`, as `ws` does.
 */
import { isUtf8 } from 'node:buffer';
import { bytes, fail, into, ProtocolFault, protocolTypes } from '@wiremachine/core';
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
}

interface Context {
  fin: boolean;
  opcode: number;
  rsv: number;
  masked: boolean;
  /** The payload length of the frame being read. */
  length: number;
  /** The masking key, as a native-endian 32-bit word (its bytes in order in memory). */
  key: number;
  /** The payload is read into this. */
  buffer: Uint8Array;
  /** The message in progress: its opcode (0: none), the RSV of its first frame, its fragments and size. */
  message: number;
  messageRsv: number;
  parts: Uint8Array[];
  size: number;
}

const fault = (code: string, message: string): never => {
  throw new ProtocolFault(code, message);
};

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The masking key's bytes, from the word {@link Context.key} holds. */
function keyBytes(key: number): Uint8Array {
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) b[i] = (key >>> (LITTLE_ENDIAN ? i * 8 : 24 - i * 8)) & 0xff;
  return b;
}

/**
 * Unmasks `data` in place with `key` (the masking key as a native-endian
 * 32-bit word); `native`, when given, takes payloads of 64 bytes and more.
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
/** Payloads up to this size are read as views and copied while unmasked. */
const SMALL = 1024;
/** Whether the payload is read into a buffer of its own: from {@link SMALL} to {@link PREALLOCATE} bytes. */
const readsInto = (c: { length: number }) => c.length > SMALL && c.length <= PREALLOCATE;
/** A short masked frame: its key and payload are read together, key first. */
const keyInline = (c: { masked: boolean; length: number }) => c.masked && c.length < 126;
/** The buffer an extended-length payload is read into, or none (a view, copied while unmasked). */
const readBuffer = (n: number): Uint8Array => (readsInto({ length: n }) ? payloadBuffer(n) : EMPTY);

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

/** A WebSocket frame parser. */
export function createWsProtocol(options: WsOptions = {}) {
  const maxMessage = options.maxMessageBytes ?? 100 * 1024 * 1024;
  const allowedRsv = options.allowedRsv ?? 0;
  const masking = options.masking ?? 'required';
  const native = options.unmask;
  /** The payload just read, unmasked: in the parser's own buffer (copied there when it was gathered). */
  const open = (context: Context, data: Uint8Array) => {
    if (readsInto(context)) return unmask(data, context.masked ? context.key : 0, native);
    if (keyInline(context)) return copyUnmasked(data, 4, keyAt(data, 0));
    return copyUnmasked(data, 0, context.masked ? context.key : 0);
  };
  /** The payload at `at` in `data` (the input's bytes, never written), unmasked into a new buffer. */
  const copyUnmasked = (data: Uint8Array, at: number, key: number) => {
    const n = data.length - at;
    const out = payloadBuffer(n);
    if (n >= 64) {
      out.set(at === 0 ? data : data.subarray(at));
      return unmask(out, key, native);
    }
    for (let i = 0; i < n; i++)
      out[i] = data[at + i] ^ ((key >>> (LITTLE_ENDIAN ? (i & 3) << 3 : 24 - ((i & 3) << 3))) & 0xff);
    return out;
  };

  /** Checks a frame's length against control-frame and message limits. */
  const checkLength = (opcode: number, size: number, length: number) => {
    if (opcode < 8 && size + length > maxMessage)
      fault('WS_MESSAGE_TOO_BIG', `a message of more than ${maxMessage} bytes`);
  };

  /** Reads and checks the two-byte head; the extended length and the key come after. */
  const head = ({ context, event }: { context: Context; event: { data: Uint8Array } }): Partial<Context> => {
    const b0 = event.data[0];
    const b1 = event.data[1];
    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & 0x70;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
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
    return { fin, rsv, opcode, masked, length: len7 };
  };

  const extended = (length: number, context: Context): Partial<Context> => {
    checkLength(context.opcode, context.size, length);
    return { length, buffer: readBuffer(length) };
  };

  return setup({
    types: protocolTypes<Context, WsOutput>(),
    guards: {
      len16: ({ event }) => event.type === 'read' && (event.data[1] & 0x7f) === 126,
      len64: ({ event }) => event.type === 'read' && (event.data[1] & 0x7f) === 127,
      masked: ({ context }) => context.masked,
      nonMinimal16: ({ event }) => event.type === 'read' && ((event.data[0] << 8) | event.data[1]) < 126,
      topBit: ({ event }) => event.type === 'read' && (event.data[0] & 0x80) !== 0,
      nonMinimal64: ({ event }) =>
        event.type === 'read' &&
        event.data[0] === 0 &&
        event.data[1] === 0 &&
        event.data[2] === 0 &&
        event.data[3] === 0 &&
        event.data[4] === 0 &&
        event.data[5] === 0,
      isClose: ({ context }) => context.opcode === 8,
      isPing: ({ context }) => context.opcode === 9,
      isPong: ({ context }) => context.opcode === 10,
      whole: ({ context }) => context.fin && context.opcode !== 0,
      fragment: ({ context }) => !context.fin,
      atBoundary: ({ context, event }) => event.type === 'eof' && event.unread.length === 0 && context.message === 0,
    },
    actions: {
      head: assign(({ context, event }) => head({ context, event: event as { data: Uint8Array } })),
      length16: assign(({ context, event }) => {
        const d = (event as { data: Uint8Array }).data;
        return extended((d[0] << 8) | d[1], context);
      }),
      length64: assign(({ context, event }) => {
        const d = (event as { data: Uint8Array }).data;
        // The top 32 bits are under 2^21 here (the top bit and 7 zero bytes were ruled out); exact in a double.
        const hi = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
        const lo = ((d[4] << 24) | (d[5] << 16) | (d[6] << 8) | d[7]) >>> 0;
        return extended(hi * 2 ** 32 + lo, context);
      }),
      key: assign({
        key: ({ event }) => keyAt((event as { data: Uint8Array }).data, 0),
      }),
      keepFragment: assign(({ context, event }) => {
        const data = open(context, (event as { data: Uint8Array }).data);
        const first = context.message === 0;
        context.parts.push(data);
        return {
          message: first ? context.opcode : context.message,
          messageRsv: first ? context.rsv : context.messageRsv,
          size: context.size + data.length,
        };
      }),
      endMessage: assign({ message: 0, messageRsv: 0, parts: () => [], size: 0 }),
    },
  }).createMachine({
    id: 'websocket',
    context: () => ({
      fin: true,
      opcode: 0,
      rsv: 0,
      masked: false,
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
        meta: { read: bytes(2) },
        on: {
          read: [
            { guard: 'len16', target: 'length16', actions: 'head' },
            { guard: 'len64', target: 'length64', actions: 'head' },
            // A short frame's key, if masked, is read with its payload.
            { target: 'payload', actions: 'head' },
          ],
          eof: [
            { guard: 'atBoundary', target: 'ended' },
            { actions: fail('WS_TRUNCATED', 'input ended inside a message') },
          ],
        },
      },
      length16: {
        meta: { read: bytes(2) },
        on: {
          read: [
            { guard: 'nonMinimal16', actions: fail('WS_NON_MINIMAL_LENGTH', 'a 16-bit length under 126') },
            { guard: 'masked', target: 'key', actions: 'length16' },
            { target: 'payload', actions: 'length16' },
          ],
          eof: { actions: fail('WS_TRUNCATED', 'input ended inside a frame') },
        },
      },
      length64: {
        meta: { read: bytes(8) },
        on: {
          read: [
            { guard: 'topBit', actions: fail('WS_BAD_LENGTH', 'a 64-bit length with its top bit set') },
            { guard: 'nonMinimal64', actions: fail('WS_NON_MINIMAL_LENGTH', 'a 64-bit length under 65536') },
            { guard: 'masked', target: 'key', actions: 'length64' },
            { target: 'payload', actions: 'length64' },
          ],
          eof: { actions: fail('WS_TRUNCATED', 'input ended inside a frame') },
        },
      },
      key: {
        meta: { read: bytes(4) },
        on: {
          read: { target: 'payload', actions: 'key' },
          eof: { actions: fail('WS_TRUNCATED', 'input ended inside a frame') },
        },
      },
      payload: {
        meta: {
          read: ({ context }) =>
            readsInto(context) ? into(context.buffer) : bytes(keyInline(context) ? context.length + 4 : context.length),
          readLabel: 'the payload',
        },
        on: {
          read: [
            {
              guard: 'isClose',
              target: 'closed',
              actions: emit(({ context, event }) => close(open(context, event.data))),
            },
            {
              guard: 'isPing',
              target: 'head',
              actions: emit(({ context, event }) => ({ type: 'ping' as const, data: open(context, event.data) })),
            },
            {
              guard: 'isPong',
              target: 'head',
              actions: emit(({ context, event }) => ({ type: 'pong' as const, data: open(context, event.data) })),
            },
            {
              guard: 'whole',
              target: 'head',
              actions: emit(({ context, event }) => message(context.opcode, open(context, event.data), context.rsv)),
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
