/**
 * `connect`: a protocol machine over a {@link Transport}, with flow control
 * in both directions (a {@link DriverPump} with a queue of outputs).
 *
 * Reading pauses while the consumer is behind (`maxQueuedOutputs` parsed
 * outputs not taken) or while the driver holds `highWaterMark` bytes it has
 * not parsed yet, and resumes when they drain. It never pauses while the
 * machine waits for more bytes than are buffered (a frame longer than the mark,
 * say): that would stall for good, and `maxBufferSize` bounds the buffer then.
 *
 * @module
 */
import {
  concatBytes,
  type Driver,
  type DriverOptions,
  ErrorCode,
  type Transport,
  WiremachineError,
} from '@wiremachine/core';
import type { AnyStateMachine, EmittedFrom, InputFrom } from 'xstate';
import type { Deadline } from './deadline.js';
import { AbortedError, WriteBufferOverflowError } from './errors.js';
import { OutputQueue } from './output-queue.js';
import { DriverPump, type PumpOwner } from './pump.js';

/** Options of {@link connect}. */
export interface ConnectOptions<TInput = unknown>
  extends Omit<DriverOptions<unknown, TInput>, 'onOutput' | 'onError' | 'onDone'> {
  /** Unparsed bytes in the driver at which reading pauses while parsing is held back. Default 64 KiB. */
  highWaterMark?: number;
  /** Parsed outputs not yet taken at which parsing, and then reading, pauses. Default 64. */
  maxQueuedOutputs?: number;
  /** Satisfied reads between two turns of the event loop. Default 1024. */
  stepsPerTurn?: number;
  /** Most bytes written and not yet flushed; a write beyond it rejects with {@link WriteBufferOverflowError}. Default: no limit. */
  maxWriteBufferSize?: number;
  /** Close the transport when the protocol fails. Default `true`; `false` leaves it open to send an error reply. */
  closeOnError?: boolean;
  /** Aborting closes the connection: readers get {@link AbortedError}. */
  signal?: AbortSignal;
}

/** Where a {@link Connection} stands. */
export type ConnectionStatus = 'open' | 'done' | 'failed' | 'closed';

/**
 * A protocol machine running over a transport: an async iterable of the
 * machine's outputs, and the transport's write side.
 *
 * Leaving a `for await` loop early does not close the connection (an upgrade
 * may follow): call {@link Connection.close}.
 *
 * @example
 * ```ts
 * const conn = connect(lineProtocol, await tcpConnect({ host: '127.0.0.1', port }));
 * await conn.write(new TextEncoder().encode('hello\r\n'));
 * for await (const line of conn) console.log(line.text);
 * conn.close();
 * ```
 */
export class Connection<TOutput = unknown> implements AsyncIterable<TOutput>, PumpOwner<TOutput> {
  /** The transport the connection runs over. */
  readonly transport: Transport;
  private readonly pump: DriverPump<TOutput>;
  private readonly driver: Driver<TOutput>;
  private readonly queue: OutputQueue<TOutput>;
  private readonly maxQueued: number;
  private readonly maxWrite: number;
  private readonly closeOnError: boolean;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.close(new AbortedError('the connection', this.signal?.reason));
  private closed = false;
  private unflushed = 0;

  constructor(machine: AnyStateMachine, transport: Transport, options: ConnectOptions = {}) {
    this.transport = transport;
    const highWaterMark = positive('highWaterMark', options.highWaterMark ?? 64 * 1024);
    this.maxQueued = positive('maxQueuedOutputs', options.maxQueuedOutputs ?? 64);
    const stepsPerTurn = positive('stepsPerTurn', options.stepsPerTurn ?? 1024);
    this.maxWrite = options.maxWriteBufferSize ?? Number.POSITIVE_INFINITY;
    if (!(this.maxWrite >= 0)) positive('maxWriteBufferSize', this.maxWrite);
    this.closeOnError = options.closeOnError ?? true;
    this.queue = new OutputQueue<TOutput>(() => this.onTake());
    const { maxQueuedOutputs, maxWriteBufferSize, closeOnError, signal, ...rest } = options;
    this.signal = signal;
    if (signal?.aborted) {
      queueMicrotask(this.onAbort);
    } else {
      signal?.addEventListener('abort', this.onAbort, { once: true });
    }
    this.pump = new DriverPump<TOutput>(machine, transport, this, { ...rest, highWaterMark, stepsPerTurn });
    this.driver = this.pump.driver;
    this.pump.start();
  }

