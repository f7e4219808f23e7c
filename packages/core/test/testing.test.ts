import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { emit, setup } from 'xstate';
import { createFrameProtocol, encodeFrame } from '../../../examples/src/protocols/frame.js';
import { createLineProtocol } from '../../../examples/src/protocols/line.js';
import { bytes, protocolTypes } from '../src/index.js';
import {
  checkLaw,
  chunkInvariance,
  chunkings,
  cut,
  difference,
  differential,
  equivalent,
  executorsAgree,
  mutated,
  type ReferenceResult,
  roundTrip,
  runChunks,
  typedRejection,
} from '../src/testing/index.js';
import { concat } from './helpers.js';

const frames = createFrameProtocol({ maxFrameBytes: 64 });
const lines = createLineProtocol({ maxLineBytes: 16 });
const params = { seed: 20261122, numRuns: 150 };

const payloads = fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 5 });
const frameStreams = payloads.map((ps) => concat(ps.map(encodeFrame)));
const lineStreams = fc
  .array(fc.stringMatching(/^[a-z ]{0,20}$/), { maxLength: 5 })
  .map((ls) => Uint8Array.from(ls.map((l) => `${l}\r\n`).join(''), (c) => c.charCodeAt(0)));

describe('arbitraries', () => {
  test('cut keeps every byte in order, with no empty pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat()), (input, points) => {
        const pieces = cut(input, points);
        expect(pieces.every((p) => p.length > 0)).toBe(true);
        expect(Array.from(concat(pieces))).toEqual(Array.from(input));
      }),
      params,
    );
  });

  test('chunkings include one-byte feeding', () => {
    const input = Uint8Array.of(1, 2, 3);
    const seen = fc.sample(chunkings(input), { seed: 1, numRuns: 200 }).map((c) => c.length);
    expect(seen).toContain(3);
    expect(seen).toContain(1);
  });
});

function failureOf(f: () => void): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the property to fail');
}

describe('laws on the example protocols', () => {
  test('chunk invariance', () => {
    checkLaw(chunkInvariance(frames, fc.oneof(frameStreams, mutated(frameStreams))), params);
    checkLaw(chunkInvariance(lines, fc.oneof(lineStreams, mutated(lineStreams))), params);
  });

  test('compiled and xstate executors agree', () => {
    checkLaw(executorsAgree(frames, fc.oneof(frameStreams, mutated(frameStreams))), { ...params, numRuns: 60 });
    checkLaw(executorsAgree(lines, fc.oneof(lineStreams, mutated(lineStreams))), { ...params, numRuns: 60 });
  });

  test('round trip: frames parse back to their payloads', () => {
    const law = roundTrip(
      frames,
      fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }),
      (ps) => concat(ps.map(encodeFrame)),
      {
        expected: (ps) => ps.map((payload) => ({ type: 'frame', payload })),
      },
    );
    checkLaw(law, params);
  });

  test('typed rejection: mutated and random input gives only typed errors, bounded memory', () => {
    checkLaw(
      typedRejection(frames, fc.oneof(mutated(frameStreams), fc.uint8Array({ maxLength: 200 })), {
        maxBufferSize: 256,
      }),
      params,
    );
    checkLaw(
      typedRejection(lines, fc.oneof(mutated(lineStreams), fc.uint8Array({ maxLength: 200 })), { maxBufferSize: 256 }),
      params,
    );
  });

  test('differential: the frame protocol against a hand-written reference', () => {
    const reference = (input: Uint8Array): ReferenceResult => {
      const outputs: unknown[] = [];
      let at = 0;
      while (at < input.length) {
        if (input.length - at < 4) return { outputs, rejected: true };
        const n = new DataView(input.buffer, input.byteOffset + at).getUint32(0);
        if (n > 64) return { outputs, rejected: true };
        if (input.length - at - 4 < n) return { outputs, rejected: true };
        outputs.push({ type: 'frame', payload: input.slice(at + 4, at + 4 + n) });
        at += 4 + n;
      }
      return { outputs, rejected: false };
    };
    checkLaw(differential(frames, reference, fc.oneof(frameStreams, mutated(frameStreams))), params);
  });
});

