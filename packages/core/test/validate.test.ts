/**
 * Validation refuses a machine that cannot run under the driver, naming the
 * state and the feature; the compiler adds its own subset, which the xstate
 * executor does not need.
 */
import { describe, expect, test } from 'vitest';
import {
  type AnyStateMachine,
  createMachine,
  emit,
  enqueueActions,
  fromCallback,
  log,
  raise,
  sendTo,
  setup,
  stateIn,
} from 'xstate';
import type { ExecutorKind } from '../src/index.js';
import {
  bytes,
  compile,
  createDriver,
  ErrorCode,
  InvalidMachineError,
  streamBytes,
  validateMachine,
} from '../src/index.js';

const one = { read: bytes(1) };
/** A state that waits for a byte and goes to `target`. */
const waits = (target: string, more: object = {}) => ({ meta: one, on: { read: target }, ...more });

function refusal(fn: () => unknown): InvalidMachineError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidMachineError);
    return e as InvalidMachineError;
  }
  throw new Error('the machine was accepted');
}

function expectRefused(fn: () => unknown, state: string, feature: string) {
  const e = refusal(fn);
  expect({ code: e.code, state: e.state, feature: e.feature }).toEqual({
    code: ErrorCode.INVALID_MACHINE,
    state,
    feature,
  });
  expect(e.message).toContain(`state "${state}"`);
}

/** Refused by validation: by both executors. */
function expectInvalid(machine: AnyStateMachine, state: string, feature: string) {
  expectRefused(() => validateMachine(machine), state, feature);
  expectRefused(() => compile(machine), state, feature);
  for (const executor of ['compiled', 'xstate'] as const)
    expectRefused(() => createDriver(machine, { executor }), state, feature);
}

/** Refused by the compiler only: the xstate executor takes it. */
function expectNotCompiled(machine: AnyStateMachine, state: string, feature: string) {
  expectRefused(() => compile(machine), state, feature);
  expectRefused(() => createDriver(machine), state, feature);
  expect(() => validateMachine(machine)).not.toThrow();
  expect(createDriver(machine, { executor: 'xstate' }).status).toBe('running');
}

function outputsOf(machine: AnyStateMachine, executor: ExecutorKind, input: string) {
  const outputs: unknown[] = [];
  const driver = createDriver(machine, { executor, onOutput: (o) => outputs.push(o) });
  driver.feed(Uint8Array.from(input, (c) => c.charCodeAt(0)));
  return { outputs, status: driver.status, error: driver.error?.code ?? null };
}

describe('validation (both executors)', () => {
  test('a waiting atomic state without meta.read', () => {
    const plain = createMachine({
      initial: 'a',
      states: { a: { initial: 'b', states: { b: { on: { read: 'c' } }, c: waits('b') } } },
    });
    expectInvalid(plain, 'a.b', 'read');
    // A guarded `always` may not be taken: the state may wait.
    const guarded = createMachine({
      initial: 'a',
      states: { a: { always: { guard: () => false, target: 'b' }, on: { read: 'b' } }, b: waits('a') },
    });
    expectInvalid(guarded, 'a', 'read');
  });

  test('a constant read whose events the state does not handle', () => {
    const noDone = createMachine({
      initial: 's',
      states: { s: { meta: { read: streamBytes(4) }, on: { chunk: {}, read: 's' } } },
    });
    expectInvalid(noDone, 's', 'read');
    const noChunk = createMachine({
      initial: 's',
      states: { s: { meta: { read: streamBytes(4) }, on: { done: 's' } } },
    });
    expectInvalid(noChunk, 's', 'read');
    const noRead = createMachine({
      initial: 's',
      states: { s: { meta: one, on: { chunk: 's', done: 's', eof: 's' } } },
    });
    expectInvalid(noRead, 's', 'read');
    const notARead = createMachine({ initial: 's', states: { s: { meta: { read: { n: 4 } }, on: { read: 's' } } } });
    expectInvalid(notARead, 's', 'read');
  });

  test('an unreachable state', () => {
    expectInvalid(createMachine({ initial: 'a', states: { a: waits('a'), lost: waits('a') } }), 'lost', 'unreachable');
    const child = createMachine({
      initial: 'p',
      states: { p: { initial: 'x', states: { x: waits('x'), y: waits('x') } } },
    });
    expectInvalid(child, 'p.y', 'unreachable');
  });

  test('an eventless cycle, including one through final children and onDone', () => {
    const loop = createMachine({
      initial: 'w',
      states: {
        w: waits('a'),
        a: { always: 'b' },
        b: { always: [{ guard: () => false, target: 'w' }, { target: 'a' }] },
      },
    });
    expectInvalid(loop, 'a', 'cycle');
    const done = createMachine({
      initial: 'w',
      states: {
        w: waits('p'),
        p: { initial: 'f', states: { f: { type: 'final' } }, onDone: 'q' },
        q: { initial: 'g', states: { g: { type: 'final' } }, onDone: 'p' },
      },
    });
    expectInvalid(done, 'p.f', 'cycle');
  });

  test('a targetless always, a transition on an event the driver never sends, after', () => {
    const targetless = createMachine({
      initial: 'a',
      states: { a: waits('a', { always: { guard: () => true, actions: () => {} } }) },
    });
    expectInvalid(targetless, 'a', 'always');
    const ping = createMachine({ initial: 'a', states: { a: { meta: one, on: { read: 'a', ping: 'a' } } } });
    expectInvalid(ping, 'a', 'event');
    const after = createMachine({ initial: 'a', states: { a: waits('a', { after: { 100: 'a' } }) } });
    expectInvalid(after, 'a', 'after');
  });

  test('accepted: an ancestor that always leaves, reads handled by an ancestor, wildcards, raised events', () => {
    const machine = setup({}).createMachine({
      initial: 'pass',
      on: { chunk: { actions: () => {} }, done: '.end' },
      states: {
        // `pass.x` reads nothing: its parent's unguarded `always` leaves at once.
        pass: { initial: 'x', always: { target: 'body', actions: emit({ type: 'passed' }) }, states: { x: {} } },
        body: { meta: { read: streamBytes(2) } },
        end: { meta: one, on: { '*': { target: 'raised', actions: raise({ type: 'again' }) } } },
        raised: { meta: one, on: { again: 'over', read: 'over' } },
        over: { type: 'final' },
      },
    });
    // `raise` is out of the compiled subset, but the xstate executor runs the machine.
    expectNotCompiled(machine, 'end', 'raise');
    expect(outputsOf(machine, 'xstate', 'abc')).toEqual({ outputs: [{ type: 'passed' }], status: 'done', error: null });
  });
});

