/** The decoders of `decode`, field runs, and reads that decode once (`map`). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assign, emit, setup } from 'xstate';
import {
  bytes,
  decode,
  ErrorCode,
  emitIf,
  fields,
  lengthPrefixed,
  ProtocolFault,
  protocolTypes,
  type ReadRequest,
  readAction,
  readGuard,
  reject,
  until,
} from '../src/index.js';
import { executorsAgree } from '../src/testing/index.js';
import { enc, record, slicings } from './helpers.js';

const all = (b: Uint8Array) => [b, 0, b.length] as const;
const faultOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolFault);
    return (e as ProtocolFault).code;
  }
  throw new Error('did not throw');
};

describe('decimal and hex integers from bytes', () => {
  test('decimal: digits, an optional minus, the safe range', () => {
    expect(decode.decimal(...all(enc('0')))).toBe(0);
    expect(decode.decimal(...all(enc('-42')))).toBe(-42);
    expect(decode.decimal(...all(enc('9007199254740991')))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decode.decimal(...all(enc('-9007199254740991')))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(decode.decimal(enc('x123y'), 1, 4)).toBe(123);
    for (const bad of ['', '-', '+1', '1a', ' 1', '1 ', '--1', '1.5'])
      expect(faultOf(() => decode.decimal(...all(enc(bad))))).toBe(ErrorCode.DECODE_SYNTAX);
    for (const big of ['9007199254740992', '123456789012345678901234567890'])
      expect(faultOf(() => decode.decimal(...all(enc(big))))).toBe(ErrorCode.DECODE_OVERFLOW);
    expect(faultOf(() => decode.unsignedDecimal(...all(enc('-1'))))).toBe(ErrorCode.DECODE_SYNTAX);
    expect(decode.bigDecimal(...all(enc('-123456789012345678901234567890')))).toBe(-123456789012345678901234567890n);
    expect(faultOf(() => decode.bigDecimal(...all(enc('12x'))))).toBe(ErrorCode.DECODE_SYNTAX);
  });

  test('decimal agrees with Number on every safe integer written out', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(decode.decimal(...all(enc(String(n))))).toBe(n);
      }),
      { seed: 12, numRuns: 500 },
    );
  });

  test('hex: either case, no prefix, the safe range', () => {
    expect(decode.hex(...all(enc('1a2F')))).toBe(0x1a2f);
    expect(decode.hex(...all(enc('0')))).toBe(0);
    expect(decode.hex(...all(enc('1fffffffffffff')))).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['', '0x1', 'g', '1 '])
      expect(faultOf(() => decode.hex(...all(enc(bad))))).toBe(ErrorCode.DECODE_SYNTAX);
    expect(faultOf(() => decode.hex(...all(enc('20000000000000'))))).toBe(ErrorCode.DECODE_OVERFLOW);
  });
});

describe('binary integers', () => {
  test('each agrees with DataView at any offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 16 }), fc.nat(8), (b, at) => {
        const s = Math.min(at, b.length - 8);
        const v = new DataView(b.buffer, b.byteOffset);
        expect(decode.u8(b, s)).toBe(v.getUint8(s));
        expect(decode.i8(b, s)).toBe(v.getInt8(s));
        expect(decode.u16be(b, s)).toBe(v.getUint16(s));
        expect(decode.u16le(b, s)).toBe(v.getUint16(s, true));
        expect(decode.i16be(b, s)).toBe(v.getInt16(s));
        expect(decode.i16le(b, s)).toBe(v.getInt16(s, true));
        expect(decode.u32be(b, s)).toBe(v.getUint32(s));
        expect(decode.u32le(b, s)).toBe(v.getUint32(s, true));
        expect(decode.i32be(b, s)).toBe(v.getInt32(s));
        expect(decode.i32le(b, s)).toBe(v.getInt32(s, true));
        expect(decode.u64be(b, s)).toBe(v.getBigUint64(s));
        expect(decode.u64le(b, s)).toBe(v.getBigUint64(s, true));
        expect(decode.i64be(b, s)).toBe(v.getBigInt64(s));
        expect(decode.i64le(b, s)).toBe(v.getBigInt64(s, true));
      }),
      { seed: 13, numRuns: 300 },
    );
  });
});

describe('strings from a range', () => {
  test('latin1 and utf8 agree with TextDecoder, in Buffers and plain arrays, short and long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(3), (s, pad) => {
        const raw = new TextEncoder().encode(s);
        for (const b of [
          Uint8Array.from([...Array(pad).fill(32), ...raw]),
          Buffer.from([...Array(pad).fill(32), ...raw]),
        ]) {
          expect(decode.utf8(b, pad, b.length)).toBe(s);
          expect(decode.utf8Strict(b, pad, b.length)).toBe(s);
          const bytesOnly = b.subarray(pad);
          // TextDecoder's "latin1" is windows-1252: compare with one char per byte instead.
          expect(decode.latin1(b, pad, b.length)).toBe(String.fromCharCode(...bytesOnly));
        }
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  test('every length, short ones (made in JavaScript) and long ones (native), stops at the range end', () => {
    const utf8 = new TextDecoder('utf-8');
    // Every byte value, a multi-byte sequence cut at each place, and bytes either side of the range.
    const all256 = Uint8Array.from({ length: 256 }, (_, i) => i);
    const texts = [
      enc('GET /index.html HTTP/1.1 host: example.com'),
      enc('h\u00e9llo w\u00f6rld \u{1f600} fin'),
      all256,
    ];
    for (const text of texts) {
      for (let from = 0; from < 24; from++) {
        for (let n = 0; n <= 40 && from + n <= text.length; n++) {
          const b = Buffer.from([0x7e, ...text, 0x7e]);
          const range = b.subarray(1 + from, 1 + from + n);
          expect(decode.latin1(b, 1 + from, 1 + from + n)).toBe(String.fromCharCode(...range));
          expect(decode.utf8(b, 1 + from, 1 + from + n)).toBe(utf8.decode(range));
          expect(decode.utf8(Uint8Array.from(b), 1 + from, 1 + from + n)).toBe(utf8.decode(range));
        }
      }
    }
  });

  test('utf8 replaces malformed sequences; utf8Strict refuses them', () => {
    const bad = Uint8Array.of(0x61, 0xc3, 0x28);
    expect(decode.utf8(...all(bad))).toBe('a\ufffd(');
    expect(faultOf(() => decode.utf8Strict(...all(bad)))).toBe(ErrorCode.DECODE_SYNTAX);
  });

  test('intern returns the same string for known ones, the fallback for others', () => {
    const status = decode.intern(['OK', 'PONG', 'QUEUED', 'OKAY']);
    const ok = status(enc('+OK'), 1, 3);
    expect(ok).toBe('OK');
    expect(status(enc('PONG'), 0, 4)).toBe('PONG');
    expect(status(enc('OKAX'), 0, 4)).toBe('OKAX');
    expect(status(enc('PING'), 0, 4)).toBe('PING');
    expect(status(enc(''), 0, 0)).toBe('');
    const upper = decode.intern(['a'], (_b, s, e) => `other:${e - s}`);
    expect(upper(enc('b'), 0, 1)).toBe('other:1');
  });
});

/** A machine that repeats one read and emits what its map made, or its bytes. */
function valueMachine(read: ReadRequest) {
  return setup({
    types: protocolTypes<{ n: number }, { type: 'value'; value: unknown; data: string }>(),
    guards: { clean: ({ event }) => event.type === 'eof' && event.unread.length === 0 },
  }).createMachine({
    context: { n: 0 },
    initial: 'w',
    states: {
      w: {
        meta: { read },
        on: {
          read: {
            actions: emit(({ event }) => ({
              type: 'value' as const,
              value: event.value,
              data: String.fromCharCode(...event.data),
            })),
          },
          eof: { guard: 'clean', target: 'end' },
        },
      },
      end: { type: 'final' },
    },
  });
}

