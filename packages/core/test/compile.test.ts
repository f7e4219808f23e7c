/**
 * The compiled executor against xstate, feature by feature: each machine runs
 * under both executors on the same bytes, and both must produce an explicit
 * expected trace (so a test fails even if both were wrong the same way). The
 * trace is the emitted events, mostly `{ type: 'log', msg }` from entry, exit
 * and transition actions.
 */
import { describe, expect, test } from 'vitest';
import { type AnyStateMachine, and, assign, emit, not, or, setup } from 'xstate';
import type { ExecutorKind } from '../src/index.js';
import { bytes, createDriver, ErrorCode, fail, ProtocolFault, streamBytes, until } from '../src/index.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const txt = (b: Uint8Array) => String.fromCharCode(...b);
const char = (event: any) => (event.type === 'read' ? txt(event.data) : `(${event.type})`);
const log = (msg: string) => emit({ type: 'log', msg });
/** Log events; each argument is a step's messages, separated by commas. */
const logs = (...steps: string[]) => steps.flatMap((s) => s.split(', ')).map((msg) => ({ type: 'log', msg }));

interface Run {
  outputs: unknown[];
  error: { code: string; offset?: number; state?: string } | null;
  status: string;
}

function run(machine: AnyStateMachine, executor: ExecutorKind, chunks: string[], input?: unknown): Run {
  const outputs: unknown[] = [];
  let error: Run['error'] = null;
  const onError = (e: any) => {
    error = { code: e.code, offset: e.offset, state: e.state };
  };
  const driver = createDriver(machine, { executor, input, onOutput: (o) => outputs.push(o), onError });
  for (const c of chunks) driver.feed(enc(c));
  driver.end();
  return { outputs, error, status: driver.status };
}

/** Both executors produce `expected` (outputs; by default no error and status done). */
function expectBoth(machine: AnyStateMachine, chunks: string[], expected: Partial<Run>, input?: unknown) {
  const want = { outputs: [], error: null, status: 'done', ...expected };
  for (const executor of ['xstate', 'compiled'] as const) {
    expect({ executor, ...run(machine, executor, chunks, input) }).toEqual({ executor, ...want });
  }
}

const notes: string[] = [];
const m = setup({
  types: {} as { context: any; events: any; emitted: any; input: any },
  actions: {
    say: emit((_, p: { msg: string }) => ({ type: 'log', msg: p.msg })),
    bump: assign({ n: ({ context }, p: { by: number }) => context.n + p.by }),
    swap: assign(({ context }) => ({ a: context.b, b: context.a })),
    show: emit(({ context }) => ({ type: 'ctx', n: context.n, a: context.a, b: context.b })),
    note: (_, p: { text: string }) => void notes.push(p.text),
    // A copy: the compiled executor writes into its context (see the assign test below).
    snapshot: emit(({ context }) => ({ type: 'snapshot', context: { ...context } })),
  },
  guards: {
    is: ({ event }, p: { ch: string }) => char(event) === p.ch,
    even: ({ context }) => context.n % 2 === 0,
    above: ({ context }, p: { n: number }) => context.n > p.n,
    clean: ({ event }) => event.type === 'eof' && event.unread.length === 0,
  },
});
const is = (ch: string) => ({ type: 'is' as const, params: { ch } });
const bump = (by: number) => ({ type: 'bump' as const, params: { by } });
const enterExit = (name: string) => ({ entry: log(`enter ${name}`), exit: log(`exit ${name}`) });
const one = { read: bytes(1) };
/** A state that logs its entry and exit and waits for one byte. */
const waits = (name: string, on: object = {}) => ({ ...enterExit(name), meta: one, on });
const ctx = (n: number, a: string, b: string) => ({ type: 'ctx', n, a, b });
/** A guard that throws on `ch` and passes on `pass`. */
function throwIf(ch: string, code: string, pass: string) {
  return ({ event }: { event: any }) => {
    if (char(event) === ch) throw new ProtocolFault(code, `a guard saw ${ch}`);
    return char(event) === pass;
  };
}
const failed = (code: string, offset: number, state: string, outputs: unknown[] = []) => ({
  outputs,
  error: { code, offset, state },
  status: 'failed',
});

