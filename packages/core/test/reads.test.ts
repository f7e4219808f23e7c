import { describe, expect, test } from 'vitest';
import {
  bytes,
  createDriver,
  ErrorCode,
  into,
  lengthPrefixed,
  MaxBytesError,
  ProtocolError,
  ProtocolFault,
  regex,
  streamBytes,
  streamUntilClose,
  until,
  untilClose,
  WiremachineError,
} from '../src/index.js';
import { enc, readMachine, record, slicings, text } from './helpers.js';

const got = (data: string, delimiter = -1) => ({ type: 'got', data, delimiter, groups: null });

describe.each(['compiled', 'xstate'] as const)('reads (%s executor)', (executor) => {
  test('bytes(n) returns exactly n bytes at every slicing', () => {
    for (const pieces of slicings('abcdefgh')) {
      const { outputs, errors } = record(readMachine(bytes(3)), pieces, { executor, end: false });
      expect(outputs).toEqual([got('abc'), got('def')]);
      expect(errors).toEqual([]);
    }
  });

  test('bytes(n, { partial }) completes with what is buffered, at most n', () => {
    const { outputs } = record(readMachine(bytes(4, { partial: true })), ['ab', 'cdefgh'], { executor });
    expect(outputs).toEqual([got('ab'), got('cdef'), got('gh')]);
  });

  test('into(buffer) fills the caller buffer; partial takes what is there', () => {
    const buffer = new Uint8Array(4);
    const full = record(readMachine(into(buffer)), ['ab', 'cd'], { executor, end: false });
    expect(full.outputs).toEqual([got('abcd')]);
    expect(Array.from(buffer)).toEqual(Array.from(enc('abcd')));
    // The next read copies into the same buffer as bytes arrive, so the queue never holds them twice.
    full.driver.feed(enc('ef'));
    expect(full.driver.buffered).toBe(0);
    expect(Array.from(buffer.subarray(0, 2))).toEqual(Array.from(enc('ef')));
    const partialBuffer = new Uint8Array(4);
    const partial = record(readMachine(into(partialBuffer, { partial: true })), ['ab', 'cdefg'], {
      executor,
      end: false,
    });
    expect(partial.outputs).toEqual([got('ab'), got('cdef'), got('g')]);
  });

  test('into(buffer, { copy }) writes each piece through copy, at its place; the pieces are left as they were', () => {
    // A copy that XORs each byte with a key turned by its place in the buffer, as a masked payload needs.
    const key = enc('KEY!');
    const calls: { piece: string; at: number; whole: boolean }[] = [];
    let fed: Uint8Array[] = [];
    const copy = (piece: Uint8Array, target: Uint8Array, at: number) => {
      calls.push({ piece: text(piece), at, whole: fed.includes(piece) });
      for (let i = 0; i < piece.length; i++) target[at + i] = piece[i] ^ key[(at + i) & 3];
    };
    const masked = (s: string) => text(enc(s).map((c, i) => c ^ key[i & 3]));
    for (const pieces of slicings('abcdefgh')) {
      calls.length = 0;
      fed = pieces.map(enc);
      const buffer = new Uint8Array(8);
      const machine = readMachine(into(buffer, { copy }));
      const driver = createDriver(machine, { executor, onOutput: () => {} });
      const before = fed.map((c) => text(c));
      for (const c of fed) driver.feed(c);
      expect(text(buffer)).toBe(masked('abcdefgh'));
      expect(fed.map((c) => text(c))).toEqual(before);
      // One call for each arrival, in order, at its place; a whole arrival is passed as it is.
      expect(calls.map((c) => c.piece).join('')).toBe('abcdefgh');
      expect(calls.map((c) => c.at)).toEqual(pieces.map((_, i) => i * pieces[0].length));
      expect(calls.every((c) => c.whole)).toBe(true);
    }
    // Pieces of an arrival that ends one read and starts the next are views of it.
    calls.length = 0;
    fed = [enc('abcdefghij')];
    const buffer = new Uint8Array(4);
    record(readMachine(into(buffer, { copy })), fed, { executor, end: false });
    expect(calls).toEqual([
      { piece: 'abcd', at: 0, whole: false },
      { piece: 'efgh', at: 0, whole: false },
      { piece: 'ij', at: 0, whole: false },
    ]);
  });

  test('a copy that throws fails the into read at its start', () => {
    // It refuses the second piece of a read: the second read's, which starts at 4.
    const copy = (piece: Uint8Array, target: Uint8Array, at: number) => {
      if (at === 2) throw new ProtocolFault('BAD_PIECE', 'refused');
      target.set(piece, at);
    };
    const { outputs, errors } = record(readMachine(into(new Uint8Array(4), { copy })), ['abcd', 'ef', 'gh'], {
      executor,
    });
    expect(outputs).toEqual([got('abcd')]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'BAD_PIECE', offset: 4 });
  });

  test('until includes the delimiter unless strip is set; the delimiter is consumed either way', () => {
    for (const pieces of slicings('one\r\ntwo\r\n')) {
      expect(record(readMachine(until('\r\n')), pieces, { executor }).outputs).toEqual([
        got('one\r\n', 0),
        got('two\r\n', 0),
      ]);
      expect(record(readMachine(until('\r\n', { strip: true })), pieces, { executor }).outputs).toEqual([
        got('one', 0),
        got('two', 0),
      ]);
    }
  });

  test('until with a list of delimiters stops at the earliest; on a tie the first listed wins', () => {
    const { outputs } = record(readMachine(until(['\r\n', '\n', '\r'])), ['a\nb\r\nc\rd'], { executor, end: false });
    expect(outputs).toEqual([got('a\n', 1), got('b\r\n', 0), got('c\r', 2)]);
  });

  test('maxBytes counts the delimiter: a result of exactly maxBytes passes, one more byte fails', () => {
    const ok = record(readMachine(until('\r\n', { maxBytes: 5 })), ['abc\r\n'], { executor });
    expect(ok.outputs).toEqual([got('abc\r\n', 0)]);
    expect(ok.errors).toEqual([]);
    const bad = record(readMachine(until('\r\n', { maxBytes: 5 })), ['ok\r\n', 'abcd\r\n'], { executor });
    expect(bad.outputs).toEqual([got('ok\r\n', 0)]);
    expect(bad.errors).toHaveLength(1);
    const e = bad.errors[0];
    expect(e).toBeInstanceOf(MaxBytesError);
    expect(e.code).toBe(ErrorCode.MAX_BYTES);
    expect((e as MaxBytesError).offset).toBe(4);
    expect((e as MaxBytesError).state).toBe('w');
    expect(Array.from((e as MaxBytesError).excerpt)).toEqual(Array.from(enc('abcd\r\n')));
  });

  test('maxBytes fails once maxBytes bytes are buffered without a delimiter, only once; the driver then takes no input', () => {
    const r = record(readMachine(until('\r\n', { maxBytes: 5 })), ['abcd'], { executor, end: false });
    expect(r.errors).toEqual([]);
    r.driver.feed(enc('e'));
    expect(r.errors).toHaveLength(1);
    expect(r.driver.status).toBe('failed');
    expect(r.driver.feed(enc('\r\n'))).toBe(false);
    r.driver.end();
    expect(r.errors).toHaveLength(1);
    expect(Array.from(r.driver.remaining())).toEqual(Array.from(enc('abcde')));
  });

  test('until validate sees the waiting bytes each time they grow fourfold, and never bytes that complete the read at once', () => {
    const calls: [string, number][] = [];
    const validate = (pending: Uint8Array, offset: number) => {
      calls.push([new TextDecoder('latin1').decode(pending), offset]);
    };
    const whole = record(readMachine(until('\r\n', { validate })), ['one\r\ntwo\r\n'], { executor });
    expect(whole.outputs).toEqual([got('one\r\n', 0), got('two\r\n', 0)]);
    expect(calls).toEqual([]);
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!?';
    const pieces = line.match(/.{4}/g) as string[];
    const r = record(readMachine(until('\r\n', { validate })), ['ok\r\n', ...pieces, '\r\n'], { executor });
    expect(r.outputs).toEqual([got('ok\r\n', 0), got(`${line}\r\n`, 0)]);
    // The second read starts at stream offset 4; it is handed 4, 16 and 64 bytes, not what lies between.
    expect(calls).toEqual([
      [line.slice(0, 4), 4],
      [line.slice(0, 16), 4],
      [line.slice(0, 64), 4],
    ]);
  });

  test('until validate: bytes trickled a byte at a time are checked from 1 KiB on', () => {
    const calls: number[] = [];
    const validate = (pending: Uint8Array) => {
      calls.push(pending.length);
    };
    const driver = createDriver(readMachine(until('\r\n', { validate })), { executor, onError: () => {} });
    for (let i = 0; i < 5000; i++) driver.feed(enc('x'));
    // The first byte alone (a view), then 1 KiB, then fourfold.
    expect(calls).toEqual([1, 1024, 4096]);
  });

  test('until validate rejects early: a ProtocolFault gets the read start, a ProtocolError keeps its position', () => {
    const fault = (pending: Uint8Array) => {
      if (pending.includes(0)) throw new ProtocolFault('X_NUL', 'a NUL byte');
    };
    const a = record(readMachine(until('\r\n', { maxBytes: 1000, validate: fault })), ['ok\r\nab', '\0cdefgh'], {
      executor,
      end: false,
    });
    expect(a.errors.map((e) => [e.code, (e as ProtocolError).offset, (e as ProtocolError).state])).toEqual([
      ['X_NUL', 4, 'w'],
    ]);
    expect(a.driver.status).toBe('failed');
    const precise = (pending: Uint8Array, offset: number) => {
      const i = pending.indexOf(0);
      if (i >= 0)
        throw new ProtocolError('X_NUL', 'a NUL byte', { offset: offset + i, state: 'w', excerpt: pending.slice(i) });
    };
    const b = record(readMachine(until('\r\n', { validate: precise })), ['ok\r\nab\0c'], { executor, end: false });
    expect(b.errors.map((e) => [e.code, (e as ProtocolError).offset])).toEqual([['X_NUL', 6]]);
  });

  test('until validate sees every byte up to maxBytes before the limit is reported, however the bytes arrive', () => {
    const fault = (pending: Uint8Array) => {
      if (pending.includes(0)) throw new ProtocolFault('X_NUL', 'a NUL byte');
    };
    const input = `${'a'.repeat(90)}\0${'b'.repeat(20)}`;
    const codes = (pieces: string[]) =>
      record(readMachine(until('\r\n', { maxBytes: 100, validate: fault })), pieces, {
        executor,
        end: false,
      }).errors.map((e) => e.code);
    expect(codes([input])).toEqual(['X_NUL']);
    expect(codes([input.slice(0, 30), input.slice(30)])).toEqual(['X_NUL']);
    expect(codes(input.split(''))).toEqual(['X_NUL']);
    // Past the limit, a fault is not looked for: the limit is what is reported.
    const late = `${'a'.repeat(100)}\0`;
    expect(codes([late])).toEqual([ErrorCode.MAX_BYTES]);
    expect(codes(late.split(''))).toEqual([ErrorCode.MAX_BYTES]);
  });

  test('until validate does linear work however the bytes arrive (100,000 one-byte arrivals)', () => {
    let handed = 0;
    let calls = 0;
    const validate = (pending: Uint8Array) => {
      calls++;
      handed += pending.length;
    };
    const driver = createDriver(readMachine(until('\r\n', { validate })), { executor, onError: () => {} });
    const one = enc('x');
    for (let i = 0; i < 100_000; i++) driver.feed(one);
    expect(calls).toBe(5); // 1, 1,024, 4,096, 16,384, 65,536
    expect(handed).toBeLessThan(100_000);
    expect(driver.status).toBe('running');
  });

  test('until measure finds a whole record in the first chunk, once a read; the search takes over on -1', () => {
    const calls: [string, number][] = [];
    // A measure that knows the records: lines of the form `x...x\r\n`.
    const measure = (buf: Uint8Array, start: number, end: number, offset: number) => {
      calls.push([new TextDecoder('latin1').decode(buf.subarray(start, end)), offset]);
      const i = buf.subarray(start, end).indexOf(10);
      return i < 0 ? -1 : i + 1;
    };
    for (const pieces of slicings('ab\r\ncde\r\nf\r\n')) {
      calls.length = 0;
      const r = record(readMachine(until('\r\n', { measure })), pieces, { executor });
      expect(r.outputs).toEqual([got('ab\r\n', 0), got('cde\r\n', 0), got('f\r\n', 0)]);
      // Never twice for one read at one offset: a failed measure hands over to the search.
      expect(new Set(calls.map(([, at]) => at)).size).toBe(calls.length);
    }
    calls.length = 0;
    record(readMachine(until('\r\n', { measure })), ['ab\r\ncde\r\n'], { executor });
    expect(calls).toEqual([
      ['ab\r\ncde\r\n', 0],
      ['cde\r\n', 4],
    ]);
  });

  test('until measure: a length past maxBytes fails the read; past the bytes given, or with strip, is refused', () => {
    const long = record(readMachine(until('\r\n', { maxBytes: 3, measure: () => 4 })), ['abc\r\n'], { executor });
    expect(long.errors.map((e) => e.code)).toEqual([ErrorCode.MAX_BYTES]);
    const past = record(readMachine(until('\r\n', { measure: () => 9 })), ['ab\r\n'], { executor });
    expect(past.errors.map((e) => e.code)).toEqual([ErrorCode.INVALID_STATE]);
    expect(() => until('\r\n', { measure: () => -1, strip: true })).toThrow(WiremachineError);
  });

  test('regex returns up to the end of the first match, with its groups', () => {
    const { outputs } = record(readMachine(regex(/(\d+);/)), ['ab12', '3;rest7;'], { executor, end: false });
    expect(outputs).toEqual([
      { type: 'got', data: 'ab123;', delimiter: -1, groups: ['123;', '123'] },
      { type: 'got', data: 'rest7;', delimiter: -1, groups: ['7;', '7'] },
    ]);
    const limited = record(readMachine(regex(/;/, { maxBytes: 4 })), ['abcd'], { executor, end: false });
    expect(limited.errors.map((e) => e.code)).toEqual([ErrorCode.MAX_BYTES]);
  });

  test('untilClose completes at the end of input, bounded by maxBytes', () => {
    expect(record(readMachine(untilClose()), ['ab', 'cd'], { executor }).outputs[0]).toEqual(got('abcd'));
    const over = record(readMachine(untilClose({ maxBytes: 3 })), ['ab', 'cd'], { executor });
    expect(over.errors.map((e) => e.code)).toEqual([ErrorCode.MAX_BYTES]);
  });

  test('streamBytes delivers chunks as they arrive, then done, never buffering the body', () => {
    const { outputs, driver } = record(readMachine(streamBytes(5)), ['ab', 'cdefg'], { executor, end: false });
    expect(outputs.slice(0, 3)).toEqual([
      { type: 'chunk', data: 'ab' },
      { type: 'chunk', data: 'cde' },
      { type: 'done' },
    ]);
    expect(driver.buffered).toBeLessThanOrEqual(2);
  });

  test('streamUntilClose delivers every chunk, then done at the end', () => {
    const { outputs, errors } = record(readMachine(streamUntilClose()), ['ab', 'c'], { executor });
    expect(outputs).toEqual([{ type: 'chunk', data: 'ab' }, { type: 'chunk', data: 'c' }, { type: 'done' }]);
    expect(errors).toEqual([]);
  });

  test('a zero-copy chunk of a stream read is a view of the fed chunk', () => {
    const seen: Uint8Array[] = [];
    const chunk = enc('xyz');
    const raw = record(readMachine(streamBytes(3)), [chunk], {
      executor,
      end: false,
      onStep: (s) => seen.push(s.consumed),
    });
    expect(raw.outputs[0]).toEqual({ type: 'chunk', data: 'xyz' });
    expect(seen[0].buffer).toBe(chunk.buffer);
  });

  test("a decoder's view of a read spread over chunks stays as it was, whatever is read after it", () => {
    // The copies of spread reads are regions of a shared slab: none may be handed out twice.
    const kept: Uint8Array[] = [];
    const keep = (b: Uint8Array, s: number, e: number) => {
      kept.push(b.subarray(s, e));
      return e - s;
    };
    const records = Array.from(
      { length: 400 },
      (_, i) => `${String.fromCharCode(97 + (i % 26)).repeat(5 + (i % 90))};`,
    );
    const stream = enc(records.join(''));
    // Pieces of 7 bytes: nearly every record spans two or more.
    const pieces = Array.from({ length: Math.ceil(stream.length / 7) }, (_, i) => stream.slice(i * 7, i * 7 + 7));
    const r = record(readMachine(until(';', { map: keep })), pieces, { executor });
    expect(r.errors).toEqual([]);
    expect(r.outputs.length).toBe(records.length);
    expect(kept.map((v) => new TextDecoder().decode(v))).toEqual(records);
  });
});

