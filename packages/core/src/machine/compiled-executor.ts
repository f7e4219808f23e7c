/**
 * Runs a compiled {@link Program}: the default executor.
 *
 * One event is one macrostep, as in xstate: the first enabled transition of
 * the current state (then of its ancestors) is taken, then eventless
 * transitions and done events are settled until the state waits again.
 *
 * @module
 */
import { ErrorCode, WirestateError } from '../errors.js';
import type { ReadEvent, ReadRequest } from '../reads.js';
import type { ActionArgs, ActionHost, CompiledState, CompiledTransition, Program } from './compile.js';
import type { Executor, ExecutorOptions } from './executor.js';

/** Eventless steps allowed in one macrostep before the machine is called stuck. */
const MAX_MICROSTEPS = 10_000;

export class CompiledExecutor implements Executor, ActionHost {
  private current: CompiledState;
  private done = false;
  // One argument object, reused for every action and guard of this executor.
  private readonly args: ActionArgs;
  readonly output: (value: unknown) => void;

  constructor(
    private readonly program: Program,
    options: ExecutorOptions,
  ) {
    this.output = options.emit;
    const context = program.createContext(options.input);
    this.args = { context, event: { type: 'xstate.init', input: options.input }, self: undefined, system: undefined };
    const initial = program.initial;
    this.current = initial.target as CompiledState;
    this.run(initial);
    this.settle();
  }

  currentRead(): ReadRequest | null {
    if (this.done) return null;
    const s = this.current;
    if (s.read !== null) return s.read;
    if (s.readFn !== null) {
      const read = s.readFn(this.args);
      if (typeof read !== 'object' || read === null || typeof read.kind !== 'string') {
        throw new WirestateError(ErrorCode.INVALID_ARGUMENT, `state "${s.name}": meta.read returned something that is not a read request`);
      }
      return read;
    }
    // A final child whose parent has no onDone: xstate would stay here too.
    throw new WirestateError(ErrorCode.INVALID_STATE, `state "${s.name}" is final, but the machine did not end`);
  }

  stateKey(): unknown {
    return this.current;
  }

  stateName(): string {
    return this.current.name;
  }

  send(event: ReadEvent): boolean {
    this.args.event = event;
    const t = this.select(this.listFor(event.type));
    if (t === null) return false;
    this.take(t);
    this.settle();
    return true;
  }

  isDone(): boolean {
    return this.done;
  }

  context(): unknown {
    return this.args.context;
  }

  private listFor(type: ReadEvent['type']): CompiledTransition[] {
    const s = this.current;
    switch (type) {
      case 'read':
        return s.onRead;
      case 'chunk':
        return s.onChunk;
      case 'done':
        return s.onDone;
      case 'eof':
        return s.onEof;
    }
  }

  private select(list: CompiledTransition[]): CompiledTransition | null {
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      if (t.guard === null || t.guard(this.args)) return t;
    }
    return null;
  }

  private take(t: CompiledTransition): void {
    this.run(t);
    if (t.target !== null) this.current = t.target;
  }

  private run(t: CompiledTransition): void {
    const actions = t.actions;
    for (let i = 0; i < actions.length; i++) actions[i](this.args, this);
  }

  /** Eventless transitions and done events, until the machine waits or ends. */
  private settle(): void {
    for (let step = 0; step < MAX_MICROSTEPS; step++) {
      const s = this.current;
      if (s.always.length > 0) {
        const t = this.select(s.always);
        if (t !== null) {
          this.take(t);
          continue;
        }
      }
      if (!s.final) return;
      if (s.top) {
        this.done = true;
        const exit = s.finalExit;
        for (let i = 0; i < exit.length; i++) exit[i](this.args, this);
        return;
      }
      if (s.parentDoneEvent === null) return;
      this.args.event = s.parentDoneEvent;
      const t = this.select(s.onParentDone);
      if (t === null) return;
      this.take(t);
    }
    throw new WirestateError(ErrorCode.NO_PROGRESS, `state "${this.current.name}": ${MAX_MICROSTEPS} eventless steps without waiting`);
  }
}
