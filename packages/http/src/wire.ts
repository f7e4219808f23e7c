/**
 * `WireConnection`: one HTTP/1.x machine over one transport, with flow
 * control (the transports' {@link DriverPump}) and the write side. The server's
 * connection is one: it takes the pump's outputs itself, as they are parsed
 * (no queue and no relay between parser and connection), and says when to
 * stop through `room()`: parsing stops and reading pauses until `pump()` is
 * called again. The client's connection is one too.
 *
 * Small writes made in one turn go out in one: text sent with `sendNow()` is
 * gathered and written at the end of the turn (pipelined responses: one
 * write for all those answered together).
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { Transport, WiremachineError } from '@wiremachine/core';
import type { Http1Machine, Http1Output } from '@wiremachine/protocols/http1';
import { type DriverPool, DriverPump, type PumpOwner } from '@wiremachine/transports';

const noop = () => {};

/** Text gathered past this is written at once rather than at the end of the turn. */
const GATHER = 64 * 1024;

function endOfTurn(conn: WireConnection): void {
  conn.flush();
  conn.uncork();
}

/** @internal See the module's description. */
export abstract class WireConnection implements PumpOwner<Http1Output> {
  /** The pump: its driver (status, buffered bytes), whether it is pumping, the end of input, remaining bytes. */
  readonly flow: DriverPump<Http1Output>;
  /** The socket under the transport, when there is one: written to directly. */
  private readonly socket: Socket | undefined;
  /** Latin1 text sent in this turn and not yet written (`null`: none). */
  private gathered: string | null = null;
  /** Bytes handed to a transport without a socket and not yet flushed. */
  private pending = 0;
  private afterDrain: (() => void) | null = null;
  /** The end of this turn is scheduled (to write what was gathered, and uncork). */
  private scheduled = false;
  /** The socket is corked until the end of this turn: bytes sent meanwhile go out in one writev. */
  private corked = false;

  constructor(
    machine: Http1Machine,
    readonly transport: Transport,
    maxBufferSize: number,
    pool?: DriverPool<Http1Output>,
  ) {
    this.socket = (transport as { socket?: Socket }).socket;
    this.flow = new DriverPump<Http1Output>(machine, transport, this, {
      maxBufferSize,
      pool,
    });
  }

  abstract output(o: Http1Output): void;
  abstract room(): number;
  abstract stopped(error: WiremachineError | null, failedEnd: boolean): void;

  /** Bytes written and not yet flushed (on a socket: its `writableLength`, and what is gathered). */
  get unflushed(): number {
    const g = this.gathered === null ? 0 : this.gathered.length;
    return g + (this.socket === undefined ? this.pending : this.socket.writableLength);
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
    this.flush();
    if (this.socket !== undefined) this.socket.once('drain', then);
    else if (this.pending === 0) queueMicrotask(then);
    else this.afterDrain = then;
  }

  /** Send bytes; resolves when the transport has flushed them. */
  write(data: Uint8Array): Promise<void> {
    this.flush();
    const p = this.transport.write(data);
    if (this.socket === undefined) this.count(p, data.length);
    return p;
  }

  /**
   * Send without waiting for the flush (no callback and no promise: the cost
   * of a small response is its share of a syscall). Text (latin1: one char,
   * one byte) is gathered while more requests wait to be parsed, and written
   * with the last answer of the batch (or at the end of the turn); bytes go
   * to the socket at once, after it. A failed write shows as the input's end.
   */
  sendNow(data: Uint8Array | string): void {
    if (this.flow.isClosed) return;
    if (typeof data === 'string') {
      const g = this.gathered;
      if (g !== null && g.length + data.length > GATHER) this.flush();
      const text = this.gathered === null ? data : this.gathered + data;
      if (this.flow.buffered === 0 && !this.corked) {
        // Nothing more to parse: no answer follows in this turn, so the batch goes out now.
        this.gathered = text;
        this.flush();
      } else {
        this.gathered = text;
        this.later();
      }
      return;
    }
    this.flush();
    const socket = this.socket;
    if (socket !== undefined) {
      if (socket.destroyed) return;
      if (!this.corked) {
        this.corked = true;
        socket.cork();
        this.later();
      }
      socket.write(data);
    } else {
      const p = this.transport.write(data);
      p.catch(noop);
      this.count(p, data.length);
    }
  }

  private later(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(endOfTurn, this);
  }

  /** @internal The end of the turn: let corked bytes go. */
  uncork(): void {
    this.scheduled = false;
    if (!this.corked) return;
    this.corked = false;
    (this.socket as Socket).uncork();
  }

  /** @internal Write what was gathered. */
  flush(): void {
    const g = this.gathered;
    if (g === null) return;
    this.gathered = null;
    if (this.flow.isClosed) return;
    const socket = this.socket;
    if (socket !== undefined) {
      // Node copies a latin1 string into the write request itself: no Buffer is made.
      if (!socket.destroyed) socket.write(g, 'latin1');
    } else {
      const p = this.transport.write(Buffer.from(g, 'latin1'));
      p.catch(noop);
      this.count(p, g.length);
    }
  }

  /** Close the transport after what was sent (with `error`, abort it). */
  protected closeWire(error?: unknown): void {
    if (error === undefined) this.flush();
    this.flow.close(error);
  }

  /** Parse what there is room for, then pause or resume reading. */
  pump(): void {
    this.flow.pump();
  }

  private count(p: Promise<void>, n: number): void {
    this.pending += n;
    const settle = () => {
      this.pending -= n;
      const then = this.afterDrain;
      if (this.pending === 0 && then !== null) {
        this.afterDrain = null;
        then();
      }
    };
    p.then(settle, settle);
  }
}
