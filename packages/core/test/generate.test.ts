/**
 * The generated executor: readable source with a call site per guard and
 * action, the same behaviour as the closures it replaces (which still run
 * where `new Function` is forbidden), and in use by default.
 */
import { describe, expect, test } from 'vitest';
import { type AnyStateMachine, and, assign, emit, not, setup } from 'xstate';
import { createFrameProtocol, encodeFrame } from '../../../examples/src/protocols/frame.js';
import { createRespProtocol } from '../../../examples/src/resp/protocol.js';
import {
  bytes,
  compile,
  createDriver,
  type ExecutorKind,
  fail,
  type ReadRequest,
  reject,
  source,
  until,
} from '../src/index.js';
import { enc } from './helpers.js';

const m = setup({
  types: {} as { context: { n: number }; events: any; emitted: any },
  guards: {
    is: ({ event }, p: { b: number }) => event.data[0] === p.b,
    even: ({ context }) => context.n % 2 === 0,
  },
  actions: { bump: assign({ n: ({ context }, p: { by: number }) => context.n + p.by }) },
}).createMachine({
  context: { n: 0 },
  initial: 'a',
  states: {
    a: {
      meta: { read: bytes(1) },
      on: {
        read: [
          { guard: and([{ type: 'is', params: { b: 1 } }, not('even')]), target: 'b', actions: emit({ type: 'odd1' }) },
          { guard: { type: 'is', params: { b: 2 } }, actions: { type: 'bump', params: { by: 3 } } },
          { guard: { type: 'is', params: { b: 9 } }, actions: fail('NINE') },
          {
            target: 'b',
            actions: [{ type: 'bump', params: { by: 1 } }, emit(({ context }) => ({ type: 'n', n: context.n }))],
          },
        ],
      },
    },
    b: { always: [{ guard: 'even', target: 'a', actions: emit({ type: 'even' }) }, { target: 'a' }] },
  },
});

function run(
  machine: AnyStateMachine,
  input: Uint8Array,
  size: number,
  options: { executor?: ExecutorKind; generate?: boolean },
) {
  const outputs: unknown[] = [];
  let error: unknown = null;
  const d = createDriver(machine, {
    ...options,
    onOutput: (o) => outputs.push(o),
    onError: (e: any) => {
      error = { code: e.code, offset: e.offset, state: e.state };
    },
  });
  for (let i = 0; i < input.length; i += size) d.feed(input.subarray(i, i + size));
  d.end();
  return { outputs, error };
}

