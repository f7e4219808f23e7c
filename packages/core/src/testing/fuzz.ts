/**
 * A coverage-guided fuzzer for protocol machines. Two signals guide it:
 * - the machine's own transition coverage (which declared transitions an
 *   input takes, and about how often, in AFL-style buckets) plus the error it
 *   ends with;
 * - code coverage, when modules were instrumented (see
 *   `@wiremachine/core/testing/instrument`): which branch arms of the guards,
 *   actions and scanners an input takes, and functions it calls, in the same
 *   buckets.
 * An input that shows something new in either joins the corpus and is
 * mutated further. Mutations include tokens: the machine's `until`
 * delimiters, literals of its guards and actions, literals of instrumented
 * modules, and a dictionary the caller gives.
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
import { CodeCounters, type CodeCoverage } from './code-coverage.js';
import { declaredTransitions } from './coverage.js';
import { latin1Bytes, machineTokens } from './dictionary.js';

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
  /**
   * Use the counters of instrumented modules as a second signal (default
   * `true`; it has effect only when some modules were instrumented).
   */
  codeCoverage?: boolean;
  /** Which instrumented files count, by path (default: all). */
  codeFiles?: (file: string) => boolean;
  /** More mutation tokens (strings as latin1), as libFuzzer's `-dict`. */
  dictionary?: ReadonlyArray<Uint8Array | string>;
  /**
   * Take tokens from the machine and from instrumented modules (default
   * `true`); `false` keeps only `dictionary`.
   */
  machineDictionary?: boolean;
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
  /** `state --event#index--> target` of each declared transition never taken. */
  missed: string[];
  /**
   * Distinct coverage features seen: transition × hit bucket, error codes,
   * and with code coverage branch arm × hit bucket and function × hit bucket.
   */
  features: number;
  /**
   * Branch arms taken, of the instrumented files this run reached, by file;
   * `null` without code coverage (nothing instrumented, or turned off).
   */
  code: CodeCoverage | null;
  /** Mutation tokens in use. */
  tokens: number;
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
  tokens: readonly Uint8Array[],
  rand: (n: number) => number,
  maxLength: number,
): Uint8Array {
  let bytes = Array.from(input);
  const edits = 1 + rand(4);
  for (let e = 0; e < edits; e++) {
    const at = rand(bytes.length + 1);
    const op = rand(tokens.length > 0 ? 10 : 7);
    if (op >= 7) {
      const token = tokens[rand(tokens.length)];
      // Insert a token (twice as often), or write it over the bytes there.
      if (op < 9) bytes.splice(at, 0, ...token);
      else bytes.splice(at, token.length, ...token);
      continue;
    }
    switch (op) {
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
 * A corpus entry to mutate: half the time one of the 16 newest (what found
 * something new lately is where the next find is likeliest), else any.
 */
function pick(corpus: readonly Uint8Array[], rand: (n: number) => number): Uint8Array {
  const n = corpus.length;
  return rand(2) === 0 ? corpus[n - 1 - rand(Math.min(n, 16))] : corpus[rand(n)];
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
  // One bit per hit bucket seen, per transition, branch arm and function.
  const transitionBuckets = new Uint16Array(declared.length);
  const code = options.codeCoverage === false ? null : new CodeCounters(options.codeFiles);
  const counters = code !== null && code.arms + code.functions > 0 ? code : null;
  const armBuckets = new Uint16Array(counters?.arms ?? 0);
  const armEverHit = new Uint8Array(counters?.arms ?? 0);
  const fnBuckets = new Uint16Array(counters?.functions ?? 0);
  const errorCodes = new Set<string>();
  let features = 0;
  let fresh = false;
  const onArm = (g: number, hits: number) => {
    armEverHit[g] = 1;
    const bit = 1 << bucket(hits);
    if ((armBuckets[g] & bit) === 0) {
      armBuckets[g] |= bit;
      features++;
      fresh = true;
    }
  };
  const onFunction = (g: number, hits: number) => {
    const bit = 1 << bucket(hits);
    if ((fnBuckets[g] & bit) === 0) {
      fnBuckets[g] |= bit;
      features++;
      fresh = true;
    }
  };
  // Set once the seeds have run: the instrumented modules' literals count only for the files the seeds reached.
  let tokens: Uint8Array[] | null = null;
  const tokensNow = () => {
    tokens ??= dictionary(machine, options, counters, armEverHit);
    return tokens;
  };
  const corpus: Uint8Array[] = options.seeds.length > 0 ? [...options.seeds] : [new Uint8Array(0)];
  const crashes: FuzzCrash[] = [];
  const seenCrash = new Set<string>();
  const report = (runs: number): FuzzReport => ({
    runs,
    corpus: corpus.length,
    covered: everHit.reduce((n, h) => n + h, 0),
    total: declared.length,
    missed: declared
      .filter((_, i) => everHit[i] === 0)
      .map(({ label: t }) => `${t.state} --${t.event || '(always)'}#${t.index}--> ${t.target ?? '(self)'}`),
    features,
    code: counters === null ? null : counters.coverage(armEverHit),
    tokens: tokensNow().length,
    crashes,
  });

  for (let run = 0; run < options.runs; run++) {
    const input =
      run < options.seeds.length
        ? options.seeds[run]
        : mutate(pick(corpus, rand), corpus, tokensNow(), rand, maxLength);
    const how = rand(4);
    const chunks = how === 0 ? [input] : how === 1 ? oneByteChunks(input) : cut(input, [rand(64), rand(64), rand(512)]);
    counts.fill(0);
    counters?.reset();
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
    } catch (e) {
      problem =
        isWiremachineError(e) && problem === null
          ? null
          : `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
    // Read the counters before the check runs: its code is not the input's.
    fresh = false;
    counters?.scan(onArm, onFunction);
    if (problem === null && options.check) {
      try {
        options.check(input, outputs, error);
      } catch (e) {
        problem = `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      }
    }
    if (problem !== null) {
      if (!seenCrash.has(problem)) {
        seenCrash.add(problem);
        crashes.push({ input, chunks: chunks.map((c) => c.length), message: problem });
      }
      continue;
    }
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      everHit[i] = 1;
      const bit = 1 << bucket(counts[i]);
      if ((transitionBuckets[i] & bit) === 0) {
        transitionBuckets[i] |= bit;
        features++;
        fresh = true;
      }
    }
    const errorCode = (error as WiremachineError | null)?.code;
    if (errorCode !== undefined && !errorCodes.has(errorCode)) {
      errorCodes.add(errorCode);
      features++;
      fresh = true;
    }
    if (fresh && run >= options.seeds.length) corpus.push(input);
    const every = options.progressEvery ?? 10_000;
    if (options.onProgress && (run + 1) % every === 0) options.onProgress(report(run + 1));
  }
  return report(options.runs);
}

/**
 * The mutation tokens of a run, without repeats: the caller's, the machine's, and those of the instrumented
 * modules that the seeds reached (`reached`: one byte per branch arm).
 */
function dictionary(
  machine: AnyStateMachine,
  options: FuzzOptions,
  counters: CodeCounters | null,
  reached: Uint8Array,
): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  const add = (t: Uint8Array | null) => {
    if (t === null || t.length === 0) return;
    const key = t.join(',');
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  };
  for (const t of options.dictionary ?? []) add(typeof t === 'string' ? latin1Bytes(t) : t);
  if (options.machineDictionary !== false) {
    for (const t of machineTokens(machine)) add(t);
    for (const t of counters?.tokens(reached) ?? []) add(Uint8Array.from(t));
  }
  return out;
}