describe('the compiled executor agrees with xstate', () => {
  const tree = m.createMachine({
    id: 'tree',
    initial: 'a',
    ...enterExit('root'),
    on: { eof: { target: '.end', actions: log('root -eof-> end') } },
    states: {
      a: {
        initial: 'a1',
        ...enterExit('a'),
        on: { read: { guard: is('x'), target: 'b', actions: log('a -x-> b') } },
        states: {
          a1: waits('a1', { read: { guard: is('n'), target: 'a2', actions: log('a1 -n-> a2') } }),
          a2: waits('a2', { read: { guard: is('n'), target: 'a1', actions: log('a2 -n-> a1') } }),
        },
      },
      b: waits('b', { read: { target: 'a.a2', actions: log('b -> a.a2') } }),
      // xstate never takes this `always`: the machine is done as soon as `end` is entered.
      end: { type: 'final', ...enterExit('end'), always: { target: 'a', actions: log('end always') } },
    },
  });

  test('compound states, initial, entry/exit at every level, transitions on ancestors, in and out of compounds', () => {
    expectBoth(tree, ['n', 'xq'], {
      outputs: logs(
        'enter root, enter a, enter a1',
        'exit a1, a1 -n-> a2, enter a2',
        'exit a2, exit a, a -x-> b, enter b',
        'exit b, b -> a.a2, enter a, enter a2',
        // Ending in a top-level final state runs the exits of every active state, deepest first.
        'exit a2, exit a, root -eof-> end, enter end, exit end, exit root',
      ),
    });
  });

  test('a read no transition takes fails where it was read, after the ancestors were tried', () => {
    const outputs = logs(
      'enter root, enter a, enter a1',
      'exit a1, a1 -n-> a2, enter a2',
      'exit a2, a2 -n-> a1, enter a1',
    );
    expectBoth(tree, ['nny'], failed(ErrorCode.UNHANDLED_READ, 2, 'a.a1', outputs));
  });

  test('self transitions: default ones neither exit nor enter the source, reenter: true ones do; targetless ones', () => {
    const selfs = m.createMachine({
      initial: 'p',
      on: { eof: '.over' },
      states: {
        p: {
          initial: 'p1',
          ...enterExit('p'),
          on: {
            read: [
              { guard: is('R'), target: 'p', reenter: true, actions: log('p reenter') },
              { guard: is('S'), target: 'p', actions: log('p self') },
            ],
          },
          states: {
            p1: waits('p1', {
              read: [
                { guard: is('q'), target: 'p1', actions: log('p1 self') },
                { guard: is('w'), target: 'p1', reenter: true, actions: log('p1 reenter') },
                { guard: is('m'), target: 'p2', actions: log('p1 -> p2') },
                { guard: is('t'), actions: log('p1 targetless') },
              ],
            }),
            p2: waits('p2'),
          },
        },
        over: { type: 'final' },
      },
    });
    expectBoth(selfs, ['qwmStR'], {
      outputs: logs(
        'enter p, enter p1',
        'p1 self',
        'exit p1, p1 reenter, enter p1',
        'exit p1, p1 -> p2, enter p2',
        'exit p2, p self, enter p1',
        'p1 targetless',
        'exit p1, exit p, p reenter, enter p, enter p1',
        'exit p1, exit p',
      ),
    });
  });

  test('guarded lists (first enabled wins), and/or/not, named, parameterised and inline guards', () => {
    const guards = m.createMachine({
      context: { n: 0, want: 'b' },
      initial: 's',
      states: {
        s: {
          meta: one,
          on: {
            read: [
              { guard: and(['even', not(is('a')), or([is('b'), is('c')])]), actions: [log('even & (b | c)'), bump(1)] },
              { guard: { type: 'is', params: ({ context }) => ({ ch: context.want }) }, actions: log('wanted') },
              {
                guard: or([and([{ type: 'above', params: { n: 0 } }, is('a')]), ({ event }) => char(event) === 'z']),
                actions: log('(n > 0 & a) | z'),
              },
              {
                guard: not('even'),
                actions: [log('odd'), { type: 'bump', params: ({ context }) => ({ by: context.n }) }],
              },
              { actions: log('fallback') },
            ],
            eof: { guard: 'clean', target: 'done' },
          },
        },
        done: { type: 'final' },
      },
    });
    expectBoth(guards, ['ab', 'bzaz'], {
      outputs: logs('fallback, even & (b | c), wanted, (n > 0 & a) | z, (n > 0 & a) | z, (n > 0 & a) | z'),
    });
    expectBoth(guards, ['cqaq'], { outputs: logs('even & (b | c), odd, (n > 0 & a) | z, fallback') });
  });

  test('context from input; named, parameterised and inline actions; assign computes keys from the old context', () => {
    const actions = m.createMachine({
      context: ({ input }: { input: any }) => ({ n: input.n, a: input.a, b: 'B' }),
      initial: 's',
      states: {
        s: {
          meta: one,
          entry: ['show', { type: 'say', params: { msg: 'hello' } }],
          on: {
            read: [
              { guard: is('s'), actions: ['swap', 'show'] },
              {
                guard: is('k'),
                actions: [
                  assign({
                    n: ({ context }) => context.n * 10,
                    a: ({ context }) => `${context.a}${context.n}`,
                    b: 'b',
                    d: 'new key',
                  }),
                  'show',
                ],
              },
              {
                guard: is('p'),
                actions: [
                  { type: 'bump', params: ({ context }) => ({ by: context.n }) },
                  { type: 'say', params: ({ context }) => ({ msg: `n=${context.n}` }) },
                  { type: 'note', params: ({ context, event }) => ({ text: `${char(event)} at n=${context.n}` }) },
                ],
              },
              // Emitted before the assign: the copy holds the context as it was.
              { guard: is('e'), actions: ['snapshot', assign({ n: 0 })] },
              {
                guard: is('f'),
                actions: [assign(({ context }) => ({ n: context.n + 1, a: 'F', c: 'C' })), 'snapshot'],
              },
            ],
            eof: { guard: 'clean', target: 'done' },
          },
        },
        done: { type: 'final' },
      },
    });
    notes.length = 0;
    const snapshot = (n: number, a: string, more = {}) => ({
      type: 'snapshot',
      context: { n, a, b: 'b', d: 'new key', ...more },
    });
    const outputs = [ctx(1, 'A', 'B'), ...logs('hello'), ctx(1, 'B', 'A'), ctx(10, 'B1', 'b'), ...logs('n=20')];
    expectBoth(
      actions,
      ['skp', 'ef'],
      { outputs: [...outputs, snapshot(20, 'B1'), snapshot(1, 'F', { c: 'C' })] },
      { n: 1, a: 'A' },
    );
    expect(notes).toEqual(['p at n=20', 'p at n=20']);
  });

  test('always: unguarded, guarded, chains, on ancestors; guards see the event that started the step', () => {
    const always = m.createMachine({
      context: { n: 0 },
      initial: 'wait',
      on: { eof: '.done' },
      states: {
        wait: waits('wait', { read: { target: 'route', actions: bump(1) } }),
        route: {
          ...enterExit('route'),
          always: [
            { guard: is('x'), target: 'x1', actions: log('route -x-> x1') },
            { guard: 'even', target: 'nest', actions: log('route -even-> nest') },
            { target: 'wait', actions: log('route -> wait') },
          ],
        },
        x1: { ...enterExit('x1'), always: { target: 'x2', actions: log('x1 -> x2') } },
        x2: { ...enterExit('x2'), always: { target: 'wait', actions: log('x2 -> wait') } },
        nest: {
          ...enterExit('nest'),
          initial: 'inner',
          always: { guard: { type: 'above', params: { n: 5 } }, target: 'wait', actions: log('nest -n>5-> wait') },
          states: { inner: waits('inner', { read: { actions: bump(1) } }) },
        },
        done: { type: 'final' },
      },
    });
    expectBoth(always, ['ax', 'qqqq'], {
      outputs: logs(
        'enter wait',
        'exit wait, enter route, exit route, route -> wait, enter wait',
        'exit wait, enter route, exit route, route -x-> x1, enter x1',
        'exit x1, x1 -> x2, enter x2, exit x2, x2 -> wait, enter wait',
        'exit wait, enter route, exit route, route -> wait, enter wait',
        'exit wait, enter route, exit route, route -even-> nest, enter nest, enter inner',
        'exit inner, exit nest, nest -n>5-> wait, enter wait',
        'exit wait',
      ),
    });
  });

  test('final children raise done events: onDone, nested onDone, and the done event itself', () => {
    const logEvent = (what: string) => emit(({ event }) => ({ type: 'log', msg: `${what} ${event.type}` }));
    const done = m.createMachine({
      id: 'jobs',
      initial: 'outer',
      states: {
        outer: {
          ...enterExit('outer'),
          initial: 'inner',
          onDone: { target: 'last', actions: logEvent('outer onDone') },
          states: {
            inner: {
              ...enterExit('inner'),
              initial: 'step',
              onDone: { target: 'fin2', actions: logEvent('inner onDone') },
              states: { step: waits('step', { read: 'fin1' }), fin1: { type: 'final', ...enterExit('fin1') } },
            },
            fin2: { type: 'final', ...enterExit('fin2') },
          },
        },
        last: waits('last', { read: 'end' }),
        end: { type: 'final', ...enterExit('end') },
      },
    });
    expectBoth(done, ['ab'], {
      outputs: logs(
        'enter outer, enter inner, enter step',
        'exit step, enter fin1',
        'exit fin1, exit inner, inner onDone xstate.done.state.jobs.outer.inner, enter fin2',
        'exit fin2, exit outer, outer onDone xstate.done.state.jobs.outer, enter last',
        'exit last, enter end, exit end',
      ),
    });
  });

  test('a done event is handled after eventless transitions, by the state they led to', () => {
    // Entering `f` queues done.p; f's `always` runs first (to `y`); done.p is then taken by p's onDone.
    const queued = m.createMachine({
      id: 'q',
      initial: 'p',
      states: {
        p: {
          initial: 'w',
          onDone: { target: 'after', actions: log('p onDone') },
          states: {
            w: { meta: one, on: { read: 'f' } },
            f: { type: 'final', ...enterExit('f'), always: { target: 'y', actions: log('f -> y') } },
            y: waits('y', { read: { actions: log('read in y') } }),
          },
        },
        after: waits('after', { read: 'end' }),
        end: { type: 'final' },
      },
    });
    expectBoth(queued, ['ab'], {
      outputs: logs('enter f, exit f, f -> y, enter y', 'exit y, p onDone, enter after', 'exit after'),
    });
  });

  test('streaming reads, until with several delimiters, and wildcard transitions', () => {
    const head = (n: number, delimiter: number) => ({ type: 'head', n, delimiter });
    const chunk = (data: string) => ({ type: 'chunk', data });
    const stream = m.createMachine({
      context: { n: 0 },
      initial: 'head',
      states: {
        head: {
          meta: { read: until(['\r\n', '\n', ';'], { maxBytes: 8 }) },
          on: {
            read: {
              target: 'body',
              actions: [
                assign({ n: ({ event }) => Number(txt(event.data).replace(/\D/g, '')) }),
                emit(({ context, event }) => ({ type: 'head', n: context.n, delimiter: event.delimiter })),
              ],
            },
          },
        },
        body: {
          meta: { read: ({ context }: { context: any }) => streamBytes(context.n) },
          on: {
            chunk: { actions: emit(({ event }) => ({ type: 'chunk', data: txt(event.data) })) },
            '*': { target: 'head', actions: emit(({ event }) => ({ type: 'log', msg: `* ${event.type}` })) },
          },
        },
      },
    });
    expectBoth(stream, ['2;ab3\n', 'c', 'de'], {
      outputs: [head(2, 2), chunk('ab'), ...logs('* done'), head(3, 1), chunk('c'), chunk('de'), ...logs('* done')],
      error: { code: ErrorCode.STREAM_CLOSED, offset: 9, state: 'head' },
      status: 'failed',
    });
  });

  test('an action that throws cancels the outputs of its step; guards that throw fail as under xstate', () => {
    const throws = m.createMachine({
      initial: 's',
      states: {
        s: {
          meta: one,
          on: {
            read: [
              { guard: is('f'), actions: [log('lost'), fail('BAD_BYTE')] },
              { guard: throwIf('g', 'GUARD_FAULT', 'a'), target: 't' },
              { actions: log('kept') },
            ],
          },
        },
        t: {
          meta: one,
          always: { guard: throwIf('h', 'ALWAYS_FAULT', ''), target: 's' },
          on: { read: { target: 't', reenter: true } },
        },
      },
    });
    expectBoth(throws, ['zf'], failed('BAD_BYTE', 1, 's', logs('kept')));
    // A ProtocolFault from the guard of an event's transition keeps its code (xstate wraps it in an Error)...
    expectBoth(throws, ['g'], failed('GUARD_FAULT', 0, 's'));
    // ... as it does from the guard of an eventless transition.
    expectBoth(throws, ['ah'], failed('ALWAYS_FAULT', 1, 't'));
  });
});

