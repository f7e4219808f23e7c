import { describe, expect, test } from 'vitest';
import { assign, emit, setup } from 'xstate';
import {
  BufferOverflowError,
  bytes,
  createDriver,
  ErrorCode,
  fail,
  ProtocolError,
  parse,
  parseAll,
  protocolTypes,
  StreamClosedError,
  streamBytes,
  until,
  untilClose,
} from '../src/index.js';
import { enc, type Out, readMachine, record, text } from './helpers.js';

const got = (data: string, delimiter = -1) => ({ type: 'got', data, delimiter, groups: null });

/** Greets once ("HELLO\r\n"), then ends: what follows belongs to someone else. */
const handshake = setup({ types: protocolTypes<Record<string, never>, { type: 'hello' }>() }).createMachine({
  context: {},
  initial: 'greeting',
  states: {
    greeting: {
      meta: { read: until('\r\n', { maxBytes: 64 }) },
      on: { read: { target: 'upgraded', actions: emit({ type: 'hello' as const }) } },
    },
    upgraded: { type: 'final' },
  },
});

describe.each(['compiled', 'xstate'] as const)('driver (%s executor)', (executor) => {
  test('at end of input, reads the buffer can satisfy complete first; the pending one fails with StreamClosedError', () => {
    const outputs: Out[] = [];
    const errors: unknown[] = [];
    const driver = createDriver(readMachine(until('\r\n')), {
      executor,
      onOutput: (o) => outputs.push(o),
      onError: (e) => errors.push(e),
    });
    driver.push(enc('a\r\nb\r\nc'));
    const cause = new Error('connection reset');
    driver.end(cause);
    expect(outputs).toEqual([got('a\r\n', 0), got('b\r\n', 0)]);
    expect(errors).toHaveLength(1);
    const e = errors[0] as StreamClosedError;
    expect(e).toBeInstanceOf(StreamClosedError);
    expect(e.code).toBe(ErrorCode.STREAM_CLOSED);
    expect(e.cause).toBe(cause);
    expect(text(e.unread)).toBe('c');
    expect(e.offset).toBe(6);
    expect(driver.status).toBe('failed');
  });

  test('input that fails does not complete untilClose: the read fails with the cause', () => {
    const cause = new Error('ECONNRESET');
    const r = record(readMachine(untilClose()), ['abc'], { executor, end: false });
    r.driver.end(cause);
    expect(r.outputs).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(StreamClosedError);
    expect(r.errors[0].cause).toBe(cause);
    expect(text((r.errors[0] as StreamClosedError).unread)).toBe('abc');
  });

  test('a state that handles eof ends cleanly at a boundary', () => {
    const { outputs, errors, driver } = record(readMachine(until('\r\n')), ['a\r\n'], { executor });
    expect(outputs).toEqual([got('a\r\n', 0)]);
    expect(errors).toEqual([]);
    expect(driver.status).toBe('done');
  });

  test('maxBufferSize turns growing memory into a typed error', () => {
    const { errors } = record(readMachine(until('\r\n')), ['0123456789', 'x'], {
      executor,
      maxBufferSize: 10,
      end: false,
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(BufferOverflowError);
    expect(errors[0].code).toBe(ErrorCode.BUFFER_OVERFLOW);
  });

  test('a feed from inside a step is queued, not re-entered', () => {
    const seen: string[] = [];
    let depth = 0;
    let maxDepth = 0;
    const driver = createDriver(readMachine(until('\n')), {
      executor,
      onOutput: (o) => {
        depth++;
        maxDepth = Math.max(maxDepth, depth);
        const line = (o as { data: string }).data;
        seen.push(line);
        // A handler that answers at once: its reply arrives synchronously.
        if (line === 'ping\n') driver.feed(enc('pong\n'));
        depth--;
      },
    });
    driver.feed(enc('ping\nlast\n'));
    expect(seen).toEqual(['ping\n', 'last\n', 'pong\n']);
    expect(maxDepth).toBe(1);
  });

  test('two steps in a row that consume and produce nothing are an error, not a spin', () => {
    const spin = setup({ types: protocolTypes<Record<string, never>, { type: 'x' }>() }).createMachine({
      context: {},
      initial: 'a',
      states: {
        a: { meta: { read: bytes(0) }, on: { read: { target: 'b' } } },
        b: { meta: { read: bytes(0) }, on: { read: { target: 'a' } } },
      },
    });
    const { errors } = record(spin, ['x'], { executor, end: false });
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.NO_PROGRESS]);
  });

  test('a machine that emits forever without reading is stopped too', () => {
    const chatty = setup({ types: protocolTypes<Record<string, never>, { type: 'x' }>() }).createMachine({
      context: {},
      initial: 'a',
      states: { a: { meta: { read: bytes(0) }, on: { read: { actions: emit({ type: 'x' as const }) } } } },
    });
    const { errors, outputs } = record(chatty, [''], { executor, end: false });
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.NO_PROGRESS]);
    expect(outputs.length).toBeLessThan(2000);
  });

  test('zero-length reads between real ones are fine', () => {
    const m = setup({ types: protocolTypes<Record<string, never>, { type: 'empty' }>() }).createMachine({
      context: {},
      initial: 'a',
      states: {
        a: { meta: { read: bytes(1) }, on: { read: { target: 'b' } } },
        b: { meta: { read: bytes(0) }, on: { read: { target: 'a', actions: emit({ type: 'empty' as const }) } } },
      },
    });
    const { errors, outputs } = record(m, ['xyz'], { executor, end: false });
    expect(errors).toEqual([]);
    expect(outputs).toHaveLength(3);
  });

  test('an empty transition accepts a read on purpose (a body skipped by choice)', () => {
    const skipper = setup({ types: protocolTypes<Record<string, never>, { type: 'end' }>() }).createMachine({
      context: {},
      initial: 'body',
      states: {
        body: {
          meta: { read: streamBytes(5) },
          on: { chunk: {}, done: { target: 'after', actions: emit({ type: 'end' as const }) } },
        },
        after: { type: 'final' },
      },
    });
    const { outputs, errors, driver } = record(skipper, ['ab', 'cde'], { executor, end: false });
    expect(errors).toEqual([]);
    expect(outputs).toEqual([{ type: 'end' }]);
    expect(driver.offset).toBe(5);
  });

  test('a read no transition accepts is a typed error, not silently dropped bytes', () => {
    const picky = setup({ types: protocolTypes<Record<string, never>, { type: 'x' }>() }).createMachine({
      context: {},
      initial: 'a',
      states: {
        a: {
          meta: { read: bytes(1) },
          on: { read: { guard: ({ event }) => event.data[0] === 0x61, actions: emit({ type: 'x' as const }) } },
        },
      },
    });
    const { errors, outputs } = record(picky, ['aab'], { executor, end: false });
    expect(outputs).toHaveLength(2);
    expect(errors).toHaveLength(1);
    expect(errors[0].code).toBe(ErrorCode.UNHANDLED_READ);
    expect((errors[0] as ProtocolError).offset).toBe(2);
    expect(text((errors[0] as ProtocolError).excerpt)).toBe('b');
  });

  test('fail() rejects with the protocol code, the offset of the read, the state and an excerpt', () => {
    const m = setup({ types: protocolTypes<{ n: number }, { type: 'x' }>() }).createMachine({
      context: { n: 0 },
      initial: 'head',
      states: {
        head: {
          meta: { read: until('\n') },
          on: {
            read: [
              { guard: ({ event }) => event.data[0] === 0x21, actions: fail('BANG', 'no bangs') },
              { actions: assign({ n: 1 }) },
            ],
          },
        },
      },
    });
    const { errors } = record(m, ['ok\n!bad\n'], { executor, end: false });
    expect(errors).toHaveLength(1);
    const e = errors[0] as ProtocolError;
    expect(e).toBeInstanceOf(ProtocolError);
    expect([e.code, e.message, e.offset, e.state, text(e.excerpt)]).toEqual(['BANG', 'no bangs', 3, 'head', '!bad\n']);
  });

  test('an action that throws something else becomes ACTION_FAILED with the cause', () => {
    const boom = new TypeError('boom');
    const m = setup({ types: protocolTypes<Record<string, never>, { type: 'x' }>() }).createMachine({
      context: {},
      initial: 'a',
      states: {
        a: {
          meta: { read: bytes(1) },
          on: {
            read: {
              actions: () => {
                throw boom;
              },
            },
          },
        },
      },
    });
    const { errors } = record(m, ['z'], { executor, end: false });
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.ACTION_FAILED]);
    expect(errors[0].cause).toBe(boom);
  });

  test('without onError, the error is thrown once from the call that caused it', () => {
    const driver = createDriver(readMachine(until('\n', { maxBytes: 2 })), { executor });
    expect(() => driver.feed(enc('abc'))).toThrow(expect.objectContaining({ code: ErrorCode.MAX_BYTES }));
    expect(driver.feed(enc('x'))).toBe(false);
    expect(() => driver.end()).not.toThrow();
  });

  test('a machine that ends leaves the rest of the input to the caller', () => {
    const { outputs, driver } = record<{ type: string }>(handshake, ['HELLO\r\nrest', 'of it'], {
      executor,
      end: false,
    });
    expect(outputs).toEqual([{ type: 'hello' }]);
    expect(driver.status).toBe('done');
    expect(text(driver.remaining())).toBe('rest');
  });

  test('onStep traces each step: state, read, event, bytes and the state after', () => {
    const steps: string[] = [];
    record(handshake, ['HELLO\r\n'], {
      executor,
      end: false,
      onStep: (s) =>
        steps.push(
          `${s.offset} ${s.from} ${s.read?.kind} ${s.event.type} ${JSON.stringify(text(s.consumed))} -> ${s.to}`,
        ),
    });
    expect(steps).toEqual(['0 greeting until read "HELLO\\r\\n" -> (done)']);
  });
});

