/**
 * A {@link Transport} over Node streams: any `Duplex` (a socket, a TLS
 * socket), or a `Readable` and a `Writable` (stdin and stdout, a child's
 * stdout and stdin).
 *
 * Errors never go unheard: an `error` listener is attached from the start, a
 * failed read side ends the input with the stream's own error (a reset is an
 * `ECONNRESET`), and a failed write rejects with {@link TransportError}
 * (`cause`: the stream's error).
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import { ErrorCode, type Transport, type TransportSink, WiremachineError } from '@wiremachine/core';
import { checkTimeout } from '../deadline.js';
import { TimeoutError, TransportError } from '../errors.js';

/** Options of the Node stream transports. */
export interface StreamTransportOptions {
  /**
   * Milliseconds without a byte received or a write made, after which the
   * transport is destroyed and its input ends with {@link TimeoutError}
   * (`phase: 'idle'`). Default: none.
   */
  idleTimeout?: number;
}

/** @internal What a transport needs beyond the streams: how a clean end is judged. */
export interface StreamTransportHooks {
  /** At a clean end of the read side: the error to end with instead, if any (a child's exit code, say). */
  endCause?: () => Promise<unknown>;
  /** Called by `close(error)` after the streams are destroyed. */
  abort?: (error: unknown) => void;
}

const view = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * The transport a stream belongs to. The listeners below are shared by every
 * transport (an emitter calls them with itself as `this`): a connection costs
 * no closure of its own for them.
 */
const OWNER = Symbol('wiremachine.streamTransport');
type Owned = { [OWNER]?: StreamTransport };
const ownerOf = (stream: unknown) => (stream as Owned)[OWNER] as StreamTransport;

function onData(this: Readable, chunk: Uint8Array): void {
  ownerOf(this).onData(chunk);
}
function onReadEnd(this: Readable): void {
  ownerOf(this).onReadEnd();
}
function onReadError(this: Readable, error: unknown): void {
  ownerOf(this).onReadError(error);
}
function onWriteError(this: Writable, error: unknown): void {
  ownerOf(this).onWriteError(error);
}
function onReadClose(this: Readable): void {
  ownerOf(this).onReadClose();
}

/** @internal Take what a paused readable holds in its buffer, without waiting. */
export function drain(readable: Readable): Uint8Array[] {
  const held: Uint8Array[] = [];
  for (let b = readable.read() as Uint8Array | null; b !== null; b = readable.read() as Uint8Array | null) {
    held.push(view(b));
  }
  return held;
}

/**
 * A transport over a readable and a writable Node stream (the same object
 * for a `Duplex`). `write` resolves when the stream has flushed the bytes
 * (for a socket: handed them to the kernel); `end` half-closes.
 *
 * @example
 * ```ts
 * const t = new StreamTransport(socket, socket, { idleTimeout: 30_000 });
 * for await (const line of connect(lineProtocol, t)) console.log(line.text);
 * ```
 */
export class StreamTransport implements Transport {
  private sink: TransportSink | null = null;
  private inputDone = false;
  /** The readable emitted 'end' (its end cause may still be pending). */
  private readEnded = false;
  private failure: unknown = undefined;
  private closed = false;
  private writeEnded = false;
  private detached = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly idleTimeout: number | undefined;
  private readonly hooks: StreamTransportHooks;

  constructor(
    /** The stream bytes are read from. */
    readonly readable: Readable,
    /** The stream bytes are written to. */
    readonly writable: Writable,
    options: StreamTransportOptions = {},
    hooks: StreamTransportHooks = {},
  ) {
    checkTimeout('idleTimeout', options.idleTimeout);
    this.idleTimeout = options.idleTimeout;
    this.hooks = hooks;
    (readable as Owned)[OWNER] = this;
    (writable as Owned)[OWNER] = this;
    // From the start: an 'error' with no listener would crash the process.
    readable.on('error', onReadError);
    readable.on('end', onReadEnd);
    readable.on('close', onReadClose);
    if ((writable as unknown) !== readable) writable.on('error', onWriteError);
    if (this.idleTimeout !== undefined) {
      this.timer = setTimeout(() => this.onIdle(), this.idleTimeout);
      this.timer.unref?.();
    }
  }

