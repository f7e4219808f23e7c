/**
 * The driver: owns the byte buffer, satisfies the machine's reads from it in
 * a loop, and delivers each result as an event.
 *
 * The loop never calls itself: a `feed` made from inside a step (an output
 * handler that writes and gets an answer at once, say) only appends to the
 * buffer, and the running loop picks the bytes up. The stack depth does not
 * depend on how many reads one `feed` satisfies.
 *
 * @module
 */
import type { AnyStateMachine, EmittedFrom, InputFrom, InspectionEvent } from 'xstate';
import { ByteQueue } from './byte-queue.js';
import {
  BufferOverflowError,
  ErrorCode,
  type ErrorPosition,
  MaxBytesError,
  ProtocolError,
  ProtocolFault,
  StreamClosedError,
  WiremachineError,
} from './errors.js';
import { compile } from './machine/compile.js';
import { CompiledExecutor } from './machine/compiled-executor.js';
import type { Executor, ExecutorKind } from './machine/executor.js';
import type { TransitionDef } from './machine/nodes.js';
import { XstateExecutor } from './machine/xstate-executor.js';
import { ReadResult } from './read-result.js';
import type { ReadEvent, ReadRequest } from './reads.js';
import { ReadProgress, satisfy, satisfyUntil } from './satisfy.js';

/** Default {@link DriverOptions.maxBufferSize}: 16 MiB. */
export const DEFAULT_MAX_BUFFER_SIZE = 16 * 1024 * 1024;

const EXCERPT = 32;

/**
 * Steps in a row that consume no byte, whatever they emit, before the machine
 * is called stuck. A machine that emits forever without reading (a loop over
 * `bytes(0)`, or over a read that completes at end of input) is a spin too.
 */
const MAX_EMPTY_STEPS = 1024;

/** Options of {@link createDriver}. */
export interface DriverOptions<TOutput = unknown, TInput = unknown> {
  /** `compiled` (default) runs a flat program; `xstate` runs a real actor. */
  executor?: ExecutorKind;
  /**
   * Compiled executor: run the code generated from the machine (the default;
   * see `source()`), or with `false` the program's closures, which is what
   * runs anyway where `new Function` is forbidden.
   */
  generate?: boolean;
  /** The machine's input. */
  input?: TInput;
  /**
   * The most bytes the driver may hold unread while it waits for more.
   * Beyond it, the driver fails with {@link BufferOverflowError}. Default 16 MiB.
   */
  maxBufferSize?: number;
  /** Receives every output the machine emits, in order. */
  onOutput?: (output: TOutput) => void;
  /**
   * Receives the error that stopped the driver, once. Without it, `feed`,
   * `end` or `run` throws the error instead (once).
   */
  onError?: (error: WiremachineError) => void;
  /** Called once when the machine reaches its top-level final state. */
  onDone?: () => void;
  /**
   * Called after every step with what happened: the state that waited, its
   * read, the event delivered, the bytes consumed and the state after. For
   * tracing and debugging (it costs an object per step when given).
   */
  onStep?: (step: DriverStep) => void;
  /**
   * Compiled executor only: called with each declared transition the machine
   * takes (xstate's transition definition). For coverage; see
   * `@wiremachine/core/testing`.
   */
  onTransition?: (transition: TransitionDef) => void;
  /** xstate executor only: an inspection callback, as `createActor` takes. */
  inspect?: (event: InspectionEvent) => void;
  /**
   * Make each read event unusable once its step is over, so that a machine
   * that keeps an event object (rather than the values taken from it) fails
   * loudly instead of seeing a later read's bytes. The compiled executor
   * reuses one event object for every read; this option gives each read its
   * own and poisons it afterwards. On in `@wiremachine/core/testing`.
   */
  poisonEvents?: boolean;
}

