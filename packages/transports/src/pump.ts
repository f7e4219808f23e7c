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
  StreamClosedError,
  type Transport,
  type WiremachineError,
} from '@wiremachine/core';
import type { AnyStateMachine } from 'xstate';
import { nextTurn } from './turn.js';

/** What a {@link DriverPump} reports to, and asks of, its owner. */
export interface PumpOwner<TOutput> {
  /** One output of the machine, in order, as soon as it is parsed. */
  output(output: TOutput): void;
  /** How many more outputs the owner can take now; 0 holds parsing until {@link DriverPump.pump} is called again. */
  room(): number;
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
export interface PumpOptions<TInput = unknown>
  extends Omit<DriverOptions<unknown, TInput>, 'onOutput' | 'onError' | 'onDone'> {
  /** Unparsed bytes at which reading pauses when a turn is cut short by `stepsPerTurn`. Default 0 (it pauses then). */
  highWaterMark?: number;
  /** Satisfied reads between two turns of the event loop. Default: no limit. */
  stepsPerTurn?: number;
}

const noop = () => {};

/** Reads satisfied between two checks of the owner's room, at most (the one such constant). */
const BUDGET = 32;

/** See the module's description. */
export class DriverPump<TOutput = unknown> {
  readonly driver: Driver<TOutput>;
  readonly transport: Transport;
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

  constructor(machine: AnyStateMachine, transport: Transport, owner: PumpOwner<TOutput>, options: PumpOptions = {}) {
    const { highWaterMark, stepsPerTurn, ...driverOptions } = options;
    this.transport = transport;
    this.owner = owner;
    this.highWaterMark = highWaterMark ?? 0;
    this.stepsPerTurn = stepsPerTurn ?? Number.POSITIVE_INFINITY;
    this.driver = createDriver(machine, {
      ...driverOptions,
      onOutput: (o) => owner.output(o as TOutput),
      // Reported once the run that failed is over: see pump().
      onError: noop,
    }) as Driver<TOutput>;
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
    const status = this.driver.status;
    if (status !== 'running') {
      // After the machine's end (an upgrade, say) the bytes belong to the next protocol.
      if (status === 'done') {
        if (this.after === null) this.after = [chunk];
        else this.after.push(chunk);
      }
      return;
    }
    this.owner.received?.();
    this.driver.push(chunk);
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
    if (this.pumping || this.closed) return;
    this.pumping = true;
    const d = this.driver;
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
      // Only a driver that waits for input may see its end: the bytes it holds are parsed first.
      if (starved && this.inputDone && owner.room() > 0) {
        d.end(this.cause);
        failedEnd = this.cause !== undefined;
      }
    } finally {
      this.pumping = false;
    }
    if (d.status !== 'running') {
      this.pause();
      if (!this.stopReported) {
        this.stopReported = true;
        owner.stopped(d.status === 'failed' ? d.error : null, failedEnd);
      }
    } else if (starved || (d.buffered < this.highWaterMark && owner.room() > 0)) {
      this.resume();
    } else {
      this.pause();
    }
    if (this.inputDone && !this.endReported && d.status !== 'running') {
      this.endReported = true;
      owner.inputEnded?.(this.cause);
    }
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
        { offset: d.offset, state: d.state },
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
