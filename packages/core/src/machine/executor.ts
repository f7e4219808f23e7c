/**
 * The interface the driver uses to run a protocol machine, whichever executor
 * runs it.
 *
 * @module
 */
import type { ReadEvent, ReadRequest } from '../reads.js';
import type { TransitionDef } from './nodes.js';

/** Which executor runs the machine. */
export type ExecutorKind = 'compiled' | 'xstate';

export interface Executor {
  /** The read the current state waits for; `null` once the machine is done. */
  currentRead(): ReadRequest | null;
  /** An identity of the current atomic state: a streaming read goes on while it stays the same. */
  stateKey(): unknown;
  /** The current state as a dotted path, for errors and traces. */
  stateName(): string;
  /**
   * Deliver an event. Returns `false` when no transition was enabled (the
   * event was not handled). Throws what the machine's actions throw.
   */
  send(event: ReadEvent): boolean;
  /** `true` once the machine reached a top-level final state. */
  isDone(): boolean;
  /** The machine's context, for inspection. */
  context(): unknown;
  /** The driver waits for input: let go of anything kept from the last step (its event, its bytes). */
  idle?(): void;
}

/** Options every executor takes. */
export interface ExecutorOptions {
  /** The machine's input (passed to a `context` function, as xstate does). */
  input?: unknown;
  /** Called with every event the machine emits, in order. */
  emit: (output: any) => void;
  /** Compiled executor only: called with each declared transition taken (for coverage). */
  onTransition?: (transition: TransitionDef) => void;
}
