/**
 * Laws every protocol should obey, as ready fast-check properties. Run them
 * with `fc.assert(law, params)` (any runner), with {@link checkLaw}, or with
 * `@fast-check/vitest`. A failure reports the counterexample, and fast-check
 * prints the `seed` and `path` that replay it.
 *
 * @module
 */
import fc from 'fast-check';
import type { AnyStateMachine } from 'xstate';
import { type Chunked, chunked, chunkings } from './arbitraries.js';
import { canonical, type Outcome, type RunOptions, runChunks } from './outcome.js';

/** Options shared by the laws. */
export interface LawOptions extends RunOptions {
  /**
   * Maps a run's outputs before comparison: streaming protocols whose `chunk`
   * outputs follow the chunking should coalesce them here.
   */
  normalize?: (outputs: unknown[]) => unknown;
}

function describe(o: Outcome, normalize: LawOptions['normalize']): string {
  return canonical({
    outputs: normalize ? normalize(o.outputs) : o.outputs,
    error: o.error,
    hung: o.hung,
  });
}

function sound(o: Outcome, label: string): void {
  if (o.thrown !== undefined) {
    throw new Error(`${label}: threw something that is not a wiremachine error: ${String(o.thrown)}`, {
      cause: o.thrown,
    });
  }
  if (o.hung) throw new Error(`${label}: the driver did not settle within its step budget`);
}

function same(a: Outcome, b: Outcome, labels: [string, string], normalize: LawOptions['normalize']): void {
  sound(a, labels[0]);
  sound(b, labels[1]);
  const x = describe(a, normalize);
  const y = describe(b, normalize);
  if (x !== y) throw new Error(`${labels[0]} and ${labels[1]} differ:\n  ${x}\n  ${y}`);
}

/**
 * Chunk invariance: any chunking of an input gives the same outputs and the
 * same error (code, offset and state) as the whole input at once.
 *
 * @example
 * ```ts
 * fc.assert(chunkInvariance(frameProtocol, fc.uint8Array()), { seed: 1, numRuns: 200 });
 * ```
 */
export function chunkInvariance(machine: AnyStateMachine, inputs: fc.Arbitrary<Uint8Array>, options: LawOptions = {}) {
  return fc.property(chunked(inputs), ({ input, chunks }: Chunked) => {
    same(
      runChunks(machine, [input], options),
      runChunks(machine, chunks, options),
      ['whole input', `${chunks.length} chunks`],
      options.normalize,
    );
  });
}

/** The compiled and xstate executors agree on every output and error, for any chunking. */
export function executorsAgree(machine: AnyStateMachine, inputs: fc.Arbitrary<Uint8Array>, options: LawOptions = {}) {
  return fc.property(chunked(inputs), ({ chunks }: Chunked) => {
    same(
      runChunks(machine, chunks, { ...options, executor: 'compiled' }),
      runChunks(machine, chunks, { ...options, executor: 'xstate' }),
      ['compiled', 'xstate'],
      options.normalize,
    );
  });
}

/**
 * Round trip: parsing what `serialize` wrote, in any chunking, gives back
 * `expected(value)` (by default `[value]`: one output equal to the value).
 */
export function roundTrip<T>(
  machine: AnyStateMachine,
  values: fc.Arbitrary<T>,
  serialize: (value: T) => Uint8Array,
  options: LawOptions & { expected?: (value: T) => unknown[] } = {},
) {
  const expected = options.expected ?? ((v: T) => [v]);
  const cases = values.chain((value) => chunkings(serialize(value)).map((chunks) => ({ value, chunks })));
  return fc.property(cases, ({ value, chunks }) => {
    const o = runChunks(machine, chunks, options);
    sound(o, 'parse');
    if (o.error !== null) throw new Error(`parsing serialized input failed: ${canonical(o.error)}`);
    const got = canonical(options.normalize ? options.normalize(o.outputs) : o.outputs);
    const want = canonical(expected(value));
    if (got !== want) throw new Error(`round trip differs:\n  parsed   ${got}\n  expected ${want}`);
  });
}

/**
 * Typed rejection: any input, valid or not, in any chunking, ends in outputs
 * or one of wiremachine's typed errors: never another exception, never a hang,
 * and never more buffered than `maxBufferSize` (default 1 MiB).
 */
export function typedRejection(machine: AnyStateMachine, inputs: fc.Arbitrary<Uint8Array>, options: LawOptions = {}) {
  const limit = options.maxBufferSize ?? 1024 * 1024;
  return fc.property(chunked(inputs), ({ chunks }: Chunked) => {
    const o = runChunks(machine, chunks, { ...options, maxBufferSize: limit });
    sound(o, 'parse');
    if (o.peakBuffered > limit) throw new Error(`buffered ${o.peakBuffered} bytes, more than ${limit}`);
  });
}

/** What a reference parser says of one input: its outputs (mapped to ours) and whether it rejected it. */
export interface ReferenceResult {
  outputs: unknown[];
  rejected: boolean;
}

/**
 * Differential comparison: the protocol and a reference parser the user
 * supplies accept and reject the same inputs and produce the same outputs
 * (after `normalize` on ours; the reference maps its own).
 */
export function differential(
  machine: AnyStateMachine,
  reference: (input: Uint8Array) => ReferenceResult,
  inputs: fc.Arbitrary<Uint8Array>,
  options: LawOptions = {},
) {
  return fc.property(chunked(inputs), ({ input, chunks }: Chunked) => {
    const o = runChunks(machine, chunks, options);
    sound(o, 'parse');
    const ref = reference(input);
    const ours = canonical({
      outputs: options.normalize ? options.normalize(o.outputs) : o.outputs,
      rejected: o.error !== null,
    });
    const theirs = canonical({ outputs: ref.outputs, rejected: ref.rejected });
    if (ours !== theirs) throw new Error(`differs from the reference:\n  ours   ${ours}\n  theirs ${theirs}`);
  });
}

/**
 * `fc.assert` with a seed from the `WIREMACHINE_SEED` environment variable when
 * set (so a CI failure replays locally), else fast-check's own.
 */
export function checkLaw(property: fc.IProperty<any>, params: fc.Parameters<any> = {}): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const seed = env?.WIREMACHINE_SEED === undefined ? undefined : Number(env.WIREMACHINE_SEED);
  fc.assert(property, seed === undefined ? params : { seed, ...params });
}
