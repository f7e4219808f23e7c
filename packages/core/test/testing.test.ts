import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { emit, setup } from 'xstate';
import { createFrameProtocol, encodeFrame } from '../../../examples/src/protocols/frame.js';
import { createLineProtocol } from '../../../examples/src/protocols/line.js';
import { bytes, protocolTypes } from '../src/index.js';
import {
  checkLaw,
  chunkInvariance,
  chunkings,
  cut,
  differential,
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
