/**
 * `Wire`: one HTTP/1.x machine over one transport, with flow control (the
 * transports' {@link DriverPump}). The server and client connections own one
 * each; they hear every output at once (no queue between parser and
 * connection) and say when to stop, through {@link WireOwner.blocked}:
 * parsing stops and reading pauses until {@link Wire.pump} is called again.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { StreamClosedError, type Transport, type WiremachineError } from '@wiremachine/core';
import type { Http1Machine, Http1Output } from '@wiremachine/protocols/http1';
import { DriverPump, type PumpOwner } from '@wiremachine/transports';

/** @internal What a wire reports to its connection. */
export interface WireOwner {
  /** One output of the machine, in order. */
  output(o: Http1Output): void;
  /** Bytes arrived (before they are parsed). */
  received(): void;
  /** `true` while the connection cannot take more outputs. */
  blocked(): boolean;
  /** The machine failed (a bad message, or the input ended inside one). */
  failed(error: WiremachineError): void;
  /** The machine reached its final state: an upgrade, or a clean end of input. */
  finished(): void;
  /** The input ended; `cause` when the transport failed. Called once, after what was buffered is parsed. */
  inputEnded(cause: unknown): void;
}

const noop = () => {};

/** Reads satisfied between two checks of {@link WireOwner.blocked}. */
const BUDGET = 32;

/**
 * @internal The HTTP side of a {@link DriverPump}: an owner that says when it
 * is blocked, and the write paths of the connection.
 */
export class Wire implements PumpOwner<Http1Output> {
  /** The pump: its driver (status, buffered bytes), whether it is pumping, the end of input, remaining bytes. */
  readonly flow: DriverPump<Http1Output>;
  /** The socket under the transport, when there is one: written to directly. */
  private readonly socket: Socket | undefined;
  /** Bytes handed to a transport without a socket and not yet flushed. */
  private pending = 0;
  private drained: (() => void) | null = null;

  constructor(
    machine: Http1Machine,
    readonly transport: Transport,
    private readonly owner: WireOwner,
    maxBufferSize: number,
  ) {
    this.socket = (transport as { socket?: Socket }).socket;
    this.flow = new DriverPump<Http1Output>(machine, transport, this, { maxBufferSize });
    this.flow.start();
  }

  /** Bytes written and not yet flushed (on a socket: its `writableLength`). */
  get unflushed(): number {
    return this.socket === undefined ? this.pending : this.socket.writableLength;
  }

  /**
   * The least write buffer worth waiting on: a socket says 'drain' only once
   * it held more than its own high-water mark.
   */
  get writeFloor(): number {
    return this.socket?.writableHighWaterMark ?? 0;
  }

  /** Call `then` once, when what was written has been flushed. */
  whenDrained(then: () => void): void {
    if (this.socket !== undefined) this.socket.once('drain', then);
    else if (this.pending === 0) queueMicrotask(then);
    else this.drained = then;
  }

  /**
   * The error to report for a failed machine: when the transport failed (a
   * reset), a `StreamClosedError` whose `cause` is the transport's error (the
   * machine's own "incomplete" is only a consequence of it).
   */
  failure(error: WiremachineError): WiremachineError {
    const cause = this.flow.endCause;
    if (!this.flow.inputClosed || cause === undefined || error instanceof StreamClosedError) return error;
    const p = error as Partial<StreamClosedError>;
    return new StreamClosedError(
      `the connection failed: ${error.message}`,
      new Uint8Array(0),
      { offset: p.offset, state: p.state, excerpt: p.excerpt },
      cause,
    );
  }

  write(data: Uint8Array): Promise<void> {
    const p = this.transport.write(data);
    if (this.socket === undefined) this.count(p, data.length);
    return p;
  }

  private count(p: Promise<void>, n: number): void {
    this.pending += n;
    const settle = () => {
      this.pending -= n;
      const then = this.drained;
      if (this.pending === 0 && then !== null) {
        this.drained = null;
        then();
      }
    };
    p.then(settle, settle);
  }

  /**
   * Send without waiting for the flush: on a socket, straight to it (no
   * callback and no promise: the cost of a small response is its syscall);
   * elsewhere through the transport. A failed write shows as the input's end.
   */
  send(data: Uint8Array | string): void {
    if (this.flow.isClosed) return;
    const socket = this.socket;
    if (socket !== undefined) {
      // A string is latin1 (one char, one byte): Node copies it into the write request without a Buffer.
      if (!socket.destroyed) {
        if (typeof data === 'string') socket.write(data, 'latin1');
        else socket.write(data);
      }
    } else {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
      const p = this.transport.write(bytes);
      p.catch(noop);
      this.count(p, bytes.length);
    }
  }

  close(error?: unknown): void {
    this.flow.close(error);
  }

  /** Parse what the owner has room for, then pause or resume reading. */
  pump(): void {
    this.flow.pump();
  }

  // PumpOwner

  /** @internal */
  output(o: Http1Output): void {
    this.owner.output(o);
  }

  /** @internal */
  room(): number {
    return this.owner.blocked() ? 0 : BUDGET;
  }

  /** @internal */
  received(): void {
    this.owner.received();
  }

  /** @internal */
  stopped(error: WiremachineError | null): void {
    if (error !== null) this.owner.failed(this.failure(error));
    else this.owner.finished();
  }

  /** @internal */
  inputEnded(cause: unknown): void {
    this.owner.inputEnded(cause);
  }
}
