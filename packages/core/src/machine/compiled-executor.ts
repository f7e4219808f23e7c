/**
 * Runs a compiled {@link Program}: the default executor.
 *
 * One event is one macrostep, as in xstate: the first enabled transition of
 * the current state (then of its ancestors) is taken, then eventless
 * transitions and done events are settled until the state waits again.
 * Done events wait in a queue and are taken only when no eventless
 * transition is enabled, as xstate's internal queue does. Emitted outputs are
 * delivered when the macrostep completes, as xstate delivers them: a step
 * whose action or guard throws delivers none; a listener that throws does not
 * keep the others from theirs (its error is rethrown once all are delivered).
 *
 * @module
 */
import { type ByteQueue, OFFSET_ZERO } from '../byte-queue.js';
import { ErrorCode, isWiremachineError, ProtocolError, WiremachineError } from '../errors.js';
import { isNoOutput } from '../protocol.js';
import { ReadResult } from '../read-result.js';
import type { ReadEvent, ReadRequest } from '../reads.js';
import { measuredPast } from '../satisfy.js';
import type { ActionArgs, ActionHost, CompiledState, CompiledTransition, DoneEvent, Program } from './compile.js';
import type { Executor, ExecutorOptions } from './executor.js';
import type { FastHost } from './fast.js';
import { type FastLoop, install } from './generate.js';
import type { TransitionDef } from './nodes.js';

/** What `event` is between steps. */
const SETTLED = Object.freeze({ type: 'wiremachine.settled' });

/** Where each event's selector is in a state's generated `select`. */
const KIND = { read: 0, chunk: 1, done: 2, eof: 3 } as const;

/**
 * What the guard of an event's transition throws, as xstate reports it: a
 * wiremachine error as it is, anything else wrapped in an `Error` of its own.
 */
function guardError(e: unknown, eventType: string, state: string): unknown {
  if (isWiremachineError(e)) return e;
  const message = `Unable to evaluate guard in transition for event '${eventType}' in state node '${state}':\n${(e as Error)?.message}`;
  return new Error(message, { cause: e });
}

/** Eventless steps allowed in one macrostep before the machine is called stuck. */
const MAX_MICROSTEPS = 10_000;

export class CompiledExecutor implements Executor, ActionHost, FastHost {
  /** The current atomic (or final) state. Written by the generated read loop too. */
  current: CompiledState;
  /** Run the generated code (see generate.ts) where there is some; else the closures. */
  private readonly gen: boolean;
  done = false;
  /** One argument object, reused for every action and guard of this executor. */
  readonly args: ActionArgs;
  private readonly emit: (output: unknown) => void;
  private readonly onTransition: ((transition: TransitionDef) => void) | undefined;
  /** Outputs of the macrostep under way: the first `npending` slots (the array is reused, never shrunk). */
  private readonly pending: unknown[] = [];
  npending = 0;
  /**
   * The machine's generated read loop, which the driver runs where it may
   * (see fast.ts); `null` without code generation or with `onTransition`.
   */
  private readonly fast: FastLoop | null;
  /** A stream offset (a double from the start: see OFFSET_ZERO). */
  stepStart = OFFSET_ZERO;
  stepEvent: unknown = null;
  pendingRead: ReadRequest | null = null;
  resumeScan = -1;
  measured = false;
  starved = false;
  /** Done events raised in the macrostep under way, not yet taken. */
  private readonly queue: DoneEvent[] = [];
  constructor(program: Program, options: ExecutorOptions & { generate?: boolean }) {
    this.stepStart = 0;
    this.gen = options.generate !== false;
    if (this.gen) install(program);
    this.fast = this.gen && options.onTransition === undefined ? (program.fast ?? null) : null;
    this.emit = options.emit;
    this.onTransition = options.onTransition;
    const context = program.createContext(options.input);
    this.args = { context, event: { type: 'xstate.init', input: options.input }, self: undefined, system: undefined };
    const initial = program.initial;
    this.current = initial.target as CompiledState;
    this.step(initial);
  }

  output(value: unknown): void {
    if (isNoOutput(value)) return;
    this.pending[this.npending++] = value;
  }

  currentRead(): ReadRequest | null {
    if (this.done) return null;
    const s = this.current;
    if (s.read !== null) return s.read;
    if (s.readFn !== null) {
      // The generated read loop may have asked the read function already.
      const read = this.pendingRead ?? s.readFn(this.args);
      this.pendingRead = null;
      if (typeof read !== 'object' || read === null || typeof read.kind !== 'string') {
        throw new WiremachineError(
          ErrorCode.INVALID_ARGUMENT,
          `state "${s.name}": meta.read returned something that is not a read request`,
        );
      }
      return read;
    }
    // A final child whose parent has no onDone: xstate would stay here too.
    throw new WiremachineError(ErrorCode.INVALID_STATE, `state "${s.name}" is final, but the machine did not end`);
  }

  /** Whether the driver may run {@link CompiledExecutor.readLoop}. */
  hasReadLoop(): boolean {
    return this.fast !== null;
  }

  /**
   * Run the machine's generated read loop (see fast.ts) over `queue` for at
   * most `budget` steps; returns how many it took.
   */
  readLoop(queue: ByteQueue, event: ReadResult, budget: number, poison: boolean): number {
    return (this.fast as FastLoop)(this, queue, event, budget, poison);
  }