  /** `open` while parsing; `done` when the machine ended; `failed` when it failed; `closed` by {@link Connection.close}. */
  get status(): ConnectionStatus {
    if (this.driver.status === 'done') return 'done';
    if (this.driver.status === 'failed') return 'failed';
    return this.closed ? 'closed' : 'open';
  }

  /** The error that stopped the protocol, or `null`. */
  get error(): WiremachineError | null {
    return this.driver.error;
  }

  /** Bytes received and not yet parsed. */
  get buffered(): number {
    return this.driver.buffered;
  }

  /** Outputs parsed and not yet taken. */
  get queued(): number {
    return this.queue.length;
  }

  /** `true` while reading from the transport is paused by flow control. */
  get isPaused(): boolean {
    return this.pump.isPaused;
  }

  /** Bytes written and not yet flushed. */
  get writableLength(): number {
    return this.unflushed;
  }

  /**
   * The next output, or `null` once the machine ended or the input ended
   * cleanly. Rejects with the protocol's error after the outputs before it.
   * `signal` and `timeout` cancel this read only ({@link AbortedError},
   * {@link TimeoutError}): the output it would have had goes to the next read.
   */
  async read(deadline?: Deadline): Promise<TOutput | null> {
    const r = await this.queue.take(deadline);
    return r.done ? null : r.value;
  }

  [Symbol.asyncIterator](): AsyncIterator<TOutput, undefined> {
    return {
      next: () => this.queue.take(),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /**
   * Send bytes; resolves when the transport has flushed them. Writes keep
   * their order. Rejects with {@link WriteBufferOverflowError}, sending
   * nothing, when the bytes would pass `maxWriteBufferSize`.
   */
  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'write after close()'));
    const size = data.length;
    if (this.unflushed + size > this.maxWrite) {
      return Promise.reject(new WriteBufferOverflowError(this.maxWrite, this.unflushed, size));
    }
    this.unflushed += size;
    const settle = () => {
      this.unflushed -= size;
    };
    const p = this.transport.write(data);
    p.then(settle, settle);
    return p;
  }

  /** Half-close: send nothing more (the peer sees the end of input) and go on reading. */
  end(): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'end() after close()'));
    if (this.transport.end === undefined) {
      return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'this transport cannot half-close'));
    }
    return this.transport.end();
  }

  /**
   * Close the transport (with `error`, abort it). Readers get the outputs
   * already parsed, then the end, or `error` when given.
   */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.pump.close(error);
    this.queue.end(error);
  }

  /**
   * The bytes received that the machine did not read, once it reached its
   * final state: those after an upgrade request, say. Throws while it runs.
   */
  remaining(): Uint8Array {
    if (this.driver.status !== 'done') {
      throw new WiremachineError(ErrorCode.INVALID_STATE, 'remaining() is for a connection whose machine is done');
    }
    const parts = this.pump.remaining();
    return parts.length === 0 ? new Uint8Array(0) : parts.length === 1 ? parts[0] : concatBytes(parts);
  }

  // PumpOwner

  /** @internal */
  output(o: TOutput): void {
    this.queue.push(o);
  }

  /** @internal */
  room(): number {
    return this.maxQueued - this.queue.length;
  }

  /** @internal */
  stopped(error: WiremachineError | null, failedEnd: boolean): void {
    if (error === null) {
      // A machine may accept the end of input between messages, but a failed
      // transport (a reset, a timeout) is not a clean end: readers learn of it.
      this.queue.end(failedEnd ? this.pump.failedInput(null) : undefined);
      return;
    }
    this.queue.end(failedEnd ? this.pump.failedInput(error) : error);
    if (this.closeOnError) this.close();
  }

  private onTake(): void {
    if (this.queue.length <= this.maxQueued >> 1) this.pump.pump();
  }
}

function positive(name: string, value: number): number {
  if (!(value >= 1)) throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${name} must be >= 1, got ${value}`);
  return value;
}

/**
 * Run `machine` over `transport`: see {@link Connection}.
 *
 * @example
 * ```ts
 * const [a, b] = memoryPair();
 * const conn = connect(frameProtocol, b, { maxQueuedOutputs: 16, maxBufferSize: 1 << 20 });
 * await a.write(encodeFrame(payload));
 * const frame = await conn.read({ timeout: 1000 });
 * ```
 */
export function connect<TMachine extends AnyStateMachine>(
  machine: TMachine,
  transport: Transport,
  options?: ConnectOptions<InputFrom<TMachine>>,
): Connection<EmittedFrom<TMachine>> {
  return new Connection<EmittedFrom<TMachine>>(machine, transport, options as ConnectOptions);
}
