/**
 * Where a rejection is reported, and with which code, when it comes from an
 * eventless transition or a guard: both executors say the same, for
 * hand-written machines and for generated ones.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type AnyStateMachine, assign, createMachine, emit, setup } from 'xstate';
import type { ExecutorKind } from '../src/index.js';
import { bytes, createDriver, fail, ProtocolFault, validateMachine } from '../src/index.js';
import { executorsAgree } from '../src/testing/index.js';

function errorOf(machine: AnyStateMachine, executor: ExecutorKind, input: number[]) {
  let error: { code: string; offset: number; state: string } | null = null;
  const driver = createDriver(machine, {
    executor,
    onError: (e: any) => {
      error = { code: e.code, offset: e.offset, state: e.state };
    },
  });
  driver.feed(Uint8Array.from(input));
  driver.end();
  return error;
}

function bothSay(machine: AnyStateMachine, input: number[], expected: { code: string; offset: number; state: string }) {
  for (const executor of ['compiled', 'xstate'] as const)
    expect({ executor, error: errorOf(machine, executor, input) }).toEqual({ executor, error: expected });
}

describe('a fault found in an eventless transition is placed in the state that took it', () => {
  test('fail() in an always transition: both executors report the state where it ran', () => {
    // The reproduction: xstate reported "a", the state before the event; the fault was found in "check".
    const machine = createMachine({
      initial: 'a',
      states: {
        a: { meta: { read: bytes(1) }, on: { read: { target: 'check' } } },
        check: { always: [{ guard: () => true, target: 'a', actions: fail('BAD') }, { target: 'a' }] },
      },
    });
    bothSay(machine, [0x62, 0x00], { code: 'BAD', offset: 0, state: 'check' });
  });

  test('a ProtocolFault thrown from an always guard: the same state', () => {
    const machine = createMachine({
      initial: 'a',
      states: {
        a: { meta: { read: bytes(1) }, on: { read: { target: 'check' } } },
        check: {
          always: [
            {
              guard: ({ event }) => {
                if (event.data[0] === 0x21) throw new ProtocolFault('BANG', 'a bang');
                return false;
              },
              target: 'a',
            },
            { target: 'a' },
          ],
        },
      },
    });
    bothSay(machine, [0x62, 0x21], { code: 'BANG', offset: 1, state: 'check' });
  });

  test('fail() two eventless steps on: the state of the second', () => {
    const machine = createMachine({
      initial: 'a',
      states: {
        a: { meta: { read: bytes(1) }, on: { read: 'b' } },
        b: { always: 'c' },
        c: { always: { actions: fail('DEEP') } },
      },
    });
    bothSay(machine, [1], { code: 'DEEP', offset: 0, state: 'c' });
  });
});

describe('a ProtocolFault thrown from the guard of a read transition keeps its code', () => {
  test('not ACTION_FAILED, under either executor', () => {
    const machine = createMachine({
      initial: 'a',
      states: {
        a: {
          meta: { read: bytes(1) },
          on: {
            read: [
              {
                guard: ({ event }) => {
                  if (event.data[0] === 0xff) throw new ProtocolFault('BAD_TYPE', 'type 0xff');
                  return event.data[0] === 1;
                },
                target: 'a',
                reenter: true,
              },
              { target: 'a', reenter: true },
            ],
          },
        },
      },
    });
    bothSay(machine, [1, 2, 0xff], { code: 'BAD_TYPE', offset: 2, state: 'a' });
  });

  test('a guard that throws a plain Error is still ACTION_FAILED', () => {
    const machine = createMachine({
      initial: 'a',
      states: {
        a: {
          meta: { read: bytes(1) },
          on: {
            read: {
              guard: () => {
                throw new Error('oops');
              },
              target: 'a',
            },
          },
        },
      },
    });
    bothSay(machine, [1], { code: 'WIREMACHINE_ERR_ACTION_FAILED', offset: 0, state: 'a' });
  });
});

describe('fail() terminates an always transition without a target', () => {
  test('accepted by validation, inline and named, and run by both executors', () => {
    const machine = setup({ actions: { reject: fail('REJECTED') } }).createMachine({
      initial: 'a',
      states: {
        a: { meta: { read: bytes(1) }, on: { read: 'check' } },
        check: {
          always: [
            { guard: ({ event }) => event.data[0] === 0, actions: fail('ZERO') },
            { guard: ({ event }) => event.data[0] === 1, actions: 'reject' },
            { target: 'a' },
          ],
        },
      },
    });
    expect(() => validateMachine(machine)).not.toThrow();
    bothSay(machine, [5, 0], { code: 'ZERO', offset: 1, state: 'check' });
    bothSay(machine, [5, 1], { code: 'REJECTED', offset: 1, state: 'check' });
  });

  test('without fail, a targetless always is still refused', () => {
    const machine = createMachine({
      initial: 'a',
      states: { a: { meta: { read: bytes(1) }, on: { read: 'a' }, always: { guard: () => true, actions: () => {} } } },
    });
    expect(() => validateMachine(machine)).toThrow(/would run forever/);
  });
});

/**
 * Generated machines: states s0..s(n-1) read one byte; each has a few guarded
 * read transitions (to a reading state or to a check), then an unguarded one
 * to its check c_i. Each check has guarded eventless transitions (to a reading
 * state, or targetless and failing), then an unguarded one on to the next
 * reading state. Guards compare a byte mod 4, and some throw a ProtocolFault;
 * actions emit, fail, or both.
 */