describe('read constructors', () => {
  test('refuse negative or fractional counts and empty delimiters with a typed error', () => {
    for (const f of [
      () => bytes(-1),
      () => bytes(1.5),
      () => until(''),
      () => until([]),
      () => until('x', { maxBytes: -2 }),
    ]) {
      expect(f).toThrow(WiremachineError);
      try {
        f();
      } catch (e) {
        expect((e as WiremachineError).code).toBe(ErrorCode.INVALID_ARGUMENT);
      }
    }
  });

  test('every kind of read is an object of one shape (the driver loads its fields monomorphically)', () => {
    const reads = [
      bytes(4),
      bytes(2, { partial: true, map: (b, s) => b[s] }),
      lengthPrefixed(2, { maxBytes: 10 }),
      into(new Uint8Array(3)),
      until('\r\n', { strip: true, maxBytes: 8 }),
      until(['a', 'bc'], { validate: () => {} }),
      regex(/x/),
      untilClose(),
      streamBytes(5),
      streamUntilClose(),
    ];
    const keys = Object.keys(reads[0]);
    for (const r of reads) expect(Object.keys(r)).toEqual(keys);
    // The fields of each kind keep their meaning.
    expect(bytes(4)).toMatchObject({ kind: 'bytes', n: 4, partial: false, map: null });
    expect(until('\n', { maxBytes: 8 })).toMatchObject({ kind: 'until', maxBytes: 8, strip: false, longest: 1 });
  });

  test('string delimiters are byte strings: one char is one byte', () => {
    expect(Array.from(until('\xff\r').delimiters[0])).toEqual([0xff, 0x0d]);
  });
});
