/**
 * WHATWG streams: a transport over a `ReadableStream` and a `WritableStream`
 * (a `fetch` body, a WebSocketStream, a WebTransport stream, Deno and Bun
 * sockets), for browsers, Deno, Bun and Node alike.
 *
 * @module
 */
import { ErrorCode, type Transport, type TransportSink, WiremachineError } from '@wiremachine/core';
import { TransportError } from './errors.js';
import { PullLoop } from './pull.js';

/** The two sides of a web byte stream; either may be left out. */
export interface WebStreamPair {
  readable?: ReadableStream<Uint8Array>;
  writable?: WritableStream<Uint8Array>;
}

class WebStreamTransport implements Transport {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | null;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array> | null;
  private readonly loop: PullLoop;
  private closed = false;
  private ended = false;

  constructor(streams: WebStreamPair) {
    this.reader = streams.readable?.getReader() ?? null;
    this.writer = streams.writable?.getWriter() ?? null;
    const reader = this.reader;
    this.loop = new PullLoop(async () => (reader === null ? { done: true } : reader.read()));
  }

  start(sink: TransportSink): void {
    this.loop.start(sink);
  }

  /** Resolves when the writable's sink has taken the bytes. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed || this.ended) throw new WiremachineError(ErrorCode.INVALID_STATE, 'write after close or end()');
    if (this.writer === null) throw new WiremachineError(ErrorCode.INVALID_STATE, 'no writable stream was given');
    try {
      await this.writer.write(chunk);
    } catch (e) {
      throw new TransportError('the write failed', e);
    }
  }

  /** Half-close: close the writable; reading goes on. */
  async end(): Promise<void> {
    if (this.closed) throw new WiremachineError(ErrorCode.INVALID_STATE, 'end() after close');
    if (this.ended) return;
    this.ended = true;
    try {
      await this.writer?.close();
    } catch (e) {
      throw new TransportError('closing the writable failed', e);
    }
  }

  /** Cancel the readable; close the writable (abort it, with `error`). */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop(error);
    this.reader?.cancel(error).catch(() => {});
    if (this.writer !== null) {
      if (error !== undefined) this.writer.abort(error).catch(() => {});
      else if (!this.ended) this.writer.close().catch(() => {});
    }
  }

  pause(): void {
    this.loop.pause();
  }

  resume(): void {
    this.loop.resume();
  }
}

/**
 * A transport over WHATWG streams.
 *
 * @example
 * ```ts
 * const response = await fetch(url);
 * for await (const frame of connect(frameProtocol, webStreamTransport({ readable: response.body! }))) use(frame);
 * ```
 */
export function webStreamTransport(streams: WebStreamPair): Transport {
  return new WebStreamTransport(streams);
}