describe('delimiter search across arrivals', () => {
  test('100,000 one-byte arrivals are scanned a bounded number of times in total', () => {
    const n = 100_000;
    for (const [delimiter, bound] of [
      ['\r\n', 2 * n],
      [['\r\n', '\n'], 4 * n],
    ] as const) {
      const driver = createDriver(readMachine(until(delimiter as string | string[])), { maxBufferSize: 2 * n });
      const x = enc('x');
      for (let i = 0; i < n; i++) driver.feed(x);
      driver.feed(enc('\r\n'));
      expect(driver.offset).toBe(n + 2);
      // Each arrival resumes where the last scan stopped: linear, not quadratic (that would be ~5e9).
      expect(driver.bytesExamined).toBeGreaterThanOrEqual(n);
      expect(driver.bytesExamined).toBeLessThanOrEqual(bound);
    }
  });
});

describe('pull API', () => {
  async function* source(chunks: string[]) {
    for (const c of chunks) yield enc(c);
  }

  test('parse() yields the outputs of any async iterable of bytes', async () => {
    const out: Out[] = [];
    for await (const o of parse(readMachine(until('\n')), source(['a\nb', '\nc\n']))) out.push(o);
    expect(out).toEqual([got('a\n', 0), got('b\n', 0), got('c\n', 0)]);
  });

  test('parse() throws the typed error after the outputs before it', async () => {
    const out: Out[] = [];
    await expect(async () => {
      for await (const o of parse(readMachine(until('\n')), source(['a\nb']))) out.push(o);
    }).rejects.toBeInstanceOf(StreamClosedError);
    expect(out).toEqual([got('a\n', 0)]);
  });

  test('parse() yields to the event loop after a bounded number of steps', async () => {
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const many = 'x\n'.repeat(10_000);
    let count = 0;
    for await (const _ of parse(readMachine(until('\n')), [enc(many)], { stepsPerTurn: 100 })) count++;
    running = false;
    expect(count).toBe(10_000);
    expect(turns).toBeGreaterThanOrEqual(90);
  });

  test('parseAll() reads bytes that are all there is and ends the stream', () => {
    const { outputs, remaining } = parseAll(readMachine(until('\n')), enc('a\nb\n'));
    expect(outputs).toEqual([got('a\n', 0), got('b\n', 0)]);
    expect(remaining).toEqual(new Uint8Array(0));
  });

  test('parseAll() throws the typed error where a read needs more than there is', () => {
    let thrown: unknown;
    try {
      parseAll(readMachine(until('\n')), enc('a\nbc'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(StreamClosedError);
    expect((thrown as StreamClosedError).offset).toBe(2);
  });
});