describe('laws catch broken protocols', () => {
  // Treats a partial read as if it were exact: its outputs follow the chunking.
  const chunkDependent = setup({
    types: protocolTypes<Record<string, never>, { type: 'piece'; size: number }>(),
  }).createMachine({
    context: {},
    initial: 'r',
    states: {
      r: {
        meta: { read: bytes(4, { partial: true }) },
        on: { read: { actions: emit(({ event }) => ({ type: 'piece' as const, size: event.data.length })) } },
      },
    },
  });

  test('chunk invariance fails, printing the seed and path to replay it', () => {
    const failure = failureOf(() =>
      fc.assert(chunkInvariance(chunkDependent, fc.uint8Array({ minLength: 4, maxLength: 12 })), { seed: 5 }),
    );
    expect(failure.message).toMatch(/seed: 5, path: "[\d:]+"/);
    expect(String((failure.cause as Error).message)).toMatch(/whole input and \d+ chunks differ/);
  });

  test('a run that does not settle within its step budget counts as a hang, and typed rejection fails', () => {
    expect(runChunks(chunkDependent, [new Uint8Array(8)], { maxSteps: 1 }).hung).toBe(true);
    expect(runChunks(chunkDependent, [new Uint8Array(8)], { maxSteps: 3 }).hung).toBe(false);
    const failure = failureOf(() =>
      fc.assert(typedRejection(chunkDependent, fc.uint8Array({ minLength: 8, maxLength: 8 }), { maxSteps: 1 }), {
        seed: 3,
      }),
    );
    expect(failure.message).toMatch(/seed: 3, path:/);
    expect(String((failure.cause as Error).message)).toMatch(/did not settle/);
  });
});

describe('checkLaw and its seed', () => {
  const alwaysFails = fc.property(fc.nat(), () => false);

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  test('WIREMACHINE_SEED wins over the seed of params, and the seed used is printed', () => {
    vi.stubEnv('WIREMACHINE_SEED', '7');
    const lines: string[] = [];
    const failure = failureOf(() => checkLaw(alwaysFails, { seed: 42, numRuns: 5 }, { log: (l) => lines.push(l) }));
    expect(failure.message).toMatch(/seed: 7, path:/);
    expect(failure.message).toMatch(/checkLaw: seed 7 \(WIREMACHINE_SEED; WIREMACHINE_SEED=7 replays it\)/);
    expect(lines).toEqual(['checkLaw: seed 7 from WIREMACHINE_SEED (params gave 42)']);
  });

  test('the environment varies what a law with a seed in its params generates', () => {
    const seen = (env: string | undefined) => {
      const values: number[] = [];
      checkLaw(
        fc.property(fc.integer(), (n) => {
          values.push(n);
        }),
        { seed: 42, numRuns: 5 },
        { env: { WIREMACHINE_SEED: env }, log: () => {} },
      );
      return values;
    };
    expect(seen('42')).toEqual(seen(undefined));
    expect(seen('43')).not.toEqual(seen(undefined));
    expect(seen('43')).toEqual(seen('43'));
  });

  test('a path in params belongs to its seed: it is dropped when the environment gives another', () => {
    const run = (params: fc.Parameters<[number]>) => {
      const values: number[] = [];
      const property = fc.property(fc.integer(), (n) => {
        values.push(n);
      });
      checkLaw(property, params, { env: { WIREMACHINE_SEED: '9' }, log: () => {} });
      return values;
    };
    // A path starts the run at that place in its seed's sequence; seed 9 starts at its beginning.
    expect(run({ seed: 42, path: '3', numRuns: 5 })).toEqual(run({ numRuns: 5 }));
    expect(run({ seed: 9, path: '3', numRuns: 5 })).not.toEqual(run({ numRuns: 5 }));
  });

  test('without the environment, the seed of params is used and named on failure', () => {
    const lines: string[] = [];
    const failure = failureOf(() =>
      checkLaw(alwaysFails, { seed: 42, numRuns: 5 }, { env: {}, log: (l) => lines.push(l) }),
    );
    expect(failure.message).toMatch(/seed: 42, path:/);
    expect(failure.message).toMatch(/checkLaw: seed 42 \(params; WIREMACHINE_SEED=42 replays it\)/);
    expect(lines).toEqual([]);
  });

  test('a seed that is not an integer is refused', () => {
    expect(() => checkLaw(alwaysFails, {}, { env: { WIREMACHINE_SEED: 'abc' } })).toThrow(/must be an integer/);
  });
});