/** One step of the driver, as {@link DriverOptions.onStep} reports it. */
export interface DriverStep {
  /** Stream offset of the first byte the step consumed. */
  readonly offset: number;
  /** The state that waited for the read. */
  readonly from: string;
  /** The read it waited for (`null` for `eof`). */
  readonly read: ReadRequest | null;
  /** The event delivered. */
  readonly event: ReadEvent;
  /** The bytes the step delivered (empty for `done` and `eof`; without the delimiter of a stripped `until`). */
  readonly consumed: Uint8Array;
  /** How many bytes the step consumed from the stream (a stripped delimiter included). */
  readonly length: number;
  /** The state after the transition (`"(done)"` when the machine ended). */
  readonly to: string;
}

/**
 * `running`: reading. `done`: the machine reached its final state (unread
 * bytes are kept for the caller: {@link Driver.remaining}). `failed`: an error
 * stopped it ({@link Driver.error}); it takes no more input.
 */
export type DriverStatus = 'running' | 'done' | 'failed';

/**
 * Runs one protocol machine over one byte stream.
 *
 * Its state is a few fields; these are the combinations that occur, one row
 * each. `read` is the pending read request (`null`: ask the machine for it
 * at the next step). Besides: `running` is true only inside {@link Driver.run},
 * so a callback that feeds the driver again only buffers; `idle` and `empty`
 * count steps that consumed nothing (two that also emitted nothing, or
 * `MAX_EMPTY_STEPS` in all, fail with `NO_PROGRESS`); `readKey` ties a
 * streaming read to the state that asked for it.
 *
 * | row               | `_status` | `ended` | `eofDelivered` | `unreported` | what happens next                                                                 |
 * | ----------------- | --------- | ------- | -------------- | ------------ | --------------------------------------------------------------------------------- |
 * | waiting           | running   | no      | no             | no           | `feed`/`push` buffer bytes; the loop satisfies reads until one needs more        |
 * | draining          | running   | yes     | no             | no           | reads the buffer completes still run; the first that cannot gets `eof`, if handled |
 * | eof taken         | running   | yes     | yes            | no           | the machine took `eof`; a read it then cannot complete fails (`closed()`)         |
 * | done              | done      | either  | either         | no           | the final state was reached; `remaining()` hands over the unread bytes            |
 * | failed, to report | failed    | either  | either         | yes          | `run()` reports `_error` once, after the loop: `onError`, or thrown               |
 * | failed            | failed    | either  | either         | no           | nothing more runs; `remaining()` hands over the unread bytes                      |
 *
 * @example
 * ```ts
 * const driver = createDriver(lineProtocol, { onOutput: (o) => console.log(o) });
 * driver.feed(new TextEncoder().encode('hello\r\nwor'));
 * driver.feed(new TextEncoder().encode('ld\r\n'));
 * driver.end();
 * ```
 */
export class Driver<TOutput = unknown> {
  private readonly queue = new ByteQueue();
  private readonly exec: Executor;
  private readonly progress = new ReadProgress();
  private readonly maxBufferSize: number;
  private readonly onOutput: ((output: TOutput) => void) | undefined;
  private readonly onError: ((error: WiremachineError) => void) | undefined;
  private readonly onDone: (() => void) | undefined;
  private readonly onStep: ((step: DriverStep) => void) | undefined;
  /** The read event reused for every read, or `null` when each read gets its own (xstate, `poisonEvents`). */
  private readonly shared: ReadResult | null;
  private readonly poisonEvents: boolean;
  /** The compiled executor with its generated read loop, where the loop may run (see machine/fast.ts). */
  private readonly fast: CompiledExecutor | null;
  /** The generated read loop is running (errors take their position from the executor). */
  private inFast = false;

  private read: ReadRequest | null = null;
  private readKey: unknown = null;
  private running = false;
  private ended = false;
  private endCause: unknown = undefined;
  private eofDelivered = false;
  private outputs = 0;
  private idle = 0;
  private empty = 0;
  private _status: DriverStatus = 'running';
  private _error: WiremachineError | null = null;
  private unreported = false;