const values = (outputs: unknown[]) => outputs.map((o) => (o as { value: unknown }).value);

describe('reads that decode once', () => {
  test('until with map: the value at every slicing, with and without strip', () => {
    const input = '12\r\n-7\r\n0\r\n';
    for (const chunks of slicings(input)) {
      const stripped = record(valueMachine(until('\r\n', { strip: true, map: decode.decimal })), chunks);
      expect(stripped.errors).toEqual([]);
      expect(values(stripped.outputs)).toEqual([12, -7, 0]);
      const kept = record(valueMachine(until('\r\n', { map: (_b, s, e) => e - s })), chunks);
      expect(values(kept.outputs)).toEqual([4, 4, 3]);
      // `data` is there when asked for, the same bytes.
      expect(kept.outputs.map((o) => (o as { data: string }).data)).toEqual(['12\r\n', '-7\r\n', '0\r\n']);
    }
  });

  test('until with several delimiters and map', () => {
    const read = until(['\r\n', '\n'], { strip: true, map: decode.latin1 });
    for (const chunks of slicings('ab\ncd\r\n\n'))
      expect(values(record(valueMachine(read), chunks).outputs)).toEqual(['ab', 'cd', '']);
  });

  test('bytes with map, a field run, a length-prefixed field: at every slicing', () => {
    const input = Uint8Array.of(0, 1, 0xff, 0xfe, 7, 0, 0, 0, 9, 0, 3, 0x61, 0x62, 0x63, 0, 0);
    const str = latinOf(input);
    for (const chunks of slicings(str)) {
      expect(values(record(valueMachine(bytes(2, { map: decode.u16be })), chunks.map(enc)).outputs)).toEqual([
        1, 0xfffe, 0x0700, 0, 0x0900, 0x0361, 0x6263, 0,
      ]);
      expect(
        values(record(valueMachine(fields({ a: 'u8', b: 'i8', c: 'u16le', d: 'u32be' })), chunks.map(enc)).outputs),
      ).toEqual([
        { a: 0, b: 1, c: 0xfeff, d: 0x07000000 },
        { a: 9, b: 0, c: 0x6103, d: 0x62630000 },
      ]);
    }
    const prefixed = Uint8Array.of(0, 3, 0x61, 0x62, 0x63, 0, 0, 0, 1, 0x7a);
    for (const chunks of slicings(latinOf(prefixed))) {
      const r = record(valueMachine(lengthPrefixed(2, { map: decode.latin1 })), chunks.map(enc));
      expect(r.errors).toEqual([]);
      expect(values(r.outputs)).toEqual(['abc', '', 'z']);
    }
  });

  test('lengthPrefixed: little endian, widths 1 and 4, data without the length', () => {
    const le = record(valueMachine(lengthPrefixed(4, { littleEndian: true })), [Uint8Array.of(2, 0, 0, 0, 9, 8)]);
    expect(le.outputs.map((o) => (o as { data: string }).data)).toEqual(['\t\b']);
    const one = record(valueMachine(lengthPrefixed(1)), [Uint8Array.of(1, 0x41, 0)]);
    expect(one.outputs.map((o) => (o as { data: string }).data)).toEqual(['A', '']);
  });

  test('lengthPrefixed refuses a length past maxBytes when the length arrives, not the payload', () => {
    const r = record(valueMachine(lengthPrefixed(2, { maxBytes: 10 })), [Uint8Array.of(0, 1, 0x41, 0, 11)], {
      end: false,
    });
    expect(r.errors.map((e) => [e.code, (e as { offset?: number }).offset])).toEqual([[ErrorCode.MAX_BYTES, 3]]);
  });

  test('a decoder that rejects: its code, at the read start, with the read bytes as excerpt', () => {
    for (const chunks of slicings('1\r\n2x\r\n')) {
      const r = record(valueMachine(until('\r\n', { strip: true, map: decode.decimal })), chunks);
      expect(values(r.outputs)).toEqual([1]);
      const e = r.errors[0] as unknown as { code: string; offset: number; excerpt: Uint8Array; state: string };
      expect([e.code, e.offset, e.state]).toEqual([ErrorCode.DECODE_SYNTAX, 3, 'w']);
      expect(latinOf(e.excerpt).startsWith('2x')).toBe(true);
    }
    const custom = bytes(1, { map: (b, s) => (b[s] === 0 ? reject('ZERO_BYTE', 'a zero') : b[s]) });
    const r = record(valueMachine(custom), [Uint8Array.of(5, 0)]);
    expect(values(r.outputs)).toEqual([5]);
    expect(r.errors.map((e) => [e.code, (e as { offset?: number }).offset])).toEqual([['ZERO_BYTE', 1]]);
  });
});

