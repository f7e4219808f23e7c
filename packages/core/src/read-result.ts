/**
 * The event a completed read delivers. Offsets first, a view on demand: the
 * read's bytes are `buf[start, end)`, where `buf` is the chunk they arrived in
 * (or one copy, when they spanned chunks); `data` makes a view of them the
 * first time it is asked for; a read with a decoder (`map`) has its result in
 * `value`, decoded once, and no view is made unless a guard or action asks.
 *
 * An event is valid during its step only: the driver may reuse the object
 * for the next read. Values taken from it (`value`, `data`, `buf`) stay
 * valid: chunks are never recycled. With `poisonEvents` (on in the testing
 * helpers) an event kept past its step throws when read.
 *
 * @module
 */
import { ErrorCode, WiremachineError } from './errors.js';
import type { ReadDoneEvent } from './reads.js';

const EMPTY = new Uint8Array(0);
/** Its ArrayBuffer, read once: reading `.buffer` costs about as much as making a view. */
const EMPTY_BUFFER = EMPTY.buffer;

function kept(): never {
  throw new WiremachineError(
    ErrorCode.INVALID_STATE,
    'a read event was used after its step: keep the values taken from it (event.value, event.data), not the event',
  );
}

/** What a poisoned event's `value` is: any use of it throws. */
const POISONED_VALUE: unknown = new Proxy(Object.create(null), {
  get: kept,
  has: kept,
  ownKeys: kept,
  set: kept,
  apply: kept,
  getPrototypeOf: kept,
});

/** A completed read: see the module comment. */
export class ReadResult<T = any> implements ReadDoneEvent<T> {
  readonly type = 'read' as const;
  /** The chunk holding the read's bytes (or a copy of them, when they spanned chunks). */
  buf: Uint8Array = EMPTY;
  /** Where the read's bytes start in `buf`. */
  start = 0;
  /** Where they end in `buf` (a stripped delimiter excluded). */
  end = 0;
  /** The decoder's result, for a read with `map`; otherwise `undefined`. */
  value: T = undefined as T;
  delimiter = -1;
  match: RegExpExecArray | null = null;
  private view: Uint8Array | null = null;
  private poisoned = false;
  // The chunk views were last made of, with its ArrayBuffer and offset: reading
  // `.buffer` and `.byteOffset` costs about as much as making the view, and
  // consecutive reads mostly lie in one chunk (as in ByteQueue).
  private viewChunk: Uint8Array = EMPTY;
  private viewBuffer: ArrayBufferLike = EMPTY_BUFFER;
  private viewBase = 0;

  /** The read's bytes as a view (made once, when first asked for). */
  get data(): Uint8Array {
    if (this.view !== null) return this.view;
    if (this.poisoned) kept();
    const b = this.buf;
    if (b !== this.viewChunk) {
      this.viewChunk = b;
      this.viewBuffer = b.buffer;
      this.viewBase = b.byteOffset;
    }
    this.view = new Uint8Array(this.viewBuffer, this.viewBase + this.start, this.end - this.start);
    return this.view;
  }

  /** Fill with a read whose bytes are already a view. */
  setView(data: Uint8Array, delimiter: number, match: RegExpExecArray | null): this {
    this.buf = data;
    this.start = 0;
    this.end = data.length;
    this.view = data;
    this.value = undefined as T;
    this.delimiter = delimiter;
    this.match = match;
    return this;
  }

  /** Fill with a read of `buf[start, end)`, decoded to `value`. */
  setRange(buf: Uint8Array, start: number, end: number, value: T, delimiter: number): this {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.view = null;
    this.value = value;
    this.delimiter = delimiter;
    this.match = null;
    return this;
  }

  /** Let go of the bytes and the value (the driver waits for input: an idle connection holds no chunk). */
  clear(): void {
    // Nothing held (the last wait cleared it): a feed of a byte at a time pays no stores.
    if (this.buf === EMPTY && this.value === undefined && this.match === null && this.viewChunk === EMPTY) return;
    this.buf = EMPTY;
    this.viewChunk = EMPTY;
    this.viewBuffer = EMPTY_BUFFER;
    this.view = null;
    this.value = undefined as T;
    this.match = null;
  }

  /** Make any later use of this event throw (see `poisonEvents`). */
  poison(): void {
    this.poisoned = true;
    this.view = null;
    this.buf = EMPTY;
    this.viewChunk = EMPTY;
    this.viewBuffer = EMPTY_BUFFER;
    this.value = POISONED_VALUE as T;
    this.delimiter = Number.NaN;
    this.match = null;
  }
}
