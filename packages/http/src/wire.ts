/**
 * `Wire`: one HTTP/1.x machine over one transport, with flow control. The
 * server and client connections own one each; they hear every output at once
 * (no queue between parser and connection) and say when to stop, through
 * {@link WireOwner.blocked}: parsing stops and reading pauses until
 * {@link Wire.pump} is called again.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { createDriver, type Driver, StreamClosedError, type Transport, type WirestateError } from '@wirestate/core';
import type { Http1Machine, Http1Output } from '@wirestate/protocols/http1';

/** @internal What a wire reports to its connection. */
export interface WireOwner {
  /** One output of the machine, in order. */
  output(o: Http1Output): void;
  /** Bytes arrived (before they are parsed). */
  received(): void;
  /** `true` while the connection cannot take more outputs. */
  blocked(): boolean;
  /** The machine failed (a bad message, or the input ended inside one). */
  failed(error: WirestateError): void;
  /** The machine reached its final state: an upgrade, or a clean end of input. */
  finished(): void;
  /** The input ended; `cause` when the transport failed. Called once, after what was buffered is parsed. */
  inputEnded(cause: unknown): void;
}

const noop = () => {};

/** Reads satisfied between two checks of {@link WireOwner.blocked}. */
const BUDGET = 32;

/** @internal */
export class Wire {
  readonly driver: Driver<Http1Output>;
  private readonly after: Uint8Array[] = [];
  private inputDone = false;
  private endCause: unknown = undefined;
  private endReported = false;
  private stopReported = false;
  private pumping = false;
  private paused = false;
  private closed = false;

  constructor(
    machine: Http1Machine,
    readonly transport: Transport,
    private readonly owner: WireOwner,
    maxBufferSize: number,
  ) {
    this.driver = createDriver(machine, {
      maxBufferSize,
      onOutput: (o) => owner.output(o as Http1Output),
      onError: () => {},
    }) as Driver<Http1Output>;
    transport.start({ data: (c) => this.onData(c), end: (e) => this.onEnd(e) });
  }

  /** `true` once the transport was closed by {@link Wire.close}. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** `true` while the parser runs (outputs are being delivered). */
  get isPumping(): boolean {
    return this.pumping;
  }

  /** `true` once the input ended. */
  get inputClosed(): boolean {
    return this.inputDone;
  }

  /**
   * The error to report for a failed machine: when the transport failed (a
   * reset), a `StreamClosedError` whose `cause` is the transport's error (the
   * machine's own "incomplete" is only a consequence of it).
   */
  failure(error: WirestateError): WirestateError {
    if (!this.inputDone || this.endCause === undefined || error instanceof StreamClosedError) return error;
    const p = error as Partial<StreamClosedError>;
    return new StreamClosedError(
      `the connection failed: ${error.message}`,
      new Uint8Array(0),
      { offset: p.offset, state: p.state, excerpt: p.excerpt },
      this.endCause,
    );
  }

  /** Bytes received after the machine ended, with those it did not read. */
  remaining(): Uint8Array[] {
    const parts = [this.driver.remaining(), ...this.after.splice(0)];
    return parts.filter((p) => p.length > 0);
  }

  write(data: Uint8Array): Promise<void> {
    return this.transport.write(data);
  }

  /**
   * Send without waiting for the flush: on a socket, straight to it (no
   * callback and no promise: the cost of a small response is its syscall);
   * elsewhere through the transport. A failed write shows as the input's end.
   */
  send(data: Uint8Array | string): void {
    const socket = (this.transport as { socket?: Socket }).socket;
    if (socket !== undefined && !this.closed) {
      // A string is latin1 (one char, one byte): Node copies it into the write request without a Buffer.
      if (!socket.destroyed) {
        if (typeof data === 'string') socket.write(data, 'latin1');
        else socket.write(data);
      }
    } else if (!this.closed) {
      this.transport.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data).catch(noop);
    }
  }

  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close(error);
  }

  /** Parse what the owner has room for, then pause or resume reading. */
  pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    const d = this.driver;
    const owner = this.owner;
    let starved = false;
    try {
      while (d.status === 'running' && !owner.blocked()) {
        if (!d.run(BUDGET)) {
          starved = d.status === 'running';
          break;
        }
      }
      if (starved && this.inputDone && !owner.blocked()) d.end(this.endCause);
    } finally {
      this.pumping = false;
    }
    if (d.status !== 'running') {
      this.pause();
      if (!this.stopReported) {
        this.stopReported = true;
        if (d.status === 'failed') owner.failed(this.failure(d.error as WirestateError));
        else owner.finished();
      }
    } else if (starved) {
      this.resume();
    } else {
      this.pause();
    }
    if (this.inputDone && !this.endReported && d.status !== 'running') {
      this.endReported = true;
      owner.inputEnded(this.endCause);
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.driver.status !== 'running') {
      this.after.push(chunk);
      return;
    }
    this.owner.received();
    this.driver.push(chunk);
    this.pump();
  }

  private onEnd(error: unknown): void {
    if (this.inputDone) return;
    this.inputDone = true;
    this.endCause = error;
    this.pump();
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
