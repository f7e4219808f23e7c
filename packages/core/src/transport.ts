/**
 * The small transport interface the stream API and the adapters share.
 * A transport only moves bytes: it knows nothing of protocols.
 *
 * @module
 */

/** Where a transport delivers what it receives. */
export interface TransportSink {
  /** Bytes arrived. The sink may keep `chunk`: a transport must not reuse its memory. */
  data(chunk: Uint8Array): void;
  /** No more bytes will arrive; `error` when the transport failed (a reset, say). */
  end(error?: unknown): void;
}

/**
 * A byte transport: TCP, TLS, a pipe, a web stream, memory.
 *
 * @example
 * ```ts
 * const [client, server] = memoryPair();
 * const stream = new ByteStream(server);
 * ```
 */
export interface Transport {
  /** Start delivering inbound bytes to `sink`. Called once. */
  start(sink: TransportSink): void;
  /** Send bytes; resolves when they are flushed. Writes keep their order. */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Half-close (optional): send nothing more, and let the peer see a clean end
   * of input, while this side goes on receiving. Resolves when what was written
   * before is flushed. Writes after it reject.
   */
  end?(): Promise<void>;
  /** Close the transport; with `error`, abort it (the peer sees a failure). */
  close(error?: unknown): void;
  /** Stop delivering inbound bytes until {@link Transport.resume} (optional: flow control). */
  pause?(): void;
  /** Deliver inbound bytes again. */
  resume?(): void;
}
