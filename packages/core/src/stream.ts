/**
 * `ByteStream`: the imperative face of the same buffer and reads, as
 * Tornado's IOStream and asyncio's StreamReader give it.
 *
 * One read may be pending at a time. Results follow the conventions of the
 * read requests ({@link until} includes the delimiter, `maxBytes` counts it).
 * A read that exceeds its `maxBytes` rejects with {@link MaxBytesError}, and
 * the stream closes: every later read rejects with the same error.
 *
 * A read that the end of input completes (`readUntilClose`) completes only at
 * a clean end. When the transport fails, or {@link ByteStream.close} cuts the
 * input short, a read the buffered bytes cannot satisfy rejects with
 * {@link StreamClosedError} (its `cause` is the transport's error, its
 * `unread` the bytes left): a truncated input never passes for a whole one.
 *
 * @module
 */
import { ByteQueue } from './byte-queue.js';
import { DEFAULT_MAX_BUFFER_SIZE } from './driver.js';
import {
  BufferOverflowError,
  ErrorCode,
  type ErrorPosition,
  MaxBytesError,
  type ProtocolError,
  StreamClosedError,
  WiremachineError,
} from './errors.js';
import { bytes, into, type ReadRequest, regex, until, untilClose } from './reads.js';
import { ReadProgress, satisfy } from './satisfy.js';
import type { Transport } from './transport.js';

/** Options of {@link ByteStream}. */
export interface ByteStreamOptions {
  /** Most bytes held unread; beyond it the stream fails with {@link BufferOverflowError}. Default 16 MiB. */
  maxBufferSize?: number;
  /** Buffered bytes above which the transport is paused (if it can be) until reads drain them. Default 64 KiB. */
  highWaterMark?: number;
}

interface Pending {
  read: ReadRequest;
  resolve: (data: Uint8Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Promise-returning reads over a {@link Transport}.
 *
 * @example
 * ```ts
 * const stream = new ByteStream(transport);
 * const line = await stream.readUntil('\r\n', { maxBytes: 1024 });
 * const body = await stream.readBytes(length);
 * await stream.write(new TextEncoder().encode('OK\r\n'));
 * ```
 */
export class ByteStream {
  private readonly queue = new ByteQueue();
  private readonly progress = new ReadProgress();
  private readonly maxBufferSize: number;
  private readonly highWaterMark: number;
  private pending: Pending | null = null;
  private ended = false;
  private endCause: unknown = undefined;
  private failure: ProtocolError | null = null;
  private paused = false;
  private closedByUs = false;
  /** The input ended without an error, and not because of close(). */
  private cleanEnd = false;

  constructor(
    private readonly transport: Transport,
    options: ByteStreamOptions = {},
  ) {
    this.maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    this.highWaterMark = options.highWaterMark ?? 64 * 1024;
    transport.start({
      data: (chunk) => this.onData(chunk),
      end: (error) => this.onEnd(error, error === undefined && !this.closedByUs),
    });
  }

  /** `true` once the input ended or the stream failed or was closed. */
  get closed(): boolean {
    return this.ended || this.failure !== null || this.closedByUs;
  }

  /** Bytes buffered and not yet read. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Exactly `n` bytes; with `partial`, between 1 and `n` as soon as any are buffered. */
  readBytes(n: number, options?: { partial?: boolean }): Promise<Uint8Array> {
    return this.start(() => bytes(n, options));
  }

  /** Up to and including the first delimiter (or the earliest of several); `maxBytes` counts the delimiter. */
  readUntil(
    delimiter: string | Uint8Array | readonly (string | Uint8Array)[],
    options?: { maxBytes?: number },
  ): Promise<Uint8Array> {
    return this.start(() => until(delimiter, options));
  }

  /** Up to and including the end of the first match of `re` (bytes read as latin1). */
  readUntilRegex(re: RegExp, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.start(() => regex(re, options));
  }

  /** Everything until the input ends cleanly (a failed input rejects: see the module notes). */
  readUntilClose(options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.start(() => untilClose(options));
  }

  /** Fill `buffer` (or, with `partial`, part of it); resolves with the number of bytes written. */
  async readInto(buffer: Uint8Array, options?: { partial?: boolean }): Promise<number> {
    const data = await this.start(() => into(buffer, options));
    return data.length;
  }

  /** Send bytes; resolves when the transport has flushed them. */
  write(data: Uint8Array): Promise<void> {
    if (this.closedByUs) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'write after close()'));
    return this.transport.write(data);
  }