describe('assign writes into the context the compiled executor owns', () => {
  // Documented difference from xstate: an output holding the context object itself sees later assigns.
  const holder = setup({
    types: {} as { context: { n: number }; events: any; emitted: any },
  }).createMachine({
    context: { n: 0 },
    initial: 'a',
    states: {
      a: {
        meta: { read: bytes(1) },
        on: {
          read: {
            actions: [
              emit(({ context }) => ({ type: 'held', context })),
              assign({ n: ({ context }) => context.n + 1 }),
            ],
          },
        },
      },
    },
  });

  test('xstate keeps the old context object; compiled changes it in place', () => {
    const held = (executor: 'compiled' | 'xstate') => {
      const outputs: { context: { n: number } }[] = [];
      const driver = createDriver(holder, { executor, onOutput: (o) => outputs.push(o as { context: { n: number } }) });
      driver.feed(Uint8Array.of(1, 2));
      return outputs.map((o) => o.context.n);
    };
    expect(held('xstate')).toEqual([0, 1]);
    expect(held('compiled')).toEqual([2, 2]);
  });
});

describe('the compiled program', () => {
  test('every state and every transition is an object of one shape, with the generated code installed or not', async () => {
    const { compile } = await import('../src/machine/compile.js');
    const { install } = await import('../src/machine/generate.js');
    const machine = setup({}).createMachine({
      id: 'shapes',
      initial: 'a',
      context: { n: 0 },
      states: {
        a: {
          meta: { read: bytes(1) },
          on: { read: [{ guard: ({ context }) => context.n > 3, target: 'b' }, { actions: assign({ n: 1 }) }] },
        },
        b: { always: { target: 'c' } },
        c: { type: 'compound', initial: 'd', states: { d: { type: 'final' } }, onDone: 'e' },
        e: { meta: { read: until('\n') }, on: { read: 'a', eof: 'f' } },
        f: { type: 'final' },
      },
    });
    for (const generated of [false, true]) {
      const program = compile(machine);
      if (generated) install(program);
      const transitions = [
        program.initial,
        ...program.states.flatMap((s) => [
          ...s.onRead,
          ...s.onChunk,
          ...s.onDone,
          ...s.onEof,
          ...s.always,
          ...[...s.onInternal.values()].flat(),
        ]),
      ];
      expect(transitions.length).toBeGreaterThan(4);
      for (const t of transitions) expect(Object.keys(t)).toEqual(Object.keys(transitions[0]));
      for (const s of program.states) expect(Object.keys(s)).toEqual(Object.keys(program.states[0]));
    }
  });
});
