/**
 * A transport that reads any `AsyncIterable<Uint8Array>` (or `Iterable`) and
 * writes through a function: a Node stream, a generator, a fetch body.
 *
 * @module
 */
import { ErrorCode, type Transport, type TransportSink, WiremachineError } from '@wiremachine/core';
import { TransportError } from './errors.js';
import { PullLoop } from './pull.js';

/** Where an {@link iterableTransport} writes: resolve when the bytes are flushed. */
export type WriteFunction = (chunk: Uint8Array) => void | Promise<void>;

class IterableTransport implements Transport {
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private readonly loop: PullLoop;
  private closed = false;
  private ended = false;

  constructor(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    private readonly writer: WriteFunction | undefined,
  ) {
    this.iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (source as Iterable<Uint8Array>)[Symbol.iterator]();
    this.loop = new PullLoop(async () => this.iterator.next());
  }

  start(sink: TransportSink): void {
    this.loop.start(sink);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed || this.ended) throw new WiremachineError(ErrorCode.INVALID_STATE, 'write after close or end()');
    if (this.writer === undefined) throw new WiremachineError(ErrorCode.INVALID_STATE, 'this transport is read-only');
    try {
      await this.writer(chunk);
    } catch (e) {
      throw new TransportError('the write failed', e);
    }
  }

  async end(): Promise<void> {
    this.ended = true;
  }

  /** Stop reading: the iterator's `return()` runs (a generator's `finally`, a stream's cleanup). */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop(error);
    Promise.resolve(this.iterator.return?.()).catch(() => {});
  }

  pause(): void {
    this.loop.pause();
  }

  resume(): void {
    this.loop.resume();
  }
}

/**
 * A transport over any iterable of byte chunks; `write` calls `write`
 * (without it the transport is read-only). Pausing stops pulling.
 *
 * @example
 * ```ts
 * async function* chunks() { yield encode('a\r\nb'); yield encode('\r\n'); }
 * for await (const line of connect(lineProtocol, iterableTransport(chunks()))) console.log(line.text);
 * ```
 */
export function iterableTransport(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  write?: WriteFunction,
): Transport {
  return new IterableTransport(source, write);
}