  constructor(machine: AnyStateMachine, options: DriverOptions<TOutput> = {}) {
    const max = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    if (!(max >= 0)) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `maxBufferSize must be >= 0, got ${max}`);
    this.maxBufferSize = max;
    this.onOutput = options.onOutput;
    this.onError = options.onError;
    this.onDone = options.onDone;
    this.onStep = options.onStep;
    const emit = (output: TOutput) => {
      this.outputs++;
      this.onOutput?.(output);
    };
    this.poisonEvents = options.poisonEvents === true;
    // xstate may hold on to an event (an inspector does): it gets a new one each read.
    this.shared = options.executor === 'xstate' || this.poisonEvents ? null : new ReadResult();
    const common = { input: options.input, emit, onTransition: options.onTransition };
    this.exec =
      options.executor === 'xstate'
        ? new XstateExecutor(machine, { ...common, inspect: options.inspect })
        : new CompiledExecutor(compile(machine), { ...common, generate: options.generate });
    // The loop delivers no per-step trace: not with onStep.
    const exec = this.exec;
    this.fast = exec instanceof CompiledExecutor && exec.hasReadLoop() && this.onStep === undefined ? exec : null;
  }

  /** Where the driver stands; see {@link DriverStatus}. */
  get status(): DriverStatus {
    return this._status;
  }

  /** The error that stopped the driver, or `null`. */
  get error(): WiremachineError | null {
    return this._error;
  }

  /** Stream offset of the next unread byte (bytes consumed so far). */
  get offset(): number {
    return this.queue.consumed;
  }

  /** Bytes buffered and not yet read. */
  get buffered(): number {
    return this.queue.length;
  }

  /** The machine's current state, as a dotted path. */
  get state(): string {
    return this.exec.stateName();
  }

  /** The machine's context (for inspection; do not change it). */
  get context(): unknown {
    return this.exec.context();
  }

  /** Bytes examined by delimiter searches so far (a counter of work, for tests and benchmarks). */
  get bytesExamined(): number {
    return this.queue.examined;
  }

  /**
   * Append `chunk` and satisfy every read it makes possible. Returns `false`,
   * taking nothing, when the driver is no longer running (done or failed).
   * The driver keeps a reference to `chunk`: do not reuse its memory.
   */
  feed(chunk: Uint8Array): boolean {
    if (!this.push(chunk)) return false;
    this.run();
    return true;
  }

  /**
   * The input ended, with `error` if the transport failed. Reads the buffer can
   * still satisfy complete first; a state that handles `eof` receives it; the
   * read still pending then fails with {@link StreamClosedError}.
   */
  end(error?: unknown): void {
    if (this.ended || this._status !== 'running') return;
    this.ended = true; // waiting -> draining
    this.endCause = error;
    this.run();
  }

  /** Append `chunk` without running the loop (see {@link Driver.run}). */
  push(chunk: Uint8Array): boolean {
    if (this._status !== 'running' || this.ended) return false;
    this.queue.push(chunk);
    return true;
  }

  /**
   * Run the loop for at most `maxSteps` satisfied reads. Returns `true` when
   * it stopped because of the budget (call again to go on), `false` when it
   * needs more input, ended, or was already running (a nested call).
   */
  run(maxSteps = Number.POSITIVE_INFINITY): boolean {
    if (this.running || this._status !== 'running') return false;
    this.running = true;
    let more: boolean;
    try {
      more = this.loop(maxSteps);
    } finally {
      this.running = false;
    }
    if (this.unreported && this._error !== null) {
      // Reported outside the loop, once: failed, to report -> failed.
      this.unreported = false;
      if (this.onError) this.onError(this._error);
      else throw this._error;
    }
    return more;
  }

  /**
   * Take the bytes no read consumed, once the driver is done or failed (the
   * bytes after an upgrade, say). Throws while the driver is running.
   */
  remaining(): Uint8Array {
    if (this._status === 'running') {
      throw new WiremachineError(ErrorCode.INVALID_STATE, 'remaining() is for a driver that is done or failed');
    }
    return this.queue.takeAll();
  }

  private loop(maxSteps: number): boolean {
    const queue = this.queue;
    const exec = this.exec;
    let steps = 0;
    let start = queue.consumed;
    let event: ReadEvent | null = null;
    try {
      for (;;) {
        let read = this.read;
        if (read === null) {
          const fast = this.fast;
          if (fast !== null) {
            // Reads the first chunk completes, in the machine's generated loop.
            this.inFast = true;
            const n = fast.readLoop(queue, this.shared ?? new ReadResult(), maxSteps - steps, this.poisonEvents);
            this.inFast = false;
            if (n > 0) {
              // Each of them consumed bytes.
              this.idle = 0;
              this.empty = 0;
              steps += n;
              if (steps >= maxSteps) return true;
            }
            if (fast.starved) {
              fast.starved = false;
              // Waiting for input with the read not taken: the next bytes go to the loop first.
              if (!this.ended) return this.wait();
            }
          }
          // A read function may throw: its error is at this step's start, with no event.
          start = queue.consumed;
          event = null;
          read = exec.currentRead();
          if (read === null) return this.finish(); // -> done
          this.read = read;
          // Only reads that keep progress across arrivals need the bookkeeping.
          if (read.kind !== 'bytes') {
            if (read.kind === 'streamBytes' || read.kind === 'streamUntilClose') this.readKey = exec.stateKey();
            this.progress.reset();
            if (fast !== null && (fast.resumeScan >= 0 || fast.measured)) {
              // The loop searched the first chunk for this read's delimiter up to there, or measured it.
              if (read.kind === 'until') {
                if (fast.resumeScan >= 0) this.progress.scan = fast.resumeScan;
                this.progress.measured = fast.measured;
              }
              fast.resumeScan = -1;
              fast.measured = false;
            }
          }
        }
        // An `into` read consumes as the bytes arrive: it started where its first byte was.
        start = read.kind === 'into' ? queue.consumed - this.progress.count : queue.consumed;
        // A transport that failed did not end the data cleanly: reads that
        // complete at the end (untilClose, the end of a stream) do not complete.
        const ev = this.shared ?? new ReadResult();
        // A read whose decoder throws has no event of its own: not the last step's in the error.
        event = null;
        event =
          read.kind === 'until'
            ? satisfyUntil(queue, read, this.progress, ev)
            : satisfy(queue, read, this.progress, this.ended && this.endCause === undefined, ev);
        if (event === null) {
          if (!this.ended) return this.wait(); // waiting (or failed, to report, past maxBufferSize)
          // No more input, and the pending read cannot complete: a state that
          // handles `eof` gets it (once); otherwise the read fails.
          if (this.eofDelivered) return this.closed(); // eof taken -> failed, to report
          this.eofDelivered = true; // draining -> eof taken
          event = { type: 'eof', unread: queue.slice(0, queue.length), error: this.endCause };
        }
        if (event.type !== 'chunk') this.read = null;
        const outputs = this.outputs;
        const from = this.onStep === undefined ? '' : exec.stateName();
        if (!exec.send(event)) {
          if (event.type === 'eof') return this.closed();
          this.fail(
            new ProtocolError(
              ErrorCode.UNHANDLED_READ,
              `state "${exec.stateName()}" has no enabled transition for "${event.type}"`,
              this.position(start, event),
            ),
          );
          return false;
        }
        if (this.read !== null && exec.stateKey() !== this.readKey) this.read = null;
        if (this.onStep !== undefined) this.step(start, from, read, event);
        if (this.poisonEvents && event instanceof ReadResult) event.poison();
        if (queue.consumed !== start) {
          this.idle = 0;
          this.empty = 0;
        } else {
          this.idle = this.outputs === outputs ? this.idle + 1 : 0;
          if (this.idle >= 2 || ++this.empty >= MAX_EMPTY_STEPS) {
            const what =
              this.idle >= 2
                ? 'two steps in a row consumed nothing and produced nothing'
                : `${MAX_EMPTY_STEPS} steps in a row consumed nothing`;
            this.fail(
              new ProtocolError(
                ErrorCode.NO_PROGRESS,
                `state "${exec.stateName()}": ${what}`,
                this.position(start, null),
              ),
            );
            return false;
          }
        }
        if (++steps >= maxSteps) return true;
      }
    } catch (e) {
      if (this.inFast) {
        // Thrown in the generated loop: the step it was in.
        this.inFast = false;
        const fast = this.fast as CompiledExecutor;
        start = fast.stepStart;
        event = fast.stepEvent as ReadEvent | null;
      }
      this.fail(this.toError(e, start, event));
      return false;
    }
  }

  private step(offset: number, from: string, read: ReadRequest, event: ReadEvent): void {
    const consumed = event.type === 'read' || event.type === 'chunk' ? event.data : new Uint8Array(0);
    const to = this.exec.isDone() ? '(done)' : this.exec.stateName();
    (this.onStep as (step: DriverStep) => void)({
      offset,
      from,
      read: event.type === 'eof' ? null : read,
      length: this.queue.consumed - offset,
      event,
      consumed,
      to,
    });
  }

  /** The input ended with a read pending that nothing will complete. */
  private closed(): false {
    const queue = this.queue;
    this.fail(
      new StreamClosedError(
        this.endCause === undefined
          ? `input ended while state "${this.exec.stateName()}" waited for a read`
          : `input failed while state "${this.exec.stateName()}" waited for a read`,
        queue.slice(0, queue.length),
        this.position(queue.consumed, null),
        this.endCause,
      ),
    );
    return false;
  }

  private finish(): false {
    this._status = 'done';
    this.read = null;
    this.onDone?.();
    return false;
  }

  /** Wait for input: nothing of the last step's bytes stays alive through the executor. */
  private wait(): false {
    this.exec.idle?.();
    this.shared?.clear();
    return this.checkBuffer();
  }

  private checkBuffer(): false {
    if (this.queue.length > this.maxBufferSize) {
      this.fail(
        new BufferOverflowError(this.maxBufferSize, this.queue.length, this.position(this.queue.consumed, null)),
      );
    }
    return false;
  }

  private position(offset: number, event: ReadEvent | null): ErrorPosition {
    const data = event !== null && (event.type === 'read' || event.type === 'chunk') ? event.data : null;
    const excerpt =
      data !== null && offset < this.queue.consumed
        ? data.slice(0, EXCERPT)
        : // An `into` read's first bytes are already in its buffer: the excerpt starts at what is unread.
          this.queue.slice(
            Math.max(0, offset - this.queue.consumed),
            Math.max(0, offset - this.queue.consumed) + EXCERPT,
          );
    return { offset, state: this.exec.stateName(), excerpt };
  }

  private toError(e: unknown, start: number, event: ReadEvent | null): WiremachineError {
    const pos = () => this.position(start, event);
    if (e instanceof MaxBytesError) return new MaxBytesError(e.limit, this.position(start, null));
    if (e instanceof ProtocolFault) return new ProtocolError(e.code, e.message, pos());
    if (e instanceof ProtocolError) {
      if (e.offset < 0) Object.assign(e, pos());
      return e;
    }
    if (e instanceof WiremachineError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new ProtocolError(ErrorCode.ACTION_FAILED, `an action or guard threw: ${message}`, pos(), { cause: e });
  }

  private fail(error: WiremachineError): void {
    if (this._status !== 'running') return;
    // -> failed, to report
    this._status = 'failed';
    this._error = error;
    this.unreported = true;
    this.read = null;
  }
}

/**
 * Create a {@link Driver} for a protocol machine. The output type is the
 * machine's emitted events.
 *
 * @example
 * ```ts
 * const driver = createDriver(frameProtocol, { maxBufferSize: 1 << 20, onOutput: handleFrame });
 * socket.on('data', (chunk) => driver.feed(chunk));
 * socket.on('end', () => driver.end());
 * ```
 */
export function createDriver<TMachine extends AnyStateMachine>(
  machine: TMachine,
  options?: DriverOptions<EmittedFrom<TMachine>, InputFrom<TMachine>>,
): Driver<EmittedFrom<TMachine>> {
  return new Driver(machine, options as DriverOptions<EmittedFrom<TMachine>>);
}