function latinOf(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

describe('emitIf, readGuard, readAction', () => {
  // A count, then that many decimal lines; the sum is emitted when the last one is read.
  const summing = setup({
    types: protocolTypes<{ left: number; sum: number }, { type: 'sum'; sum: number }>(),
    guards: {
      isCount: readGuard<{ left: number }, number>(({ context }) => context.left === 0),
      negative: readGuard<unknown, number>(({ event }) => event.value < 0),
    },
    actions: {
      add: readAction<{ left: number; sum: number }, number>(({ context, event }) => {
        context.sum += event.value;
        context.left--;
      }),
    },
  }).createMachine({
    context: { left: 0, sum: 0 },
    initial: 'line',
    states: {
      line: {
        meta: { read: until('\r\n', { strip: true, map: decode.decimal, maxBytes: 12 }) },
        on: {
          read: [
            { guard: 'negative', actions: ({ event }) => reject('NEGATIVE', `${event.value} is negative`) },
            { guard: 'isCount', actions: assign({ left: ({ event }) => event.value, sum: 0 }) },
            {
              actions: [
                assign(({ context, event }) => ({ left: context.left - 1, sum: context.sum + event.value })),
                emitIf(({ context }) => (context.left === 0 ? { type: 'sum' as const, sum: context.sum } : null)),
              ],
            },
          ],
        },
      },
    },
  });

  test('an output only when the last item is read; a reject from an action keeps its code', () => {
    for (const executor of ['compiled', 'xstate'] as const) {
      for (const chunks of slicings('2\r\n3\r\n4\r\n1\r\n5\r\n-1\r\n')) {
        const r = record(summing, chunks, { executor });
        expect(r.outputs).toEqual([
          { type: 'sum', sum: 7 },
          { type: 'sum', sum: 5 },
        ]);
        expect(r.errors.map((e) => [e.code, (e as { offset?: number }).offset])).toEqual([['NEGATIVE', 15]]);
      }
    }
  });

  test('executors agree on machines with decoders, field runs, length prefixes and emitIf', () => {
    const input = fc
      .array(fc.constantFrom('1', '2', '-', 'x', '\r\n', '0', '9'), { maxLength: 12 })
      .map((parts) => enc(parts.join('')));
    fc.assert(executorsAgree(summing, input), { seed: 15, numRuns: 150 });
    const binary = valueMachine(lengthPrefixed(1, { maxBytes: 3, map: decode.latin1 }));
    fc.assert(
      executorsAgree(
        binary,
        fc.uint8Array({ maxLength: 12 }).map((b) => b.map((x) => x & 3)),
      ),
      {
        seed: 16,
        numRuns: 150,
      },
    );
  });
});

describe('read events: reused by the compiled executor, poisoned in tests', () => {
  const keeper = setup({
    types: protocolTypes<{ kept: any }, { type: 'was'; data: number }>(),
  }).createMachine({
    context: { kept: null },
    initial: 'w',
    states: {
      w: {
        meta: { read: bytes(1) },
        on: {
          read: {
            actions: [
              // Wrong: keeps the event object, and reads it on the next step.
              emitIf(({ context }) =>
                context.kept === null ? null : { type: 'was' as const, data: context.kept.data[0] },
              ),
              assign({ kept: ({ event }) => event }),
            ],
          },
        },
      },
    },
  });

  test('without poisoning a kept event shows the next read (the compiled executor reuses one)', () => {
    const r = record(keeper, [Uint8Array.of(1, 2, 3)], { poisonEvents: false, end: false });
    expect(r.outputs).toEqual([
      { type: 'was', data: 2 },
      { type: 'was', data: 3 },
    ]);
  });

  test('with poisonEvents (the testing default), using a kept event fails loudly', () => {
    const r = record(keeper, [Uint8Array.of(1, 2, 3)], { end: false });
    expect(r.errors.map((e) => e.code)).toEqual([ErrorCode.INVALID_STATE]);
    expect(r.errors[0].message).toMatch(/used after its step/);
  });

  test('values taken from an event stay valid: data views and decoded values', () => {
    const views = setup({ types: protocolTypes<{ all: Uint8Array[] }, { type: 'x' }>() }).createMachine({
      context: { all: [] },
      initial: 'w',
      states: {
        w: {
          meta: { read: bytes(2) },
          on: { read: { actions: ({ context, event }) => void context.all.push(event.data) } },
        },
      },
    });
    const r = record(views, [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6)], { poisonEvents: false, end: false });
    expect((r.driver.context as { all: Uint8Array[] }).all.map((d) => [...d])).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });
});
