/**
 * Runs the machine in a real xstate actor: full xstate semantics, and
 * inspection with xstate's own tools, at xstate's speed (microseconds an event).
 *
 * @module
 */
import { type AnyActor, type AnyStateMachine, type AnyStateNode, createActor, type InspectionEvent } from 'xstate';
import { ErrorCode, isWiremachineError, recentError, WiremachineError } from '../errors.js';
import { isNoOutput } from '../protocol.js';
import type { ReadEvent, ReadRequest } from '../reads.js';
import type { Executor, ExecutorOptions } from './executor.js';
import { activeLeaf, readSpecOf, stateName } from './nodes.js';
import { validateMachine } from './validate.js';

const validated = new WeakSet<AnyStateMachine>();

/** Options of the xstate executor, beyond the common ones. */
export interface XstateExecutorOptions extends ExecutorOptions {
  /** Passed to `createActor` (for the Stately inspector, say). */
  inspect?: (event: InspectionEvent) => void;
}

export class XstateExecutor implements Executor {
  private readonly actor: AnyActor;
  private leaf: AnyStateNode;
  private emitError: { error: unknown } | null = null;
  /** The snapshot after the last microstep of the macrostep under way: where an action or guard that throws was. */
  private micro: { value: unknown } | null = null;

  constructor(
    private readonly machine: AnyStateMachine,
    options: XstateExecutorOptions,
  ) {
    if (!validated.has(machine)) {
      validateMachine(machine);
      validated.add(machine);
    }
    const inspect = options.inspect;
    this.actor = createActor(machine, {
      input: options.input,
      // Each microstep is reported as it completes, before the next one's actions and guards run:
      // an error thrown in an eventless transition is placed in the state that took it, as the
      // compiled executor places it (the snapshot of an actor that failed keeps the state before the event).
      inspect: (event) => {
        if (event.type === '@xstate.microstep' && event.actorRef === this.actor)
          this.micro = event.snapshot as unknown as { value: unknown };
        inspect?.(event);
      },
    });
    this.actor.on('*', (event) => {
      if (isNoOutput(event)) return;
      // xstate delivers emitted events once the macrostep is over: the snapshot is the new one.
      this.leaf = activeLeaf(this.machine, this.actor.getSnapshot().value);
      try {
        options.emit(event);
      } catch (error) {
        // xstate would rethrow it asynchronously; report it from send() instead.
        this.emitError ??= { error };
      }
    });
    // Errors thrown by actions are read off the snapshot after each send;
    // the observer keeps xstate from reporting them as unhandled.
    this.actor.subscribe({ error: () => {} });
    this.actor.start();
    this.leaf = this.check();
  }

  currentRead(): ReadRequest | null {
    if (this.isDone()) return null;
    const spec = readSpecOf(this.leaf);
    if (spec === undefined) {
      throw new WiremachineError(ErrorCode.INVALID_STATE, `state "${stateName(this.leaf)}" waits without a read`);
    }
    if (typeof spec !== 'function') return spec;
    const read = spec({ context: this.actor.getSnapshot().context });
    if (typeof read !== 'object' || read === null || typeof read.kind !== 'string') {
      throw new WiremachineError(
        ErrorCode.INVALID_ARGUMENT,
        `state "${stateName(this.leaf)}": meta.read returned something that is not a read request`,
      );
    }
    return read;
  }

  stateKey(): unknown {
    return this.leaf;
  }

  stateName(): string {
    return stateName(this.leaf);
  }

  send(event: ReadEvent): boolean {
    // Not snapshot.can(): it is false for an enabled transition with neither target nor actions.
    let enabled: readonly unknown[];
    try {
      enabled = this.machine.getTransitionData(this.actor.getSnapshot() as never, event);
    } catch (error) {
      throw unwrapGuardError(error);
    }
    if (enabled.length === 0) return false;
    this.micro = null;
    this.actor.send(event);
    this.leaf = this.check();
    return true;
  }

  isDone(): boolean {
    return this.actor.getSnapshot().status === 'done';
  }

  context(): unknown {
    return this.actor.getSnapshot().context;
  }

  private check(): AnyStateNode {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status === 'error') {
      if (this.micro !== null) this.leaf = activeLeaf(this.machine, this.micro.value);
      throw unwrapGuardError(snapshot.error);
    }
    const failed = this.emitError;
    if (failed !== null) {
      this.emitError = null;
      throw failed.error;
    }
    return activeLeaf(this.machine, snapshot.value);
  }
}

/**
 * xstate wraps what the guard of an event's transition throws in an `Error`
 * of its own ("Unable to evaluate guard ..."). A wiremachine error (a
 * `ProtocolFault` rejecting the input, say) is handed on as it was thrown, so
 * its code is kept, as it is from the guard of an eventless transition.
 */
function unwrapGuardError(error: unknown): unknown {
  if (isWiremachineError(error) || !(error instanceof Error)) return error;
  // xstate's error keeps only the message of what the guard threw: match it to the error made last.
  const original = recentError();
  if (original === null || !error.message.startsWith('Unable to evaluate guard')) return error;
  return error.message.endsWith(`:\n${original.message}`) ? original : error;
}