interface Arc {
  guard: 'is' | 'faultIf';
  value: number;
  to: number; // >= 0: s_to; < 0: c_(-to-1) (read transitions only); null target for checks is `to === -99`
  act: 'emit' | 'fail' | 'emitFail';
}

const arc = (n: number, eventless: boolean): fc.Arbitrary<Arc> =>
  fc.record({
    guard: fc.constantFrom('is' as const, 'faultIf' as const),
    value: fc.integer({ min: 0, max: 3 }),
    to: eventless
      ? fc.oneof(fc.integer({ min: 0, max: n - 1 }), fc.constant(-99))
      : fc.integer({ min: -n, max: n - 1 }),
    act: fc.constantFrom('emit' as const, 'fail' as const, 'emitFail' as const),
  });

const machineSpec = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    reads: fc.array(fc.array(arc(n, false), { maxLength: 3 }), { minLength: n, maxLength: n }),
    checks: fc.array(fc.array(arc(n, true), { maxLength: 3 }), { minLength: n, maxLength: n }),
  }),
);

type Spec = { n: number; reads: Arc[][]; checks: Arc[][] };

function build(spec: Spec): AnyStateMachine {
  const ctxByte = (context: any, event: any) => (event.type === 'read' ? event.data[0] : context.last);
  const base = setup({
    types: {} as { context: { last: number }; events: any; emitted: any },
    guards: {
      is: ({ context, event }, p: { value: number }) => ctxByte(context, event) % 4 === p.value,
      faultIf: ({ context, event }, p: { value: number }) => {
        if (ctxByte(context, event) % 4 === p.value) throw new ProtocolFault(`FAULT_${p.value}`, 'a guard rejected');
        return false;
      },
    },
  });
  const actions = (a: Arc, where: string) => {
    const out: unknown[] = [];
    if (a.act !== 'fail') out.push(emit({ type: 'took', where, value: a.value }));
    if (a.act !== 'emit') out.push(fail(`FAIL_${where}`));
    return out;
  };
  const states: Record<string, unknown> = {};
  for (let i = 0; i < spec.n; i++) {
    const read = spec.reads[i].map((a) => ({
      guard: { type: a.guard, params: { value: a.value } },
      target: a.to >= 0 ? `s${a.to}` : `c${-a.to - 1}`,
      actions: actions(a, `s${i}`),
    }));
    read.push({
      target: `c${i}`,
      actions: [assign({ last: ({ event }: any) => event.data[0] })] as never,
    } as never);
    states[`s${i}`] = { meta: { read: bytes(1) }, on: { read } };
    const always = spec.checks[i].map((a) => ({
      guard: { type: a.guard, params: { value: a.value } },
      ...(a.to >= 0 ? { target: `s${a.to}`, actions: actions(a, `c${i}`) } : { actions: [fail(`FAIL_c${i}`)] }),
    }));
    always.push({ target: `s${(i + 1) % spec.n}` } as never);
    states[`c${i}`] = { always };
  }
  return base.createMachine({ context: { last: 0 }, initial: 's0', states: states as any }) as AnyStateMachine;
}

describe('executorsAgree over generated machines that fail in always transitions and in guards', () => {
  test('outputs, error codes, offsets and states agree at every chunking', () => {
    const input = fc.uint8Array({ maxLength: 12 }).map((b) => b.map((x) => x & 7));
    let faults = 0;
    fc.assert(
      fc.property(machineSpec, fc.integer(), (spec, seed) => {
        const machine = build(spec);
        fc.assert(executorsAgree(machine, input), { seed, numRuns: 10 });
        for (const b of [0, 1, 2, 3]) {
          const e = errorOf(machine, 'compiled', [b, b, b]);
          if (e !== null && /^(FAULT|FAIL)_/.test((e as { code: string }).code)) faults++;
        }
      }),
      { seed: 23, numRuns: 60 },
    );
    // The generated machines do reject: the property is not vacuous.
    expect(faults).toBeGreaterThan(20);
  });
});
