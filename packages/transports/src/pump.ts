/**
 * `DriverPump`: one protocol machine's driver over one {@link Transport}, with
 * flow control: the loop under {@link connect}, for owners that take each
 * output as it is parsed (an HTTP server's connection, say) instead of
 * through a queue.
 *
 * Parsing runs while the owner has room for outputs, for at most
 * `stepsPerTurn` reads a turn of the event loop. Reading pauses while the
 * owner has no room, or while a turn cut short leaves `highWaterMark`
 * unparsed bytes, and resumes when they drain; it never pauses while the
 * machine waits for more bytes than are buffered (that would stall for good:
 * `maxBufferSize` bounds the buffer then).
 *
 * @module
 */
import {
  createDriver,
  type Driver,
  type DriverOptions,
  nextTurn,
  StreamClosedError,
  type Transport,
  type WiremachineError,
} from '@wiremachine/core';
import type { AnyStateMachine } from 'xstate';

/** What a {@link DriverPump} reports to, and asks of, its owner. */
export interface PumpOwner<TOutput> {
  /** One output of the machine, in order, as soon as it is parsed. */
  output(output: TOutput): void;
  /** How many more outputs the owner can take now; 0 holds parsing until {@link DriverPump.pump} is called again. */
  room(): number;
  /**
   * With a {@link DriverPool}: `true` when the owner is between messages and
   * waits for nothing (an idle keep-alive connection). Asked after each pump;
   * the driver goes back to the pool then, while no byte is buffered.
   */
  atRest?(): boolean;
  /** Bytes arrived (before they are parsed). */
  received?(): void;
  /**
   * Once, when the machine stopped: `error` is `null` when it reached its
   * final state. `failedEnd`: it stopped at the end of input, and the input
   * had failed (a reset, a timeout).
   */
  stopped(error: WiremachineError | null, failedEnd: boolean): void;
  /** Once, after the machine stopped and the input ended; `cause` is the transport's error, if any. */
  inputEnded?(cause: unknown): void;
}

/** Options of {@link DriverPump}. */
export interface PumpOptions<TInput = unknown, TOutput = unknown>
  extends Omit<DriverOptions<unknown, TInput>, 'onOutput' | 'onError' | 'onDone'> {
  /** Unparsed bytes at which reading pauses when a turn is cut short by `stepsPerTurn`. Default 0 (it pauses then). */
  highWaterMark?: number;
  /** Satisfied reads between two turns of the event loop. Default: no limit. */
  stepsPerTurn?: number;
  /** Drivers to borrow while there are bytes to parse, and to give back at rest (see {@link DriverPool}). */
  pool?: DriverPool<TOutput>;
}

/** A driver and the owner its outputs go to now. */
interface Slot<TOutput> {
  readonly driver: Driver<TOutput>;
  owner: PumpOwner<TOutput> | null;
}

/**
 * Drivers of one machine shared by many pumps (the connections of a server):
 * a pump borrows one when bytes arrive and gives it back when its owner is at
 * rest with nothing buffered, so an idle connection holds no parser state at
 * all. `atRest(driver)` says when a driver may pass to another pump (for
 * HTTP/1: waiting for the next head). Stream offsets stay each pump's own.
 *
 * @example
 * ```ts
 * const pool = new DriverPool(machine, (d) => d.state === 'head', { maxBufferSize: 1 << 20 });
 * const pump = new DriverPump(machine, transport, owner, { pool });
 * ```
 */
export class DriverPool<TOutput = unknown> {
  private readonly free: Slot<TOutput>[] = [];
  /** Drivers made so far (free, lent, or dropped). */
  created = 0;

  constructor(
    private readonly machine: AnyStateMachine,
    /** @internal */ readonly atRest: (driver: Driver<TOutput>) => boolean,
    private readonly options: Omit<DriverOptions<unknown>, 'onOutput' | 'onError' | 'onDone'> = {},
    /** Drivers kept free at most; beyond, given-back drivers are dropped. */
    private readonly max = 64,
  ) {}

  /** Drivers free now. */
  get size(): number {
    return this.free.length;
  }

  /** @internal */
  take(owner: PumpOwner<TOutput>): Slot<TOutput> {
    const free = this.free.pop();
    if (free !== undefined) {
      free.owner = owner;
      return free;
    }
    const slot: { driver: Driver<TOutput>; owner: PumpOwner<TOutput> | null } = {
      driver: null as unknown as Driver<TOutput>,
      owner,
    };
    this.created++;
    slot.driver = createDriver(this.machine, {
      ...this.options,
      onOutput: (o) => slot.owner?.output(o as TOutput),
      onError: noop,
    }) as Driver<TOutput>;
    return slot;
  }

  /** @internal */
  give(slot: Slot<TOutput>): void {
    slot.owner = null;
    if (this.free.length < this.max) this.free.push(slot);
  }
}