  start(sink: TransportSink): void {
    if (this.sink !== null) throw new WiremachineError(ErrorCode.INVALID_STATE, 'transport already started');
    this.sink = sink;
    this.readable.on('data', onData);
    // A listener alone does not restart a stream paused on purpose (`pauseOnConnect`).
    this.readable.resume();
    if (this.inputDone) sink.end(this.failure);
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'write after close'));
    if (this.writeEnded) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'write after end()'));
    const w = this.writable;
    if (w.destroyed) return Promise.reject(new TransportError('write to a destroyed stream', this.failure));
    this.touch();
    return new Promise((resolve, reject) => {
      w.write(chunk, (error) => (error ? reject(new TransportError('the write failed', error)) : resolve()));
    });
  }

  /** Half-close: end the writable (a socket sends FIN); reading goes on. */
  end(): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'end() after close'));
    if (this.writeEnded) return Promise.resolve();
    this.writeEnded = true;
    return new Promise((resolve, reject) => {
      this.writable.end((error?: Error | null) =>
        error ? reject(new TransportError('ending the stream failed', error)) : resolve(),
      );
    });
  }

  /**
   * Without `error`: flush what was written, end the writable, then destroy
   * both streams. With `error`: destroy them now (a socket is reset if the
   * platform does so on destroy; unflushed writes reject).
   */
  close(error?: unknown): void {
    // After detach() the streams belong to someone else (a TLS socket, say).
    if (this.closed || this.detached) return;
    this.closed = true;
    this.clearTimer();
    this.readable.pause();
    if (error !== undefined) {
      this.destroy();
      this.hooks.abort?.(error);
      return;
    }
    const w = this.writable;
    if (w.writableFinished || w.destroyed) this.destroy();
    else {
      this.writeEnded = true;
      w.end(() => this.destroy());
    }
  }

  pause(): void {
    if (!this.detached) this.readable.pause();
  }

  resume(): void {
    if (!this.detached && !this.closed) this.readable.resume();
  }

  /**
   * Stop delivering and hand the streams back, with the bytes the readable had
   * buffered and not yet delivered. For upgrades: see `startTls`.
   */
  detach(): Uint8Array[] {
    if (this.closed || this.detached)
      throw new WiremachineError(ErrorCode.INVALID_STATE, 'transport closed or detached');
    this.detached = true;
    this.clearTimer();
    const r = this.readable;
    r.pause();
    r.off('data', onData);
    r.off('end', onReadEnd);
    r.off('close', onReadClose);
    r.off('error', onReadError);
    // Whoever takes the stream over listens from now on; until then, errors are not fatal.
    r.on('error', () => {});
    return drain(r);
  }

  /** @internal */
  onData(chunk: Uint8Array): void {
    this.touch();
    this.sink?.data(view(chunk));
  }

  /** @internal */
  onReadEnd(): void {
    this.readEnded = true;
    const cause = this.hooks.endCause;
    if (cause === undefined) this.finish(undefined);
    else
      cause().then(
        (e) => this.finish(e),
        (e: unknown) => this.finish(e),
      );
  }

  /** @internal */
  onReadError(error: unknown): void {
    this.failure ??= error;
    this.finish(error);
  }

  /** @internal */
  onWriteError(error: unknown): void {
    // A write side that fails (EPIPE) does not end the input; writes reject with it.
    this.failure ??= error;
  }

  /** @internal Closed without an end: destroyed by us (a clean end for our own sink) or by someone else. */
  onReadClose(): void {
    if (this.inputDone || this.readEnded) return;
    this.finish(this.closed ? undefined : (this.failure ?? new TransportError('the stream closed before its end')));
  }

  private finish(error: unknown): void {
    if (this.inputDone) return;
    this.inputDone = true;
    this.failure ??= error;
    this.clearTimer();
    this.sink?.end(error);
  }

  private onIdle(): void {
    this.timer = null;
    const error = new TimeoutError('idle', this.idleTimeout as number);
    this.failure ??= error;
    this.finish(error);
    this.closed = true;
    this.destroy();
  }

  private touch(): void {
    this.timer?.refresh();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private destroy(): void {
    this.readable.destroy();
    if ((this.writable as unknown) !== this.readable) this.writable.destroy();
  }
}

/**
 * A transport over any Node `Duplex`.
 *
 * @example
 * ```ts
 * const conn = connect(frameProtocol, duplexTransport(socket));
 * ```
 */
export function duplexTransport(duplex: Readable & Writable, options?: StreamTransportOptions): StreamTransport {
  return new StreamTransport(duplex, duplex, options);
}

/**
 * A transport that reads one Node stream and writes another.
 *
 * @example
 * ```ts
 * const t = streamTransport(fs.createReadStream('in.bin'), fs.createWriteStream('out.bin'));
 * ```
 */
export function streamTransport(
  readable: Readable,
  writable: Writable,
  options?: StreamTransportOptions,
): StreamTransport {
  return new StreamTransport(readable, writable, options);
}
