/**
 * A coverage-guided fuzzer for protocol machines. The signal is the machine's
 * own transition coverage (which declared transitions an input takes, and
 * about how often, in AFL-style buckets) plus the error it ends with: an input
 * that shows something new joins the corpus and is mutated further.
 *
 * A crash is anything {@link typedRejection} forbids: an exception that is not
 * a wiremachine error, a run that does not settle, more buffered than the limit,
 * or a failed `check`.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';
import { Driver } from '../driver.js';
import { isWiremachineError, type WiremachineError } from '../errors.js';
import type { TransitionDef } from '../machine/nodes.js';
import { cut, oneByteChunks } from './arbitraries.js';
import { declaredTransitions } from './coverage.js';

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** Starting inputs: valid messages of the protocol, a few invalid ones. */
  seeds: readonly Uint8Array[];
  /** Inputs to run. */
  runs: number;
  /** Seed of the mutation generator: the same seed gives the same run. Default 1. */
  seed?: number;
  /** Limit on buffered bytes, enforced by the driver and checked. Default 64 KiB. */
  maxBufferSize?: number;
  /** Longest input to make. Default 4096. */
  maxLength?: number;
  /** Steps allowed per chunk before a run counts as hung. Default 100,000. */
  maxSteps?: number;
  /** The machine's input. */
  input?: unknown;
  /** Extra property of one run's outputs and error: throw to report a crash. */
  check?: (input: Uint8Array, outputs: unknown[], error: WiremachineError | null) => void;
  /** Called every `progressEvery` runs (default 10,000) with the report so far. */
  onProgress?: (report: FuzzReport) => void;
  progressEvery?: number;
}

/** One crash: the input and what went wrong. */
export interface FuzzCrash {
  input: Uint8Array;
  /** How the input was cut into chunks when it failed. */
  chunks: number[];
  message: string;
}

/** What a fuzzing run did. */
export interface FuzzReport {
  runs: number;
  corpus: number;
  /** Declared transitions taken at least once, and how many there are. */
  covered: number;
  total: number;
  /** Distinct coverage features seen (transition × hit bucket, and error codes). */
  features: number;
  crashes: FuzzCrash[];
}

const INTERESTING = [0x00, 0x0a, 0x0d, 0x20, 0x30, 0x39, 0x3a, 0x7f, 0x80, 0xff];

/** xorshift32: small, fast and replayable. */
function generator(seed: number): (n: number) => number {
  let s = seed | 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

function bucket(hits: number): number {
  if (hits <= 3) return hits;
  if (hits < 8) return 4;
  if (hits < 16) return 5;
  if (hits < 32) return 6;
  return hits < 128 ? 7 : 8;
}

function mutate(
  input: Uint8Array,
  corpus: readonly Uint8Array[],
  rand: (n: number) => number,
  maxLength: number,
): Uint8Array {
  let bytes = Array.from(input);
  const edits = 1 + rand(4);
  for (let e = 0; e < edits; e++) {
    const at = rand(bytes.length + 1);
    switch (rand(7)) {
      case 0:
        if (at < bytes.length) bytes[at] = rand(256);
        break;
      case 1:
        if (at < bytes.length) bytes[at] ^= 1 << rand(8);
        break;
      case 2:
        bytes.splice(at, 0, INTERESTING[rand(INTERESTING.length)]);
        break;
      case 3:
        bytes.splice(at, 1 + rand(4));
        break;
      case 4:
        bytes.splice(at, 0, ...bytes.slice(at, at + 1 + rand(32)));
        break;
      case 5: {
        const other = corpus[rand(corpus.length)];
        const from = rand(other.length + 1);
        bytes.splice(at, 0, ...other.subarray(from, from + 1 + rand(64)));
        break;
      }
      default:
        bytes = bytes.slice(0, at);
    }
  }
  return Uint8Array.from(bytes.length > maxLength ? bytes.slice(0, maxLength) : bytes);
}

/**
 * Fuzz `machine` for `runs` inputs, guided by its transition coverage.
 *
 * @example
 * ```ts
 * const report = fuzz(frameProtocol, { seeds: [encodeFrame(payload)], runs: 100_000, seed: 7 });
 * if (report.crashes.length > 0) throw new Error(report.crashes[0].message);
 * ```
 */
export function fuzz(machine: AnyStateMachine, options: FuzzOptions): FuzzReport {
  const rand = generator(options.seed ?? 1);
  const limit = options.maxBufferSize ?? 64 * 1024;
  const maxLength = options.maxLength ?? 4096;
  const budget = options.maxSteps ?? 100_000;
  const declared = declaredTransitions(machine);
  const index = new Map<TransitionDef, number>(declared.map((d, i) => [d.def, i]));
  const counts = new Int32Array(declared.length);
  const everHit = new Uint8Array(declared.length);
  const features = new Set<number | string>();
  const corpus: Uint8Array[] = options.seeds.length > 0 ? [...options.seeds] : [new Uint8Array(0)];
  const crashes: FuzzCrash[] = [];
  const seenCrash = new Set<string>();
  const report = (runs: number): FuzzReport => ({
    runs,
    corpus: corpus.length,
    covered: everHit.reduce((n, h) => n + h, 0),
    total: declared.length,
    features: features.size,
    crashes,
  });

  for (let run = 0; run < options.runs; run++) {
    const input =
      run < options.seeds.length ? options.seeds[run] : mutate(corpus[rand(corpus.length)], corpus, rand, maxLength);
    const how = rand(4);
    const chunks = how === 0 ? [input] : how === 1 ? oneByteChunks(input) : cut(input, [rand(64), rand(64), rand(512)]);
    counts.fill(0);
    const outputs: unknown[] = [];
    let error: WiremachineError | null = null;
    let problem: string | null = null;
    try {
      const driver = new Driver(machine, {
        input: options.input,
        maxBufferSize: limit,
        onOutput: (o) => outputs.push(o),
        onError: (e) => {
          error = e;
        },
        onTransition: (def) => {
          const i = index.get(def);
          if (i !== undefined) counts[i]++;
        },
      });
      for (const chunk of chunks) {
        if (!driver.push(chunk)) break;
        if (driver.run(budget)) {
          problem = `the driver did not settle within ${budget} steps`;
          break;
        }
        // A driver that failed keeps what it was given, for the caller; one still running must stay in bounds.
        if (driver.status === 'running' && driver.buffered > limit) {
          problem = `buffered ${driver.buffered} bytes, more than ${limit}, and still running`;
        }
      }
      if (problem === null) driver.end();
      if (problem === null && options.check) options.check(input, outputs, error);
    } catch (e) {
      problem =
        isWiremachineError(e) && problem === null
          ? null
          : `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
    if (problem !== null) {
      if (!seenCrash.has(problem)) {
        seenCrash.add(problem);
        crashes.push({ input, chunks: chunks.map((c) => c.length), message: problem });
      }
      continue;
    }
    let fresh = false;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      everHit[i] = 1;
      const feature = i * 16 + bucket(counts[i]);
      if (!features.has(feature)) {
        features.add(feature);
        fresh = true;
      }
    }
    const code = (error as WiremachineError | null)?.code;
    if (code !== undefined && !features.has(code)) {
      features.add(code);
      fresh = true;
    }
    if (fresh && run >= options.seeds.length) corpus.push(input);
    const every = options.progressEvery ?? 10_000;
    if (options.onProgress && (run + 1) % every === 0) options.onProgress(report(run + 1));
  }
  return report(options.runs);
}