const noop = () => {};

function shiftOffset(error: WiremachineError, shift: number): void {
  const e = error as { offset?: unknown };
  if (typeof e.offset === 'number' && e.offset >= 0) e.offset -= shift;
}

/** Reads satisfied between two checks of the owner's room, at most (the one such constant). */
const BUDGET = 32;

/**
 * See the module's description.
 *
 * Its state is a few flags; these are the combinations that occur, one row
 * each (`pumping` is only ever true inside {@link DriverPump.pump}, so that an
 * owner's callback calling `pump()` again returns at once, and `scheduled` is
 * true while a later run is queued by `stepsPerTurn`):
 *
 * | row       | closed | inputDone | driver                | paused          | what happens next                                                         |
 * | --------- | ------ | --------- | --------------------- | --------------- | ------------------------------------------------------------------------- |
 * | reading   | no     | no        | running               | no              | bytes arrive (`data`) and are parsed while the owner has room             |
 * | held back | no     | no        | running               | yes             | the owner has no room, or `highWaterMark` bytes wait: `pump()` resumes    |
 * | resting   | no     | no        | none (pool)           | no              | between messages the driver went back to its pool; the next bytes borrow  |
 * | draining  | no     | yes       | running               | (no effect)     | bytes held are parsed first; a starved driver then sees `end(cause)`      |
 * | stopped   | no     | either    | done or failed        | yes, if reading | `owner.stopped` was told once (`stopReported`)                            |
 * | ended     | either | yes       | done or failed        | (no effect)     | `owner.inputEnded` was told once (`endReported`)                          |
 * | closed    | yes    | either    | any                   | any             | nothing more is parsed; arriving bytes are dropped with the connection    |
 */
export class DriverPump<TOutput = unknown> {
  readonly transport: Transport;
  private slot: Slot<TOutput> | null;
  private readonly pool: DriverPool<TOutput> | null;
  /** With a pool: stream offset of this pump's input at which the current driver was taken, less the driver's own. */
  private shift = 0;
  /** With a pool, while no driver is held: bytes parsed so far. */
  private consumed = 0;
  private readonly owner: PumpOwner<TOutput>;
  private readonly highWaterMark: number;
  private readonly stepsPerTurn: number;
  private after: Uint8Array[] | null = null;
  private inputDone = false;
  private cause: unknown = undefined;
  private stopReported = false;
  private endReported = false;
  private pumping = false;
  private scheduled = false;
  private paused = false;
  private closed = false;

  constructor(
    machine: AnyStateMachine,
    transport: Transport,
    owner: PumpOwner<TOutput>,
    options: PumpOptions<unknown, TOutput> = {},
  ) {
    const { highWaterMark, stepsPerTurn, pool, ...driverOptions } = options;
    this.transport = transport;
    this.owner = owner;
    this.highWaterMark = highWaterMark ?? 0;
    this.stepsPerTurn = stepsPerTurn ?? Number.POSITIVE_INFINITY;
    this.pool = pool ?? null;
    // With a pool, a driver is borrowed when the first bytes arrive.
    this.slot =
      this.pool !== null
        ? null
        : {
            driver: createDriver(machine, {
              ...driverOptions,
              onOutput: (o) => owner.output(o as TOutput),
              // Reported once the run that failed is over: see pump().
              onError: noop,
            }) as Driver<TOutput>,
            owner,
          };
  }

  /** The driver (with a pool: borrowed now if none is held). */
  get driver(): Driver<TOutput> {
    return this.take().driver;
  }

  /** Stream offset of the next unparsed byte. */
  get offset(): number {
    return this.slot === null ? this.consumed : this.slot.driver.offset - this.shift;
  }

  /** Bytes received and not parsed yet. */
  get buffered(): number {
    return this.slot === null ? 0 : this.slot.driver.buffered;
  }

  /** The driver's status (`running` while none is held). */
  get status(): Driver<TOutput>['status'] {
    return this.slot === null ? 'running' : this.slot.driver.status;
  }

  private take(): Slot<TOutput> {
    let slot = this.slot;
    if (slot === null) {
      slot = (this.pool as DriverPool<TOutput>).take(this.owner);
      this.shift = slot.driver.offset - this.consumed;
      this.slot = slot;
    }
    return slot;
  }

  /** Give the driver back to the pool: between messages, nothing buffered, nothing pending. */
  private rest(): void {
    const slot = this.slot;
    const pool = this.pool;
    if (slot === null || pool === null || this.closed || this.inputDone) return;
    const d = slot.driver;
    if (d.status !== 'running' || d.buffered > 0 || !pool.atRest(d)) return;
    this.consumed = d.offset - this.shift;
    this.slot = null;
    pool.give(slot);
  }

