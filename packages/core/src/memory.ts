/**
 * An in-memory transport pair, for tests and examples: what one side writes,
 * the other receives, on a later microtask (or after a chosen latency), split
 * into chunks of a chosen or random size.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from './errors.js';
import type { Transport, TransportSink } from './transport.js';

/** Options of {@link memoryPair}. */
export interface MemoryPairOptions {
  /**
   * Split every write into chunks of this many bytes, or of random sizes from
   * 1 to 2 × the number given as `random` (seeded by `seed`). Default: whole writes.
   */
  chunkSize?: number | { random: number; seed?: number };
  /**
   * Latency: each write reaches the peer this many milliseconds after it was
   * made, or a random number of them from `min` to `max` (seeded by `seed`).
   * Order is kept whatever the draws. Default: the next microtask.
   */
  delay?: number | { min: number; max: number; seed?: number };
}

type Item = Uint8Array | { end: true; error?: unknown };

/** Runs callbacks after a latency, in the order they were pushed. */
class DelayLine {
  private readonly items: { at: number; run: () => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = 0;

  constructor(private readonly next: () => number) {}

  push(run: () => void): void {
    // Never before the previous item: a short draw after a long one waits for it.
    this.last = Math.max(this.last, Date.now() + this.next());
    this.items.push({ at: this.last, run });
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null || this.items.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        const now = Date.now();
        while (this.items.length > 0 && this.items[0].at <= now) (this.items.shift() as { run: () => void }).run();
        this.arm();
      },
      Math.max(0, this.items[0].at - Date.now()),
    );
  }
}

class MemoryEnd implements Transport {
  peer!: MemoryEnd;
  private sink: TransportSink | null = null;
  private inbox: Item[] = [];
  private paused = false;
  private closed = false;
  /** The peer was sent its end (by end() or close()): no more writes. */
  private ended = false;
  private scheduled = false;

  constructor(
    private readonly split: (data: Uint8Array) => Uint8Array[],
    private readonly line: DelayLine | null,
  ) {}

  start(sink: TransportSink): void {
    if (this.sink !== null) throw new WiremachineError(ErrorCode.INVALID_STATE, 'transport already started');
    this.sink = sink;
    this.schedule();
  }

  /**
   * Resolves once the peer's sink has the bytes, or (when the peer is paused
   * or not started) once they wait in its inbox. After the peer closed, the
   * bytes are dropped, as a socket's would be.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'write after close'));
    if (this.ended) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'write after end()'));
    // Copy: the writer may reuse its buffer once the promise resolves.
    return this.send(this.split(chunk.slice()));
  }

  /** Half-close: the peer's sink gets `end()` after what was written before; this end goes on receiving. */
  end(): Promise<void> {
    if (this.closed) return Promise.reject(new WiremachineError(ErrorCode.INVALID_STATE, 'end() after close'));
    if (this.ended) return Promise.resolve();
    this.ended = true;
    return this.send([{ end: true }]);
  }

  /** The peer's sink gets `end(error)` after what was written before; this end delivers nothing more. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox.length = 0;
    if (this.ended) return; // the peer already has its end
    this.ended = true;
    this.send([{ end: true, error }]).catch(() => {});
  }

  private send(items: Item[]): Promise<void> {
    const peer = this.peer;
    if (this.line === null) {
      for (const item of items) peer.deliver(item);
      return new Promise((resolve) => queueMicrotask(resolve));
    }
    return new Promise((resolve) =>
      (this.line as DelayLine).push(() => {
        for (const item of items) peer.deliver(item);
        resolve();
      }),
    );
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  private deliver(item: Item): void {
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
      const item = this.inbox.shift() as Item;
      if (item instanceof Uint8Array) sink.data(item);
      else sink.end(item.error);
    }
  }
}

/** xorshift32, seeded: the same seed gives the same draws. */
function xorshift(seed = 1): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function delayLine(option: MemoryPairOptions['delay']): DelayLine | null {
  if (option === undefined) return null;
  const [min, max] = typeof option === 'number' ? [option, option] : [option.min, option.max];
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min)) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `delay must be >= 0 (and min <= max), got ${min}..${max}`);
  }
  if (typeof option === 'number') return new DelayLine(() => option);
  const random = xorshift(option.seed);
  return new DelayLine(() => min + (random() % (max - min + 1)));
}

function splitter(option: MemoryPairOptions['chunkSize']): (data: Uint8Array) => Uint8Array[] {
  if (option === undefined) return (d) => [d];
  let next: () => number;
  // Integers only: with `{ random: NaN }` every write would become one empty piece.
  const size = typeof option === 'number' ? option : option.random;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `chunkSize must be an integer >= 1, got ${size}`);
  }
  if (typeof option === 'number') {
    next = () => option;
  } else {
    const random = xorshift(option.seed);
    const max = option.random * 2;
    next = () => 1 + (random() % max);
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
 * const [c, d] = memoryPair({ delay: { min: 1, max: 20, seed: 7 } }); // with latency, order kept
 * ```
 */
export function memoryPair(options: MemoryPairOptions = {}): [Transport, Transport] {
  const a = new MemoryEnd(splitter(options.chunkSize), delayLine(options.delay));
  const b = new MemoryEnd(splitter(options.chunkSize), delayLine(options.delay));
  a.peer = b;
  b.peer = a;
  return [a, b];
}