  stateKey(): unknown {
    return this.current;
  }

  stateName(): string {
    return this.current.name;
  }

  send(event: ReadEvent): boolean {
    this.args.event = event;
    const s = this.current;
    const list = this.listFor(event.type);
    const sel = this.gen ? s.select : undefined;
    let t: CompiledTransition | null;
    if (list.length > 0 && list[0].guard === null) {
      // The first transition is unguarded: nothing to select.
      t = list[0];
    } else if (sel !== undefined) {
      let i: number;
      try {
        i = sel[KIND[event.type]](this.args);
      } catch (e) {
        throw guardError(e, event.type, s.name);
      }
      t = i < 0 ? null : list[i];
    } else {
      t = this.select(list);
    }
    if (t === null) return false;
    this.step(t);
    return true;
  }

  /** The machine waits for input: drop the last event (and the bytes it holds). */
  idle(): void {
    this.args.event = SETTLED;
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

  /** One macrostep: take `t`, settle, then deliver the outputs (none if anything threw). */
  private step(t: CompiledTransition): void {
    try {
      this.take(t);
      this.settleIfNeeded();
    } catch (e) {
      this.abort();
      throw e;
    }
    if (this.npending !== 0) this.deliver();
  }

  abort(): void {
    this.clearPending();
    this.queue.length = 0;
  }

  /**
   * Deliver the macrostep's outputs. Every output is delivered even if a
   * listener throws, as in xstate (which reports such an error
   * asynchronously); here the first one is rethrown once all are delivered.
   * A listener that feeds the driver again does not re-enter this executor
   * (the driver queues the bytes).
   */
  deliver(): void {
    const pending = this.pending;
    if (this.npending === 1) {
      // Most steps emit one output: its listener's error, if any, is simply the step's.
      // (Counted by instructions, the loop below costs a reply of the RESP example 10%.)
      const output = pending[0];
      pending[0] = undefined;
      this.npending = 0;
      this.emit(output);
      return;
    }
    let failed: { error: unknown } | null = null;
    for (let i = 0; i < this.npending; i++) {
      try {
        this.emit(pending[i]);
      } catch (error) {
        failed ??= { error };
      }
    }
    this.clearPending();
    if (failed !== null) throw failed.error;
  }

  land(t: CompiledTransition): void {
    this.enter(t);
    this.settleIfNeeded();
  }

  /** Most steps land in a state that simply waits: settle only after one that does not. */
  private settleIfNeeded(): void {
    if (this.current.always.length > 0 || this.done || this.queue.length > 0) this.settle();
  }

  guardFailed(e: unknown): unknown {
    return guardError(e, 'read', this.current.name);
  }

  renew(event: ReadResult): ReadResult {
    event.poison();
    return new ReadResult();
  }

  badMeasure(n: number, first: number, maxBytes: number): unknown {
    return measuredPast(n, first, maxBytes);
  }

  unhandled(): unknown {
    return new ProtocolError(
      ErrorCode.UNHANDLED_READ,
      `state "${this.current.name}" has no enabled transition for "read"`,
    );
  }

  /** Drop the outputs of the macrostep (without shrinking the array, which costs a call). */
  private clearPending(): void {
    const pending = this.pending;
    for (let i = 0; i < this.npending; i++) pending[i] = undefined;
    this.npending = 0;
  }

  private take(t: CompiledTransition): void {
    if (this.onTransition !== undefined && t.source) this.onTransition(t.source);
    const run = this.gen ? t.run : undefined;
    if (run !== undefined) run(this.args, this);
    else {
      const actions = t.actions;
      for (let i = 0; i < actions.length; i++) actions[i](this.args, this);
    }
    this.enter(t);
  }

  /** Enter the target of `t` (its actions have run): the end of the machine, or a done event queued. */
  private enter(t: CompiledTransition): void {
    const target = t.target;
    if (target === null) return;
    this.current = target;
    if (t.ends) {
      // A top-level final state: the machine is done, and every active state exits.
      this.done = true;
      const exit = target.finalExit;
      for (let i = 0; i < exit.length; i++) exit[i](this.args, this);
    } else if (t.raises !== null) {
      this.queue.push(t.raises);
    }
  }

  /** Eventless transitions, then queued done events, until the machine waits or ends. */
  private settle(): void {
    const queue = this.queue;
    for (let step = 0; step < MAX_MICROSTEPS; step++) {
      if (this.done) {
        queue.length = 0;
        return;
      }
      const s = this.current;
      if (s.always.length > 0) {
        const t =
          this.gen && s.select !== undefined ? (s.always[s.select[4](this.args)] ?? null) : this.select(s.always);
        if (t !== null) {
          this.take(t);
          continue;
        }
      }
      if (queue.length === 0) return;
      const event = queue.shift() as DoneEvent;
      this.args.event = event;
      const list = s.onInternal.get(event.type);
      const t = list === undefined ? null : this.select(list);
      if (t !== null) this.take(t);
    }
    throw new WiremachineError(
      ErrorCode.NO_PROGRESS,
      `state "${this.current.name}": ${MAX_MICROSTEPS} eventless steps without waiting`,
    );
  }
}
