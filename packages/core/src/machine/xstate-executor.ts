/**
 * Runs the machine in a real xstate actor: full xstate semantics, and
 * inspection with xstate's own tools, at xstate's speed (microseconds an event).
 *
 * @module
 */
import { type AnyActor, type AnyStateMachine, type AnyStateNode, createActor, type InspectionEvent } from 'xstate';
import { ErrorCode, WiremachineError } from '../errors.js';
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

  constructor(
    private readonly machine: AnyStateMachine,
    options: XstateExecutorOptions,
  ) {
    if (!validated.has(machine)) {
      validateMachine(machine);
      validated.add(machine);
    }
    this.actor = createActor(machine, { input: options.input, inspect: options.inspect });
    this.actor.on('*', (event) => {
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
    if (this.machine.getTransitionData(this.actor.getSnapshot() as never, event).length === 0) return false;
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
    if (snapshot.status === 'error') throw snapshot.error;
    const failed = this.emitError;
    if (failed !== null) {
      this.emitError = null;
      throw failed.error;
    }
    return activeLeaf(this.machine, snapshot.value);
  }
}
