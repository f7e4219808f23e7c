/**
 * One run of a protocol over an input, as `parse` and `trace` print it: the
 * steps (offsets counted from the input's first byte, not from a prefix the
 * protocol needs first), the outputs as presented, then an error or a
 * handover. No Node APIs: the inspector's page runs the same code in the
 * browser, so its trace is the command's.
 */
import {
  createDriver,
  type Driver,
  type DriverStep,
  type ExecutorKind,
  type TransitionDef,
  type WiremachineError,
} from '@wiremachine/core';
import type { CliProtocol } from './registry.js';

/** The line `parse` prints for an error. */
export interface ErrorLine {
  type: 'error';
  code: string;
  /** Offset in the input (`null` when the error has none). */
  offset: number | null;
  state: string | null;
  message: string;
}

/** The line `parse` prints where the protocol hands the rest of the input over. */
export interface UpgradeLine {
  type: 'upgrade';
  offset: number;
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  executor?: ExecutorKind;
  maxBufferSize?: number;
  /**
   * Called with each step of the input (not of the prefix), before the
   * outputs it produced; with the transitions it took when `transitions` is
   * set (compiled executor only).
   */
  onStep?: (step: DriverStep, transitions: readonly TransitionDef[]) => void;
  /** Record the transitions each step takes, for `onStep`. */
  transitions?: boolean;
  /** Each output, as the protocol presents it (an HTTP message once it is whole, say). */
  onOutput: (output: unknown) => void;
}

/** How a session ended: an error, a handover, or neither (all input parsed). */
export interface SessionEnd {
  error: ErrorLine | null;
  upgrade: UpgradeLine | null;
  /** The transitions of the step that failed, when `transitions` is set. */
  failedTransitions: readonly TransitionDef[];
}

/** A run of `protocol`: feed it chunks, then end it. */
export interface Session {
  readonly driver: Driver;
  feed(chunk: Uint8Array): void;
  end(): SessionEnd;
}

export function createSession(protocol: CliProtocol, options: SessionOptions): Session {
  let failure: WiremachineError | null = null;
  const traced = options.onStep !== undefined;
  // In a trace, each step is reported before the outputs it produced.
  const held: unknown[] = [];
  const show = protocol.present?.() ?? ((o: unknown) => [o]);
  // Offsets count the input's bytes, not those of a prefix the protocol needs first.
  const skip = protocol.prefix?.length ?? 0;
  let taken: TransitionDef[] = [];
  let endedEarly = false;
  let ending = false;
  const onStep = options.onStep;
  const driver = createDriver(protocol.machine, {
    executor: options.executor,
    input: protocol.input,
    maxBufferSize: options.maxBufferSize,
    onOutput: (o) => {
      for (const shown of show(o)) {
        if (traced) held.push(shown);
        else options.onOutput(shown);
      }
    },
    onError: (e) => {
      failure = e;
    },
    onDone: () => {
      if (!ending) endedEarly = true;
    },
    onStep:
      onStep !== undefined
        ? (s) => {
            const transitions = taken;
            taken = [];
            if (s.offset >= skip) onStep({ ...s, offset: s.offset - skip }, transitions);
            for (const o of held.splice(0)) options.onOutput(o);
          }
        : undefined,
    onTransition: options.transitions ? (t) => taken.push(t) : undefined,
  });
  let rest = 0;
  if (protocol.prefix) driver.feed(protocol.prefix);
  return {
    driver,
    feed(chunk) {
      if (driver.status !== 'running') rest += chunk.length;
      else driver.feed(chunk);
    },
    end() {
      ending = true;
      driver.end();
      // Outputs of a step that failed are not delivered; any others are reported now.
      for (const o of held.splice(0)) options.onOutput(o);
      const e = failure as (WiremachineError & { offset?: number; state?: string }) | null;
      if (e !== null) {
        const offset = e.offset === undefined || e.offset < 0 ? null : Math.max(0, e.offset - skip);
        const error: ErrorLine = { type: 'error', code: e.code, offset, state: e.state ?? null, message: e.message };
        return { error, upgrade: null, failedTransitions: taken };
      }
      // The protocol handed the rest over: bytes it did not read, or (for a protocol that
      // says its end is a handover, as an HTTP upgrade) an end before the input's.
      const offset = driver.offset - skip;
      // (remaining() takes the unread bytes, moving the offset: after it is read.)
      const unread = driver.status === 'done' ? driver.remaining().length + rest : 0;
      const handover = driver.status === 'done' && (unread > 0 || (endedEarly && protocol.handsOver === true));
      return {
        error: null,
        upgrade: handover ? { type: 'upgrade', offset } : null,
        failedTransitions: [],
      };
    },
  };
}
