/**
 * Running a protocol over a list of chunks and recording what came out, in a
 * form two runs can be compared by.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';
import { Driver } from '../driver.js';
import { isWiremachineError, type WiremachineError } from '../errors.js';
import type { ExecutorKind } from '../machine/executor.js';

/** What one run produced. */
export interface Outcome {
  /** Every output, in order. */
  outputs: unknown[];
  /** The driver's error, reduced to what must not depend on chunking: code, offset, state. */
  error: { code: string; offset: number; state: string } | null;
  /** Anything thrown that is not a wiremachine error: always a defect. */
  thrown: unknown;
  /** `true` when the loop still had work after the step budget: a hang. */
  hung: boolean;
  /** Most bytes the driver held unread at once. */
  peakBuffered: number;
}

/** Options of {@link runChunks}. */
export interface RunOptions {
  executor?: ExecutorKind;
  input?: unknown;
  /** Default 1 MiB, so that a runaway buffer shows quickly. */
  maxBufferSize?: number;
  /** Steps allowed per chunk before the run counts as hung. Default 1,000,000. */
  maxSteps?: number;
  /** End the input after the last chunk (default `true`). */
  end?: boolean;
}

/** Feed `chunks` to a fresh driver and record the outcome. Never throws. */
export function runChunks(machine: AnyStateMachine, chunks: readonly Uint8Array[], options: RunOptions = {}): Outcome {
  const outcome: Outcome = { outputs: [], error: null, thrown: undefined, hung: false, peakBuffered: 0 };
  const budget = options.maxSteps ?? 1_000_000;
  let failure: WiremachineError | null = null;
  try {
    const driver = new Driver(machine, {
      executor: options.executor,
      input: options.input,
      maxBufferSize: options.maxBufferSize ?? 1024 * 1024,
      // A machine that keeps a read event past its step fails here, not in production.
      poisonEvents: true,
      onOutput: (o) => outcome.outputs.push(o),
      onError: (e) => {
        failure = e;
      },
    });
    for (const chunk of chunks) {
      if (!driver.push(chunk)) break;
      if (driver.run(budget)) {
        outcome.hung = true;
        return outcome;
      }
      // Only a running driver is bounded: a failed one keeps what it was given, for the caller.
      if (driver.status === 'running') outcome.peakBuffered = Math.max(outcome.peakBuffered, driver.buffered);
    }
    if (options.end !== false) driver.end();
  } catch (e) {
    if (isWiremachineError(e)) failure = e;
    else outcome.thrown = e;
  }
  const f = failure as (WiremachineError & { offset?: number; state?: string }) | null;
  if (f !== null) outcome.error = { code: f.code, offset: f.offset ?? -1, state: f.state ?? '' };
  return outcome;
}

/**
 * A canonical text of any value, for printing outcomes: byte arrays become
 * `bytes:<hex>`, bigints `bigint:<n>`, map and object keys keep their order
 * (so two equal values may print differently: compare with
 * `difference` or `equivalent`, which ignore key order).
 */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v instanceof Uint8Array) return `bytes:${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    if (typeof v === 'bigint') return `bigint:${v}`;
    if (v instanceof Map) return { map: [...v.entries()] };
    return v;
  });
}