describe('the compiled subset (the compiled executor only)', () => {
  const region = (name: string) => ({
    initial: `${name}1`,
    states: { [`${name}1`]: waits(`${name}2`), [`${name}2`]: waits(`${name}1`) },
  });

  test('parallel states, history states, several targets', () => {
    expectNotCompiled(
      createMachine({ initial: 'p', states: { p: { type: 'parallel', states: { l: region('l'), r: region('r') } } } }),
      'p',
      'parallel',
    );
    const targets = createMachine({
      initial: 'p',
      on: { eof: { target: ['.p.l.l2', '.p.r.r2'] } },
      states: { p: { type: 'parallel', states: { l: region('l'), r: region('r') } } },
    });
    expectNotCompiled(targets, '(machine)', 'targets');
    const withHistory = createMachine({
      initial: 'a',
      states: {
        a: { initial: 'a1', states: { a1: waits('a2'), a2: waits('a1'), h: { type: 'history' } }, on: { eof: 'b' } },
        b: waits('a.h'),
      },
    });
    expectNotCompiled(withHistory, 'a.h', 'history');
  });

  test('invoke (its done and error events are events the machine receives)', () => {
    const machine = setup({ actors: { worker: fromCallback(() => {}) } }).createMachine({
      initial: 'a',
      states: { a: waits('a', { invoke: { src: 'worker', onDone: 'b', onError: 'b' } }), b: waits('a') },
    });
    expectNotCompiled(machine, 'a', 'invoke');
  });

  test('raise, sendTo, enqueueActions, log: the feature is the built-in', () => {
    // The machine handles `ping`, which only a built-in that sends events can make fire.
    const withAction = (action: unknown, on: object = { ping: {} }) =>
      createMachine({ initial: 'a', states: { a: { meta: one, on: { read: { actions: action as any }, ...on } } } });
    expectNotCompiled(withAction(raise({ type: 'ping' })), 'a', 'raise');
    expectNotCompiled(withAction(sendTo(({ self }) => self, { type: 'ping' })), 'a', 'sendTo');
    expectNotCompiled(
      withAction(enqueueActions(({ enqueue }) => enqueue(emit({ type: 'queued' })))),
      'a',
      'enqueueActions',
    );
    expectNotCompiled(withAction(log('hello'), {}), 'a', 'log');
    // A `ping` that nothing sends is refused by validation, whichever executor.
    expectInvalid(withAction(log('hello')), 'a', 'event');
    // Named in setup, refused all the same.
    const named = setup({ actions: { again: raise({ type: 'ping' }) } }).createMachine({
      initial: 'a',
      states: { a: { meta: one, on: { read: { actions: 'again' }, ping: { actions: emit({ type: 'pinged' }) } } } },
    });
    expectNotCompiled(named, 'a', 'raise');
    expect(outputsOf(named, 'xstate', 'xy').outputs).toEqual([{ type: 'pinged' }, { type: 'pinged' }]);
    const queued = withAction(enqueueActions(({ enqueue }) => enqueue(emit({ type: 'queued' }))));
    expect(outputsOf(queued, 'xstate', 'x').outputs).toEqual([{ type: 'queued' }]);
  });

  test('named actions and guards that setup does not implement, and stateIn', () => {
    const action = createMachine({ initial: 'a', states: { a: waits('a', { entry: 'missing' }) } });
    expectNotCompiled(action, 'a', 'action');
    const guard = createMachine({
      initial: 'a',
      states: { a: { meta: one, on: { read: { guard: 'missing', target: 'a' } } } },
    });
    expectNotCompiled(guard, 'a', 'guard');
    const inState = createMachine({
      initial: 'a',
      states: { a: { meta: one, on: { read: { guard: stateIn('a'), target: 'a' } } } },
    });
    expectNotCompiled(inState, 'a', 'stateIn');
  });
});