  /** Start reading: the transport delivers to this pump from now on. Call once, when the owner is ready. */
  start(): void {
    this.transport.start(this);
  }

  /** `true` once {@link DriverPump.close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** `true` while parsing (outputs are being delivered). */
  get isPumping(): boolean {
    return this.pumping;
  }

  /** `true` once the input ended. */
  get inputClosed(): boolean {
    return this.inputDone;
  }

  /** The transport's error when the input failed; `undefined` while it runs or after a clean end. */
  get endCause(): unknown {
    return this.cause;
  }

  /** `true` while reading is paused by flow control. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** @internal The transport's sink: bytes arrived. */
  data(chunk: Uint8Array): void {
    if (this.closed) return;
    const driver = this.take().driver;
    const status = driver.status;
    if (status !== 'running') {
      // After the machine's end (an upgrade, say) the bytes belong to the next protocol.
      if (status === 'done') {
        if (this.after === null) this.after = [chunk];
        else this.after.push(chunk);
      }
      return;
    }
    this.owner.received?.();
    driver.push(chunk);
    this.pump();
  }

  /** @internal The transport's sink: the input ended. */
  end(error: unknown): void {
    if (this.inputDone) return;
    this.inputDone = true;
    this.cause = error;
    this.pump();
  }

  /** Parse what the owner has room for; then decide whether to read on. */
  pump(): void {
    if (this.pumping || this.closed) return; // closed, or a callback inside this very run
    if (this.slot === null) {
      // Resting: no driver held, nothing to parse. Read on; the end of input needs a driver to be seen.
      if (!this.inputDone) {
        this.resume();
        return;
      }
      this.take();
    }
    this.pumping = true;
    const d = (this.slot as Slot<TOutput>).driver;
    const owner = this.owner;
    let starved = false;
    let failedEnd = false;
    try {
      let steps = 0;
      while (d.status === 'running') {
        const room = owner.room();
        if (room <= 0) break;
        if (steps >= this.stepsPerTurn) {
          this.later();
          break;
        }
        const budget = Math.max(1, Math.min(room, BUDGET, this.stepsPerTurn - steps));
        steps += budget;
        if (!d.run(budget)) {
          starved = d.status === 'running';
          break;
        }
      }
      // Draining: only a driver that waits for input may see its end; the bytes it holds are parsed first.
      if (starved && this.inputDone && owner.room() > 0) {
        d.end(this.cause);
        failedEnd = this.cause !== undefined;
      }
    } finally {
      this.pumping = false;
    }
    if (d.status !== 'running') {
      // Stopped.
      this.pause();
      if (!this.stopReported) {
        this.stopReported = true;
        const error = d.status === 'failed' ? d.error : null;
        // A borrowed driver counts from its first use: offsets are made this input's own.
        if (error !== null && this.shift !== 0) shiftOffset(error, this.shift);
        owner.stopped(error, failedEnd);
      }
    } else if (starved || (d.buffered < this.highWaterMark && owner.room() > 0)) {
      this.resume(); // reading
    } else {
      this.pause(); // held back
    }
    if (this.inputDone && !this.endReported && d.status !== 'running') {
      // Ended.
      this.endReported = true;
      owner.inputEnded?.(this.cause);
    }
    if (this.pool !== null && owner.atRest?.() === true) this.rest(); // resting, if the driver is between messages
  }

  /** Close the transport (with `error`, abort it). Nothing is parsed after. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close(error);
  }

  /** The bytes received that the machine did not read (once it is done), with those that came after. */
  remaining(): Uint8Array[] {
    const parts = [this.driver.remaining(), ...(this.after ?? [])];
    this.after = null;
    return parts.filter((p) => p.length > 0);
  }

  /**
   * The error an owner reports when the machine stopped at a failed end of
   * input (`failedEnd`): a {@link StreamClosedError} whose `cause` is the
   * transport's error, whether the machine ended between messages (`error`
   * `null`) or failed at that end. A protocol's own error there
   * (`LINE_TRUNCATED`, say) is a consequence of the failure; its message and
   * position are kept.
   */
  failedInput(error: WiremachineError | null): WiremachineError {
    if (error instanceof StreamClosedError) return error;
    const d = this.driver;
    if (error === null) {
      return new StreamClosedError(
        'the input failed between messages',
        new Uint8Array(0),
        { offset: this.offset, state: d.state },
        this.cause,
      );
    }
    const p = error as Partial<StreamClosedError>;
    return new StreamClosedError(
      `the input failed: ${error.message}`,
      d.remaining(),
      { offset: p.offset, state: p.state, excerpt: p.excerpt },
      this.cause,
    );
  }

  private later(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    nextTurn(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pause(): void {
    if (this.paused || this.inputDone || this.closed) return;
    this.paused = true;
    this.transport.pause?.();
  }

  private resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.transport.resume?.();
  }
}
