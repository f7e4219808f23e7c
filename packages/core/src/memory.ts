/**
 * An in-memory transport pair, for tests and examples: what one side writes,
 * the other receives, on a later microtask, split into chunks of a chosen or
 * random size.
 *
 * @module
 */
import { ErrorCode, WirestateError } from './errors.js';
import type { Transport, TransportSink } from './transport.js';

/** Options of {@link memoryPair}. */
export interface MemoryPairOptions {
  /**
   * Split every write into chunks of this many bytes, or of random sizes from
   * 1 to 2 × the number given as `random` (seeded by `seed`). Default: whole writes.
   */
  chunkSize?: number | { random: number; seed?: number };
}

class MemoryEnd implements Transport {
  peer!: MemoryEnd;
  private sink: TransportSink | null = null;
  private inbox: Array<Uint8Array | { end: true; error?: unknown }> = [];
  private paused = false;
  private closed = false;
  private scheduled = false;

  constructor(private readonly split: (data: Uint8Array) => Uint8Array[]) {}

  start(sink: TransportSink): void {
    if (this.sink !== null) throw new WirestateError(ErrorCode.INVALID_STATE, 'transport already started');
    this.sink = sink;
    this.schedule();
  }

  /**
   * Resolves once the peer's sink has the bytes, or (when the peer is paused
   * or not started) once they wait in its inbox. After the peer closed, the
   * bytes are dropped, as a socket's would be.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new WirestateError(ErrorCode.INVALID_STATE, 'write after close'));
    // Copy: the writer may reuse its buffer once the promise resolves.
    for (const piece of this.split(chunk.slice())) this.peer.deliver(piece);
    return new Promise((resolve) => queueMicrotask(resolve));
  }

  /** The peer's sink gets `end(error)` after what was written before; this end delivers nothing more. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox.length = 0;
    this.peer.deliver({ end: true, error });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  private deliver(item: Uint8Array | { end: true; error?: unknown }): void {
    if (this.closed) return;
    this.inbox.push(item);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.sink === null) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const sink = this.sink as TransportSink;
    while (!this.paused && !this.closed && this.inbox.length > 0) {
      const item = this.inbox.shift() as Uint8Array | { end: true; error?: unknown };
      if (item instanceof Uint8Array) sink.data(item);
      else sink.end(item.error);
    }
  }
}

function splitter(option: MemoryPairOptions['chunkSize']): (data: Uint8Array) => Uint8Array[] {
  if (option === undefined) return (d) => [d];
  let next: () => number;
  // Integers only: with `{ random: NaN }` every write would become one empty piece.
  const size = typeof option === 'number' ? option : option.random;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new WirestateError(ErrorCode.INVALID_ARGUMENT, `chunkSize must be an integer >= 1, got ${size}`);
  }
  if (typeof option === 'number') {
    next = () => option;
  } else {
    // xorshift32, seeded: the same seed gives the same cuts.
    let s = (option.seed ?? 1) | 0 || 1;
    const max = option.random * 2;
    next = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return 1 + ((s >>> 0) % max);
    };
  }
  return (data) => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < data.length; ) {
      const k = next();
      out.push(data.subarray(i, i + k));
      i += k;
    }
    return out;
  };
}

/**
 * Two connected in-memory transports.
 *
 * @example
 * ```ts
 * const [a, b] = memoryPair({ chunkSize: 1 }); // b receives a's writes one byte at a time
 * ```
 */
export function memoryPair(options: MemoryPairOptions = {}): [Transport, Transport] {
  const a = new MemoryEnd(splitter(options.chunkSize));
  const b = new MemoryEnd(splitter(options.chunkSize));
  a.peer = b;
  b.peer = a;
  return [a, b];
}
