/**
 * `Body`: the bytes of one message body as they arrive, for whoever reads
 * them. It counts what it holds so that the connection can stop reading the
 * socket while a reader is behind (backpressure), and it ends once, cleanly
 * or with an error.
 *
 * @module
 */

import { ResponseTooLargeError } from './errors.js';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
const decoder = new TextDecoder();
/** Heap a piece held costs besides its bytes (its view, its slot): about 100 bytes, measured. */
const PIECE_COST = 128;
/** The blocks a body read whole is gathered in when its length is not known. */
const BLOCK = 64 * 1024;

/** @internal What the owner of a body hears from it. */
export interface BodyOwner {
  /** A reader took bytes: the connection may read on. */
  drained(): void;
  /** The first read was asked for (a server sends `100 Continue` then). */
  started(): void;
  /** A whole read passed the body's limit: stop receiving it (the client closes the connection). */
  refused?(error: unknown): void;
  /** A `for await` over the body stopped early (`break`, `return`, a throw): nobody will read the rest. */
  abandoned?(): void;
}

/**
 * A message body: an async iterable of byte chunks (views of what the socket
 * delivered: copy them to keep them past the next turn, or keep them whole).
 * Read it once, with `for await`, {@link Body.bytes} or {@link Body.text}.
 *
 * @example
 * ```ts
 * for await (const chunk of req.body) hash.update(chunk);
 * const text = await res.body.text();
 * ```
 */
export class Body implements AsyncIterable<Uint8Array> {
  private chunks: Uint8Array[] | null = null;
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<Uint8Array, undefined>) => void; reject: (e: unknown) => void } | null =
    null;
  private ended = false;
  private error: unknown = undefined;
  private discarding = false;
  private begun = false;
  /** Bytes held and not yet read. */
  buffered = 0;
  /** Bytes received so far. */
  received = 0;
  /** @internal Most bytes a whole read ({@link Body.bytes}, `text`, `json`) gathers. */
  limit = Number.POSITIVE_INFINITY;
  /** @internal The length the head announced (Content-Length), or -1. */
  announced = -1;

  /** @internal */
  constructor(private readonly owner: BodyOwner | null) {}

  /**
   * @internal What the pieces held cost: their bytes and {@link PIECE_COST}
   * each. Backpressure goes by it, so that a body sent in one-byte chunks
   * cannot hold a view per byte up to the high-water mark.
   */
  get cost(): number {
    const chunks = this.chunks;
    return this.buffered + (chunks === null ? 0 : (chunks.length - this.head) * PIECE_COST);
  }

  /** `true` once every byte arrived (or the body failed). */
  get complete(): boolean {
    return this.ended;
  }

  /** @internal Bytes arrived. */
  push(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.discarding) return;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w.resolve({ done: false, value: chunk });
      return;
    }
    if (this.chunks === null) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** @internal No more bytes; with `error`, the body failed. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    if (error === undefined) w.resolve(DONE);
    else w.reject(error);
  }

  /** @internal Drop what is held and what comes: nobody will read it. */
  discard(): void {
    this.discarding = true;
    this.chunks = null;
    this.head = 0;
    this.buffered = 0;
  }

  /** The next chunk; `done` at the end. Rejects with the error that ended the body. */
  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (!this.begun) {
      this.begun = true;
      this.owner?.started();
    }
    const chunks = this.chunks;
    if (chunks !== null && this.head < chunks.length) {
      const chunk = chunks[this.head++];
      if (this.head === chunks.length) {
        this.chunks = null;
        this.head = 0;
      }
      this.buffered -= chunk.length;
      this.owner?.drained();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.ended) return this.error === undefined ? Promise.resolve(DONE) : Promise.reject(this.error);
    if (this.waiter !== null) return Promise.reject(new Error('a body is read by one reader at a time'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.owner?.drained();
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        if (!this.ended) this.owner?.abandoned?.();
        return DONE;
      },
    };
  }

  /**
   * Every byte of the body, in one array. A body longer than its limit
   * (`maxResponseSize` for a client's response) fails with
   * {@link ResponseTooLargeError}, as soon as the head announces it or the bytes
   * pass it: what is held stays under the limit plus one piece.
   */
  async bytes(): Promise<Uint8Array> {
    const limit = this.limit;
    if (this.announced > limit) this.refuse(new ResponseTooLargeError(limit, this.announced, true));
    // The pieces are views of the socket's reads. Kept as they are, a body sent in one-byte chunks would hold a
    // view (about 100 bytes of heap) for each byte: 113 MB for 1 MiB. So from the second piece on they are
    // copied: into the result itself when the head announced the length, else into blocks joined at the end.
    let first: Uint8Array | null = null;
    let pieces = 0;
    let size = 0;
    const blocks: Uint8Array[] = [];
    let block: Uint8Array | null = null;
    let used = 0;
    const copy = (piece: Uint8Array) => {
      for (let at = 0; at < piece.length; ) {
        if (block === null || used === block.length) {
          if (block !== null) blocks.push(block);
          block = new Uint8Array(BLOCK);
          used = 0;
        }
        const n = Math.min(piece.length - at, block.length - used);
        block.set(piece.subarray(at, at + n), used);
        used += n;
        at += n;
      }
    };
    for (let r = await this.next(); !r.done; r = await this.next()) {
      const piece = r.value;
      size += piece.length;
      if (size > limit) this.refuse(new ResponseTooLargeError(limit, size, false));
      if (++pieces === 1) {
        first = piece;
        continue;
      }
      if (first !== null) {
        // The announced length, when there is one, is the one block.
        if (this.announced >= size) {
          block = new Uint8Array(this.announced);
          used = 0;
        }
        copy(first);
        first = null;
      }
      copy(piece);
    }
    if (first !== null || pieces === 0) return first ?? new Uint8Array(0);
    const last = (block as Uint8Array | null)?.subarray(0, used) ?? new Uint8Array(0);
    if (blocks.length === 0) return last;
    const whole = new Uint8Array(size);
    let at = 0;
    for (const b of [...blocks, last]) {
      whole.set(b, at);
      at += b.length;
    }
    return whole;
  }

  private refuse(error: ResponseTooLargeError): never {
    this.discard();
    this.end(error);
    this.owner?.refused?.(error);
    throw error;
  }

  /** The body as UTF-8 text. */
  async text(): Promise<string> {
    return decoder.decode(await this.bytes());
  }

  /** The body as JSON (parsed from UTF-8 text). */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
