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
import { difference } from './equal.js';
import { canonical, type Outcome, type RunOptions, runChunks } from './outcome.js';

/** Options shared by the laws. */
export interface LawOptions extends RunOptions {
  /**
   * Maps a run's outputs before comparison: streaming protocols whose `chunk`
   * outputs follow the chunking should coalesce them here.
   */
  normalize?: (outputs: unknown[]) => unknown;
}

/** What two runs are compared by: outputs (normalized), error (code, offset, state) and whether it hung. */
function comparable(o: Outcome, normalize: LawOptions['normalize']): unknown {
  return { outputs: normalize ? normalize(o.outputs) : o.outputs, error: o.error, hung: o.hung };
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
  const x = comparable(a, normalize);
  const y = comparable(b, normalize);
  const d = difference(x, y);
  if (d !== null) {
    throw new Error(`${labels[0]} and ${labels[1]} differ at ${d}\n  ${canonical(x)}\n  ${canonical(y)}`);
  }
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
    const got = options.normalize ? options.normalize(o.outputs) : o.outputs;
    const want = expected(value);
    const d = difference(got, want, 'outputs');
    if (d !== null) {
      throw new Error(`round trip differs at ${d}:\n  parsed   ${canonical(got)}\n  expected ${canonical(want)}`);
    }
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
    const ours = { outputs: options.normalize ? options.normalize(o.outputs) : o.outputs, rejected: o.error !== null };
    const theirs = { outputs: ref.outputs, rejected: ref.rejected };
    const d = difference(ours, theirs);
    if (d !== null) {
      throw new Error(
        `differs from the reference at ${d}:\n  ours   ${canonical(ours)}\n  theirs ${canonical(theirs)}`,
      );
    }
  });
}

/** Options of {@link checkLaw}. */
export interface CheckLawOptions {
  /** Where the seed line goes. Default: `console.error`. */
  log?: (line: string) => void;
  /** The environment to read `WIREMACHINE_SEED` from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * `fc.assert` with a seed that can be replayed and varied from outside.
 *
 * - `WIREMACHINE_SEED`, when set in the environment, wins over the `seed` of
 *   `params` (and then the `path` of `params`, which belongs to that other
 *   seed, is dropped), and the seed is printed: `checkLaw: seed 7 from
 *   WIREMACHINE_SEED (params gave 42)`. So a CI run that varies the seed varies
 *   it everywhere, and a failure replays locally with the same variable.
 * - Otherwise the `seed` of `params` is used, or a random one.
 * - On failure the error names the seed used and where it came from, beside
 *   fast-check's own `seed` and `path`.
 *
 * @example
 * ```ts
 * checkLaw(chunkInvariance(frames, streams), { seed: 42, numRuns: 200 }); // WIREMACHINE_SEED=7 runs seed 7
 * ```
 */
export function checkLaw(
  property: fc.IProperty<any>,
  params: fc.Parameters<any> = {},
  options: CheckLawOptions = {},
): void {
  const env = options.env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const log = options.log ?? ((line: string) => console.error(line));
  const raw = env?.WIREMACHINE_SEED;
  let seed: number;
  let from: string;
  let run: fc.Parameters<any> = params;
  if (raw !== undefined && raw.trim() !== '') {
    seed = Number(raw);
    if (!Number.isSafeInteger(seed)) throw new Error(`WIREMACHINE_SEED must be an integer, got "${raw}"`);
    seed |= 0;
    from = 'WIREMACHINE_SEED';
    const { path: _path, ...rest } = params;
    run = params.seed === seed ? params : rest;
    log(
      `checkLaw: seed ${seed} from WIREMACHINE_SEED${params.seed === undefined ? '' : ` (params gave ${params.seed})`}`,
    );
  } else if (params.seed !== undefined) {
    seed = params.seed;
    from = 'params';
  } else {
    seed = (Date.now() ^ (Math.random() * 0x100000000)) | 0;
    from = 'chosen at random';
  }
  try {
    fc.assert(property, { ...run, seed });
  } catch (e) {
    if (e instanceof Error) {
      e.message = `checkLaw: seed ${seed} (${from}; WIREMACHINE_SEED=${seed} replays it)\n${e.message}`;
    }
    throw e;
  }
}