  /**
   * Close the transport; with `error`, abort it. A pending read rejects with
   * {@link StreamClosedError} (`cause`: `error`). Bytes already buffered can
   * still be read by exact-size and delimiter reads.
   */
  close(error?: unknown): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.transport.close(error);
    this.onEnd(error, false);
  }

  /** Start a read. Bad arguments reject (they do not throw) and leave no read pending. */
  private start(request: () => ReadRequest): Promise<Uint8Array> {
    if (this.pending !== null) {
      return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'a read is already pending on this stream'));
    }
    let read: ReadRequest;
    try {
      read = request();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.pending = { read, resolve, reject };
      this.progress.reset();
      this.pump();
    });
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(chunk);
    this.pump();
  }

  private onEnd(error: unknown, clean: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.endCause = error;
    this.cleanEnd = clean;
    this.pump();
  }

  private pump(): void {
    const p = this.pending;
    if (this.failure !== null) {
      if (p !== null) this.settle(p, null, this.failure);
      return;
    }
    if (p !== null) {
      let event: ReturnType<typeof satisfy>;
      try {
        // A read that the end of input completes (`untilClose`) completes only
        // at a clean end: not when the input failed, nor when close() cut it short.
        event = satisfy(this.queue, p.read, this.progress, this.ended && this.cleanEnd);
      } catch (e) {
        this.fail(e instanceof MaxBytesError ? this.position(new MaxBytesError(e.limit)) : (e as ProtocolError));
        return;
      }
      if (event !== null && event.type === 'read') {
        this.settle(p, event.data, null);
        return;
      }
      if (this.ended) {
        // The position is taken before the unread bytes: offset and excerpt are theirs.
        const at = this.here();
        this.settle(p, null, new StreamClosedError(this.endMessage(), this.queue.takeAll(), at, this.endCause));
        return;
      }
    }
    if (this.queue.length > this.maxBufferSize) {
      this.fail(this.position(new BufferOverflowError(this.maxBufferSize, this.queue.length)));
      return;
    }
    this.flowControl(p !== null);
  }

  private endMessage(): string {
    if (this.closedByUs) return 'the stream was closed while a read was pending';
    if (this.endCause !== undefined) return 'the input failed while a read was pending';
    return 'the input ended while a read was pending';
  }

  /** Fail the stream for good: the pending read and every later one reject with `error`. */
  private fail(error: ProtocolError): void {
    this.failure = error;
    const p = this.pending;
    if (p !== null) this.settle(p, null, error);
    this.close();
  }

  private settle(p: Pending, data: Uint8Array | null, error: unknown): void {
    this.pending = null;
    if (data !== null) p.resolve(data);
    else p.reject(error);
    this.flowControl(false);
  }

  /**
   * Pause the transport while the buffer is at or above the high-water mark,
   * unless a read is waiting for more bytes: pausing then would starve the
   * read for good (a line longer than the mark, say). `maxBufferSize` still
   * bounds the buffer.
   */
  private flowControl(waiting: boolean): void {
    const t = this.transport;
    if (this.closed) return;
    const above = !waiting && this.queue.length >= this.highWaterMark;
    if (!this.paused && above && t.pause) {
      this.paused = true;
      t.pause();
    } else if (this.paused && !above && t.resume) {
      this.paused = false;
      t.resume();
    }
  }

  private here(): ErrorPosition {
    return { offset: this.queue.consumed, state: 'ByteStream', excerpt: this.queue.slice(0, 32) };
  }

  private position<E extends ProtocolError>(error: E): E {
    return Object.assign(error, this.here());
  }
}