describe('laws compare outputs structurally', () => {
  // Emits the same object with its keys in an order that depends on the chunking.
  const keyOrder = setup({
    types: protocolTypes<Record<string, never>, { type: 'pair'; a?: number; b?: number }>(),
  }).createMachine({
    context: {},
    initial: 'r',
    states: {
      r: {
        meta: { read: bytes(2) },
        on: {
          read: {
            actions: emit(({ event }) =>
              event.data.byteOffset % 2 === 0
                ? { type: 'pair' as const, a: event.data[0], b: event.data[1] }
                : { type: 'pair' as const, b: event.data[1], a: event.data[0] },
            ),
          },
          eof: { target: 'done' },
        },
      },
      done: { type: 'final' },
    },
  });

  test('outputs equal but for key order pass chunk invariance and round trip', () => {
    checkLaw(
      chunkInvariance(
        keyOrder,
        fc.uint8Array({ maxLength: 12 }).map((u) => u.subarray(0, u.length & ~1)),
      ),
      {
        seed: 1,
        numRuns: 100,
      },
    );
    checkLaw(
      roundTrip(keyOrder, fc.tuple(fc.nat(255), fc.nat(255)), ([a, b]) => Uint8Array.of(a, b), {
        expected: ([a, b]) => [{ b, a, type: 'pair' }],
      }),
      { seed: 1, numRuns: 50 },
    );
  });

  test('a real difference is still found, with its path', () => {
    const failure = failureOf(() =>
      checkLaw(
        roundTrip(keyOrder, fc.tuple(fc.nat(255), fc.nat(255)), ([a, b]) => Uint8Array.of(a, b), {
          expected: ([a, b]) => [{ b: a, a: b, type: 'pair' }],
        }),
        { seed: 1, numRuns: 50 },
        { env: {} },
      ),
    );
    expect(String((failure.cause as Error).message)).toMatch(/round trip differs at outputs\[0\]\.(a|b): \d+ ≠ \d+/);
  });

  test('difference and equivalent', () => {
    expect(equivalent({ a: 1, b: [Uint8Array.of(1, 2)] }, { b: [Buffer.from([1, 2])], a: 1 })).toBe(true);
    expect(equivalent({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(equivalent(Number.NaN, Number.NaN)).toBe(true);
    expect(equivalent(new Map([['x', { p: 1, q: 2 }]]), new Map([['x', { q: 2, p: 1 }]]))).toBe(true);
    expect(equivalent(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(equivalent(10n, 10n)).toBe(true);
    expect(difference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe('a[1].b: 2 ≠ 3');
    expect(difference([Uint8Array.of(1)], [Uint8Array.of(2)])).toBe('[0]: "bytes:01" ≠ "bytes:02"');
    expect(difference([1, 2], [1])).toBe('(value): length 2 ≠ 1');
    expect(difference(10n, 11n)).toBe('(value): "bigint:10" ≠ "bigint:11"');
    expect(difference(Uint8Array.of(1), Int8Array.of(1))).not.toBeNull();
    expect(difference({ a: 1 }, [1])).not.toBeNull();
    expect(difference(new Map([['x', 1]]), new Map([['y', 1]]))).toMatch(/key "x" only on the left/);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    const other: { self?: unknown } = {};
    other.self = other;
    expect(equivalent(cyclic, other)).toBe(true);
  });
});