describe('the generated executor', () => {
  test('source: a function per guard chain and per transition, each guard and action called by name', () => {
    const text = source(m);
    expect(text).toContain('function select_0_onRead(args) {');
    // and/not become one expression; params are constants of their own.
    expect(text).toMatch(
      /if \(\(is_\d+\(args, is_params_\d+\) && !even_\d+\(args, undefined\)\)\) return 0; \/\/ -> b/,
    );
    expect(text).toMatch(/bump_\d+\(args, p\)|args\.context\["n"\]/);
    expect(text).toContain('host.output(');
    expect(text).toContain('// state "b", always');
    // emitIf's `make` is called from the machine's own site; null emits nothing.
    expect(source(createRespProtocol())).toMatch(
      /\{ const o = emitIf_\d+\(args, undefined\);\n {4}if \(o !== null && o !== undefined\) host\.output\(o\); \}/,
    );
    // It is JavaScript that runs.
    expect(() => new Function(...Array.from({ length: 64 }, (_, i) => `x${i}`), text)).not.toThrow();
  });

  test('is what the compiled executor runs by default', () => {
    const machine = createFrameProtocol({ maxFrameBytes: 6 });
    createDriver(machine);
    expect(compile(machine).states.every((s) => s.select !== undefined)).toBe(true);
  });

  test('agrees with the closures and with xstate, for hand-written, frame and RESP machines, at several cut sizes', () => {
    const cases: [AnyStateMachine, Uint8Array][] = [
      [m, Uint8Array.of(1, 2, 2, 1, 3, 1, 2, 9, 1)],
      [m, Uint8Array.of(2, 1, 1, 4, 2, 2, 1)],
      [
        createFrameProtocol({ maxFrameBytes: 6 }),
        Uint8Array.from([...encodeFrame(enc('abc')), ...encodeFrame(enc('')), 0, 9]),
      ],
      [
        createRespProtocol(),
        enc('+OK\r\n:12\r\n$3\r\nabc\r\n*2\r\n$1\r\na\r\n$-1\r\n%1\r\n+k\r\n:1\r\n-ERR x\r\n*1\r\n*1\r\n:9\r\n?\r\n'),
      ],
    ];
    for (const [machine, input] of cases) {
      for (const size of [1, 2, 5, 64]) {
        const generated = run(machine, input, size, {});
        expect(run(machine, input, size, { generate: false })).toEqual(generated);
        expect(JSON.stringify(run(machine, input, size, { executor: 'xstate' }))).toEqual(JSON.stringify(generated));
      }
    }
  });

  test('a guard that throws a plain Error is ACTION_FAILED; a ProtocolFault keeps its code', () => {
    const throwing = setup({}).createMachine({
      initial: 'a',
      states: {
        a: {
          meta: { read: until('\n') },
          on: {
            read: [
              {
                guard: ({ event }) => {
                  if (event.data[0] === 0x21) throw new Error('bang');
                  return false;
                },
                target: 'a',
              },
              { target: 'a', reenter: true },
            ],
          },
        },
      },
    });
    // One byte at a time (the driver's loop) and all at once (the generated read loop).
    for (const size of [1, 64]) {
      expect(run(throwing, enc('x\n!\n'), size, {}).error).toEqual({
        code: 'WIREMACHINE_ERR_ACTION_FAILED',
        offset: 2,
        state: 'a',
      });
    }
  });

  test('the read loop: reads the first chunk completes run inline, state by state', () => {
    const twoStates = setup({ types: {} as { context: { n: number }; events: any; emitted: any } }).createMachine({
      context: { n: 1 },
      initial: 'line',
      states: {
        line: { meta: { read: until('\r\n', { strip: true }) }, on: { read: { target: 'bulk' } } },
        bulk: {
          meta: { read: ({ context }: { context: { n: number } }) => bytes(context.n) },
          on: { read: { target: 'line' } },
        },
      },
    });
    const text = source(twoStates);
    expect(text).toContain('function fast(x, q, ev, budget, poison) {');
    // The static until and the state's read function, each in a step function of its own.
    expect(text).toMatch(
      /function step_0\(x, q, ev, args\) \{\n {4}x\.stepStart = q\.consumed; x\.stepEvent = null;\n {4}if \(q\.length === 0\) \{ x\.starved = true; return false; \}\n {4}const c = q\.headChunk\(\);/,
    );
    expect(text).toMatch(
      /function step_1\(x, q, ev, args\) \{\n {4}x\.stepStart = q\.consumed; x\.stepEvent = null;\n {4}const r = bulk_read_\d+\(args\);/,
    );
    expect(text).toContain("if (r.kind === 'bytes') {");
    expect(text).toContain('while (j <= short && !(c[j] === 13 && c[j + 1] === 10)) j++;');
    expect(text).toContain('case 0: ok = step_0(x, q, ev, args); break;');
  });

  // Each read as the state's own, and as what the state's read function returns.
  const asRead = (read: ReadRequest, dynamic: boolean) => (dynamic ? () => read : read);

  test.each([false, true])(
    'the read loop finds delimiters of one, two and three bytes, short and long lines, at the limit (read function: %s)',
    (dynamic) => {
      const lines = setup({ types: {} as { context: object; events: any; emitted: any } }).createMachine({
        initial: 'a',
        states: {
          a: {
            meta: { read: asRead(until('\r\n', { maxBytes: 100, strip: true }), dynamic) },
            on: { read: { target: 'b', actions: emit(({ event }) => ({ type: 'crlf', n: event.data.length })) } },
          },
          b: {
            meta: { read: asRead(until(';'), dynamic) },
            on: { read: { target: 'c', actions: emit(({ event }) => ({ type: 'semi', n: event.data.length })) } },
          },
          c: {
            meta: { read: asRead(until('END', { maxBytes: 90 }), dynamic) },
            on: { read: { target: 'a', actions: emit(({ event }) => ({ type: 'end', n: event.data.length })) } },
          },
        },
      });
      const line = (n: number) => 'x'.repeat(n);
      const input = [
        `ab\r\n${line(3)};\rEND`,
        `${line(98)}\r\n${line(150)};${line(87)}END`,
        `\r\n;END${line(10)}\r${line(60)}\r\n${line(1)};${line(86)}\rEND`,
        // 99 bytes before the CRLF: over the limit of 100 (the delimiter counts).
        `${line(99)}\r\n`,
      ].join('');
      for (const size of [1, 7, 64, 100, 1000]) {
        const generated = run(lines, enc(input), size, {});
        expect(generated.outputs.length).toBe(12);
        expect((generated.error as any)?.code).toBe('WIREMACHINE_ERR_MAX_BYTES');
        expect(run(lines, enc(input), size, { generate: false })).toEqual(generated);
      }
    },
  );

  test.each([false, true])(
    'the read loop runs an until with measure: the record found whole, measured once a read, errors alike (read function: %s)',
    (dynamic) => {
      let calls = 0;
      // A record is a length byte (as a digit) and that many bytes, then "\n\n"; a length of 9 lies.
      const measure = (buf: Uint8Array, start: number, end: number) => {
        calls++;
        if (end === start) return -1;
        const n = buf[start] - 0x30;
        return n === 9 ? end - start + 1 : 1 + n + 2 <= end - start ? 1 + n + 2 : -1;
      };
      const records = setup({ types: {} as { context: object; events: any; emitted: any } }).createMachine({
        initial: 'a',
        states: {
          a: {
            meta: { read: asRead(until('\n\n', { measure, maxBytes: 8 }), dynamic) },
            on: {
              read: { target: 'a', reenter: true, actions: emit(({ event }) => ({ type: 'r', n: event.data.length })) },
            },
          },
        },
      });
      for (const input of ['2ab\n\n0\n\n3abc\n\n', '1a\n\n6abcdef\n\n', '1a\n\n9\n\n']) {
        for (const size of [1, 3, 64]) {
          const generated = run(records, enc(input), size, {});
          expect(run(records, enc(input), size, { generate: false })).toEqual(generated);
          expect(generated.outputs.length).toBeGreaterThan(0);
        }
      }
      expect(run(records, enc('1a\n\n6abcdef\n\n'), 64, {}).error).toMatchObject({
        code: 'WIREMACHINE_ERR_MAX_BYTES',
        offset: 4,
      });
      expect(run(records, enc('1a\n\n9\n\n'), 64, {}).error).toMatchObject({ code: 'WIREMACHINE_ERR_INVALID_STATE' });
      // A record cut in two: measured when its first piece comes, then found by the search.
      calls = 0;
      const d = createDriver(records, { onOutput: () => {} });
      d.feed(enc('2a'));
      d.feed(enc('b\n\n'));
      expect(calls).toBe(1);
    },
  );

  test('with nothing buffered, a read of no bytes still completes; reads that need bytes wait for them', () => {
    const machine = setup({ types: {} as { context: { n: number }; events: any; emitted: any } }).createMachine({
      context: { n: 0 },
      initial: 'line',
      states: {
        line: {
          meta: { read: until('\n') },
          on: { read: { target: 'marker', actions: assign({ n: ({ context }) => context.n + 1 }) } },
        },
        // What its read function returns: bytes(0) after every second line, else bytes(1).
        marker: {
          meta: { read: ({ context }: { context: { n: number } }) => bytes(context.n % 2 === 0 ? 0 : 1) },
          on: { read: { target: 'line', actions: emit(({ context }) => ({ type: 'marker', n: context.n })) } },
        },
      },
    });
    for (const generate of [true, false]) {
      const seen: unknown[] = [];
      const d = createDriver(machine, { generate, onOutput: (o) => seen.push(o) });
      d.feed(enc('a\n'));
      expect(seen).toEqual([]);
      d.feed(enc('!'));
      d.feed(enc('b\n'));
      // The second line's bytes(0) completed with nothing buffered, before any more input.
      expect(seen).toEqual([
        { type: 'marker', n: 1 },
        { type: 'marker', n: 2 },
      ]);
      expect(d.state).toBe('line');
    }
  });

  test('a measure or a read function that throws: the error is at the start of its read, in every loop', () => {
    const measure = (buf: Uint8Array, start: number, end: number) => {
      if (buf[start] === 0x21) reject('BAD_MEASURE', 'a record may not start with !');
      const i = buf.subarray(start, end).indexOf(10);
      return i < 0 ? -1 : i + 1;
    };
    const machine = setup({ types: {} as { context: { n: number }; events: any; emitted: any } }).createMachine({
      context: { n: 0 },
      initial: 'a',
      states: {
        a: {
          meta: { read: until('\n', { measure }) },
          on: { read: { target: 'b', actions: assign({ n: ({ context }) => context.n + 1 }) } },
        },
        b: {
          meta: {
            read: ({ context }: { context: { n: number } }) =>
              context.n === 2 ? reject('BAD_READ', 'no second marker') : bytes(1),
          },
          on: { read: { target: 'a', actions: emit({ type: 'marker' }) } },
        },
      },
    });
    // The excerpt is what is buffered from the read's start: byte by byte, the measure had seen one
    // byte, and the read function was asked before the next byte came.
    const cases: [string, { code: string; offset: number }, string[]][] = [
      ['ab\nX!c\n', { code: 'BAD_MEASURE', offset: 4 }, ['!', '!c\n']],
      ['ab\nXcd\nY', { code: 'BAD_READ', offset: 7 }, ['', 'Y']],
    ];
    for (const [input, expected, excerpts] of cases) {
      const seen: unknown[] = [];
      for (const generate of [true, false]) {
        for (const size of [1, 64]) {
          let error: any = null;
          const d = createDriver(machine, {
            generate,
            onError: (e) => {
              error = e;
            },
          });
          const b = enc(input);
          for (let i = 0; i < b.length; i += size) d.feed(b.subarray(i, i + size));
          seen.push({
            generate,
            size,
            code: error?.code,
            offset: error?.offset,
            excerpt: new TextDecoder().decode(error?.excerpt),
          });
        }
      }
      expect(seen).toEqual(
        [true, false].flatMap((generate) =>
          [1, 64].map((size, i) => ({ generate, size, ...expected, excerpt: excerpts[i] })),
        ),
      );
    }
  });

  test('the read loop and the driver give the same errors: no transition, a throwing action or listener', () => {
    const lines = setup({ types: {} as { context: object; events: any; emitted: any } }).createMachine({
      initial: 'a',
      states: {
        a: {
          meta: { read: until('\n', { strip: true }) },
          on: {
            read: [
              { guard: ({ event }) => event.data[0] === 0x3f, target: 'a' },
              {
                guard: ({ event }) => event.data[0] === 0x21,
                actions: () => {
                  throw new Error('bang');
                },
              },
              { guard: ({ event }) => event.data[0] !== 0x23, actions: emit({ type: 'line' }), target: 'b' },
            ],
          },
        },
        b: { meta: { read: bytes(2) }, on: { read: { target: 'a', actions: emit({ type: 'pair' }) } } },
      },
    });
    for (const input of ['?\nab\ncd!\n', '?\nab\ncd#\n', '?\nx\nyz#\n']) {
      for (const size of [1, 3, 64]) {
        const generated = run(lines, enc(input), size, {});
        expect(generated.error).not.toBeNull();
        expect(run(lines, enc(input), size, { generate: false })).toEqual(generated);
      }
    }
    // A listener that throws: the outputs of its step are delivered, then the error stops the driver.
    for (const generate of [true, false]) {
      const seen: unknown[] = [];
      let error: any = null;
      const d = createDriver(lines, {
        generate,
        onOutput: (o) => {
          seen.push(o);
          if (seen.length === 2) throw new Error('listener');
        },
        onError: (e) => {
          error = e;
        },
      });
      d.feed(enc('?\nab\ncdef\ngh'));
      expect(seen).toEqual([{ type: 'line' }, { type: 'pair' }]);
      expect({ code: error?.code, offset: error?.offset, state: error?.state }).toEqual({
        code: 'WIREMACHINE_ERR_ACTION_FAILED',
        offset: 5,
        state: 'a',
      });
    }
  });
});
