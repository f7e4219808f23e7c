/**
 * A queue of received chunks with a head offset.
 *
 * Arrivals are appended, never merged: merging everything on each arrival is
 * quadratic (Tornado's old `_merge_prefix`). A read that lies inside the first
 * chunk is a zero-copy view; a read that spans chunks copies once.
 *
 * Positions in this API are relative to the head (0 is the first unread byte);
 * {@link ByteQueue.consumed} turns them into stream offsets.
 *
 * @module
 */
import type { IntoCopy } from './reads.js';

const EMPTY = new Uint8Array(0);
/** Its ArrayBuffer, read once: reading `.buffer` costs about as much as making a view. */
const EMPTY_BUFFER = EMPTY.buffer;

/**
 * A native search for a multi-byte needle, where the platform has one (Node's
 * `Buffer#indexOf` accepts any Uint8Array); `null` elsewhere. A head of a few
 * hundred bytes holds a CR on every line: searching CRLFCRLF natively in one
 * call beats stopping at each CR.
 */
const nativeSearch: ((hay: Uint8Array, needle: Uint8Array, from: number) => number) | null = (() => {
  const indexOf = (globalThis as { Buffer?: { prototype?: { indexOf?: unknown } } }).Buffer?.prototype?.indexOf;
  if (typeof indexOf !== 'function') return null;
  const search = (hay: Uint8Array, needle: Uint8Array, from: number): number => indexOf.call(hay, needle, from);
  try {
    return search(Uint8Array.of(1, 2, 3, 2, 3), Uint8Array.of(2, 3), 2) === 3 ? search : null;
  } catch {
    return null;
  }
})();

/** Bytes scanned by a plain loop before handing over to the native `indexOf`. */
const SHORT_SCAN = 32;

/** Pieces copied by a plain loop rather than `set` (a native call) when a read spans chunks. */
const SHORT_COPY = 16;

/**
 * First index of `byte` in `c` at or after `from`, or -1. Short spans (a
 * header line, say) are faster in a loop than through the native call; long
 * ones go to `indexOf`.
 */
function find(c: Uint8Array, byte: number, from: number): number {
  const stop = Math.min(c.length, from + SHORT_SCAN);
  for (let i = from; i < stop; i++) if (c[i] === byte) return i;
  return stop === c.length ? -1 : c.indexOf(byte, stop);
}

/** Size of a {@link Slab}'s array. */
const SLAB_SIZE = 8192;

/**
 * Copies of reads spread over chunks, up to half a slab, are carved out of a
 * shared slab, as Node's `Buffer.allocUnsafe` carves small Buffers out of
 * its pool: a fresh `Uint8Array` of more than 64 bytes is an off-heap store
 * (about 340 ns here, against 50 for a region of the slab). A region is
 * handed out once, so bytes taken never change under their holder; each
 * starts at a multiple of 8 (for `Float64Array`s over it); a view kept keeps
 * its slab (8 KiB) alive, as a small Buffer keeps its pool alive.
 */
export class Slab {
  /** Regions up to this size come from the slab; larger copies get arrays of their own. */
  static readonly MAX = SLAB_SIZE >>> 1;
  /** The current slab (a new one once it is full). */
  buf = new Uint8Array(SLAB_SIZE);
  /** Its ArrayBuffer, kept: reading `.buffer` costs about as much as making a view. */
  private buffer: ArrayBufferLike = this.buf.buffer;
  private used = 0;

  /** Reserve `n <= Slab.MAX` bytes: their offset in {@link Slab.buf} (read `buf` after this call). */
  take(n: number): number {
    if (this.used + n > SLAB_SIZE) {
      this.buf = new Uint8Array(SLAB_SIZE);
      this.buffer = this.buf.buffer;
      this.used = 0;
    }
    const at = this.used;
    this.used = (at + n + 7) & ~7;
    return at;
  }

  /** A new view of `n` bytes of their own: a region of the slab, or an array when `n > Slab.MAX`. */
  alloc(n: number): Uint8Array {
    if (n > Slab.MAX) return new Uint8Array(n);
    const at = this.take(n);
    return new Uint8Array(this.buffer, at, n);
  }
}

/** The slab every queue's copies come from (one per process: regions are never shared). */
export const slab = new Slab();

/** Where {@link ByteQueue.copyRange} stopped: a chunk index and the position of its first byte. */
export interface CopyCursor {
  index: number;
  base: number;
}

/**
 * The first value of a field that holds a stream offset or a count of stream
 * bytes: zero, held as a double, so that the field holds doubles from the
 * start. Such a number passes 2^31 on a long stream; a field that held only
 * small integers until then changes its representation, which changes the
 * shape of every object of its class and throws away the optimized code of
 * every function that reads one, for every stream in the process at once.
 * It is -0: the constructor then sets the field to 0.
 */
export const OFFSET_ZERO = -0;

/** No cursor: unequal to every offset, and a double too (see {@link OFFSET_ZERO}). */
const NO_EPOCH = Number.NaN;

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Index in `chunks` of the chunk that holds the head. */
  private first = 0;
  /** Offset of the head inside `chunks[first]`. */
  private headOffset = 0;
  private _length = 0;
  private _consumed = OFFSET_ZERO;
  private _examined = OFFSET_ZERO;
  private _resume = 0;

  constructor() {
    // Zero, in fields that hold doubles (see OFFSET_ZERO).
    this._consumed = 0;
    this._examined = 0;
  }

  /** Bytes buffered and not yet consumed. */
  get length(): number {
    return this._length;
  }

  /** Bytes consumed since the start of the stream: the stream offset of the head. */
  get consumed(): number {
    return this._consumed;
  }

  /**
   * Bytes looked at by delimiter searches, in total: a test counter of the
   * work searches do (one addition per searched chunk). See {@link ByteQueue.countExamined}.
   */
  get examined(): number {
    return this._examined;
  }

  /** Set by {@link ByteQueue.findInFirst} when it finds nothing: where to scan on from. */
  get resume(): number {
    return this._resume;
  }

  /** Count `n` bytes looked at by a delimiter search made outside the queue. */
  countExamined(n: number): void {
    this._examined += n;
  }

  // A cursor that remembers which chunk holds a position, so that a scan
  // resumed over many small chunks does not walk them again from the head.
  private cursorEpoch = NO_EPOCH;
  private cursorIndex = 0;
  private cursorPos = 0;

  // The chunk views were last made of, with its ArrayBuffer and offset.
  // Reading `.buffer` and `.byteOffset` costs about as much as making a view,
  // so they are read once per chunk, not once per read.
  private viewChunk: Uint8Array = EMPTY;
  private viewBuffer: ArrayBufferLike = EMPTY_BUFFER;
  private viewBase = 0;

  /** Append a chunk. The queue keeps a reference: do not reuse the memory. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // The chunk is kept as given (a Node Buffer stays one): making a plain view
    // of every arrival costs more than a one-byte arrival's whole step. What
    // the queue hands out is always a plain Uint8Array (see `view`).
    this.chunks.push(chunk);
    this._length += chunk.length;
  }

  /** How many chunks hold the buffered bytes. */
  pieces(): number {
    return this._length === 0 ? 0 : this.chunks.length - this.first;
  }

  /** How many bytes are buffered in the first chunk (0 when nothing is buffered). */
  firstLength(): number {
    return this._length === 0 ? 0 : this.chunks[this.first].length - this.headOffset;
  }

  /** The byte at position `pos` (0 is the head). The caller checks the bound. */
  byteAt(pos: number): number {
    let i = this.first;
    let p = pos + this.headOffset;
    while (p >= this.chunks[i].length) {
      p -= this.chunks[i].length;
      i++;
    }
    return this.chunks[i][p];
  }

  /**
   * Remove and return the first `n` bytes (`n <= length`): a view of the first
   * chunk when they lie in it, one copy otherwise.
   */
  take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const c = this.chunks[this.first];
    const start = this.headOffset;
    const end = start + n;
    if (end < c.length) {
      // The common case, inlined: the read lies inside the first chunk and leaves some of it.
      this.headOffset = end;
      this._length -= n;
      this._consumed += n;
      return this.view(c, start, n);
    }
    if (end === c.length) {
      const out = start === 0 && c.constructor === Uint8Array ? c : this.view(c, start, n);
      this.advance(n);
      return out;
    }
    const out = slab.alloc(n);
    this.copyTo(out, 0, n);
    this.advance(n);
    return out;
  }

  /**
   * A view of `n` bytes of chunk `c` from `start`. On Node 20,
   * `new Uint8Array(buffer, offset, n)` costs a third to a half of `subarray`.
   */
  private view(c: Uint8Array, start: number, n: number): Uint8Array {
    if (c !== this.viewChunk) {
      this.viewChunk = c;
      this.viewBuffer = c.buffer;
      this.viewBase = c.byteOffset;
    }
    return new Uint8Array(this.viewBuffer, this.viewBase + start, n);
  }

  /**
   * Remove the first `n` bytes and write them into `target` at `at`: copied,
   * or by `copy`, called with each chunk they lie in (or a view of its part).
   */
  takeInto(target: Uint8Array, at: number, n: number, copy: IntoCopy | null = null): void {
    this.copyTo(target, at, n, copy);
    this.advance(n);
  }

  /** Remove the first `n` bytes (`n <= length`) without looking at them. */
  skip(n: number): void {
    const end = this.headOffset + n;
    if (n > 0 && end < this.chunks[this.first].length) {
      // The common case: the bytes lie inside the first chunk and leave some of it.
      this.headOffset = end;
      this._length -= n;
      this._consumed += n;
      return;
    }
    this.advance(n);
  }

  /** A view of the first `n` buffered bytes, which lie in the first chunk (`n <= firstLength()`), leaving the queue as it is. */
  firstBytes(n: number): Uint8Array {
    return n === 0 ? EMPTY : this.view(this.chunks[this.first], this.headOffset, n);
  }

  /**
   * Copy bytes `[start, end)` (`end <= length`) into `target` at `at`, leaving
   * the queue as it is. `cursor` remembers where the last copy stopped (the
   * chunk holding `start`, and that chunk's position): a caller that copies
   * the newest bytes again and again, with nothing consumed in between, walks
   * each chunk once in all. A cursor with `index < 0` starts at the head.
   */
  copyRange(target: Uint8Array, at: number, start: number, end: number, cursor: CopyCursor): void {
    const chunks = this.chunks;
    if (cursor.index < 0) {
      cursor.index = this.first;
      cursor.base = -this.headOffset;
    }
    let i = cursor.index;
    let base = cursor.base;
    while (base + chunks[i].length <= start) base += chunks[i++].length;
    let p = start - base;
    let w = at;
    let left = end - start;
    while (left > 0) {
      const c = chunks[i];
      const k = Math.min(c.length - p, left);
      if (k <= SHORT_COPY) {
        for (let q = 0; q < k; q++) target[w + q] = c[p + q];
      } else {
        target.set(this.view(c, p, k), w);
      }
      w += k;
      left -= k;
      if (p + k < c.length) break;
      base += c.length;
      i++;
      p = 0;
    }
    cursor.index = i;
    cursor.base = base;
  }

  /** Copy bytes `[start, end)` into a new array, leaving the queue as it is. */
  slice(start: number, end: number): Uint8Array {
    const n = Math.max(0, Math.min(end, this._length) - start);
    const out = new Uint8Array(n);
    let i = this.first;
    let p = start + this.headOffset;
    let w = 0;
    while (w < n) {
      const c = this.chunks[i++];
      if (p >= c.length) {
        p -= c.length;
        continue;
      }
      const k = Math.min(c.length - p, n - w);
      out.set(this.view(c, p, k), w);
      w += k;
      p = 0;
    }
    return out;
  }

  /**
   * Find the first position `p >= from` where `delim` occurs and ends at or
   * before `end` (`p + delim.length <= end`). Returns -1 when there is none.
   * Uses the native `indexOf` on each chunk for the first byte, then checks the
   * rest, across chunk boundaries if it must.
   */
  indexOf(delim: Uint8Array, from: number, end: number): number {
    const dl = delim.length;
    const last = end - dl; // last start position that fits
    if (from > last) return -1;
    const b0 = delim[0];
    // Fast path: a match wholly inside the head chunk (a line of a large
    // arrival), without the cursor and the chunk walk. Counts what it looks
    // at as the walk below does.
    const head = this.chunks[this.first];
    const h = this.headOffset;
    const stop = Math.min(head.length - dl, last + h); // last head position a whole match fits at
    let j = from + h;
    if (j <= stop) {
      let tried = 0;
      const b1 = dl > 1 ? delim[1] : 0;
      // A plain loop over the first bytes (a header line is short), then the
      // native indexOf for the first byte of long spans.
      const short = Math.min(stop, j + SHORT_SCAN);
      while (j <= stop) {
        let hit = -1;
        if (j <= short) {
          for (; j <= short; j++) {
            if (head[j] === b0) {
              hit = j;
              break;
            }
          }
        }
        if (hit < 0) {
          if (j > stop) break;
          hit = head.indexOf(b0, j);
          if (hit < 0 || hit > stop) break;
        }
        tried++;
        if (dl === 1 || (head[hit + 1] === b1 && (dl === 2 || this.matchesAt(delim, this.first, hit)))) {
          this._examined += hit - from - h + 1 + tried * (dl - 1);
          return hit - h;
        }
        j = hit + 1;
      }
      this._examined += stop - from - h + 1 + tried * (dl - 1);
      if (stop === last + h) return -1;
      from = stop - h + 1;
    }
    this.locate(from);
    let i = this.cursorIndex;
    let base = this.cursorPos; // position of chunks[i][0] relative to head (may be negative for the first)
    const chunks = this.chunks;
    let examined = 0;
    let pos = from;
    while (pos <= last && i < chunks.length) {
      const c = chunks[i];
      const local = pos - base;
      const hit = find(c, b0, local);
      if (hit < 0 || base + hit > last) {
        examined += Math.min(c.length, last - base + 1) - local;
        if (hit >= 0 || base + c.length > last) break;
        base += c.length;
        pos = base;
        i++;
        continue;
      }
      examined += hit - local + 1;
      const p = base + hit;
      if (dl === 1 || this.matchesAt(delim, i, hit)) {
        this._examined += examined + dl - 1;
        this.cursorIndex = i;
        this.cursorPos = base;
        return p;
      }
      examined += dl - 1;
      pos = p + 1;
    }
    this._examined += examined;
    return -1;
  }

  /**
   * Where `delim` first occurs in the first chunk, from position `from` (0 is
   * the head) with the whole match before position `end`: its index in that
   * chunk ({@link ByteQueue.headChunk}), or -1, with {@link ByteQueue.resume}
   * set to where a search across the other chunks goes on. Consumes nothing.
   */
  findInFirst(delim: Uint8Array, from: number, end: number): number {
    this._resume = from;
    if (this._length === 0) return -1;
    const head = this.chunks[this.first];
    const h = this.headOffset;
    const dl = delim.length;
    // The last index in `head` a whole match fits at (no `h + end` when `end` is Infinity: indices stay small integers).
    const stop = (end >= head.length - h ? head.length : h + end) - dl;
    const start = h + from;
    if (start > stop) return -1;
    const b0 = delim[0];
    const b1 = dl > 1 ? delim[1] : 0;
    const limit = Math.min(stop, start + SHORT_SCAN);
    let j = start;
    let tried = 0;
    while (j <= stop) {
      if (j <= limit) {
        // Short spans (a header line) are fastest in a plain loop...
        while (j <= limit && head[j] !== b0) j++;
        if (j > limit) continue;
      } else {
        // ...long ones in a native search: of the whole delimiter where there is one,
        // else of its first byte.
        const hit = dl > 1 && nativeSearch !== null ? nativeSearch(head, delim, j) : head.indexOf(b0, j);
        if (hit < 0 || hit > stop) break;
        j = hit;
      }
      tried++;
      if (dl === 1 || (head[j + 1] === b1 && (dl === 2 || this.matchesAt(delim, this.first, j)))) {
        this._examined += j - start + 1 + tried * (dl - 1);
        return j;
      }
      j++;
    }
    this._examined += stop - start + 1 + tried * (dl - 1);
    this._resume = stop - h + 1;
    return -1;
  }

  /**
   * The chunk the head lies in, as it was pushed (a Node `Buffer` stays one),
   * for reads by offset: the head is at {@link ByteQueue.headIndex}. Empty
   * when nothing is buffered.
   */
  headChunk(): Uint8Array {
    return this._length === 0 ? EMPTY : this.chunks[this.first];
  }

  /** The index of the head in {@link ByteQueue.headChunk}. */
  headIndex(): number {
    return this.headOffset;
  }

  /** Drop all buffered bytes and return them (one copy if there are several chunks). */
  takeAll(): Uint8Array {
    return this.take(this._length);
  }

  private matchesAt(delim: Uint8Array, index: number, local: number): boolean {
    let c = this.chunks[index];
    let p = local + 1;
    for (let k = 1; k < delim.length; k++, p++) {
      while (p >= c.length) {
        p -= c.length;
        index++;
        if (index >= this.chunks.length) return false;
        c = this.chunks[index];
      }
      if (c[p] !== delim[k]) return false;
    }
    return true;
  }

  /** Point the cursor at the chunk holding position `pos` (`pos < length`). */
  private locate(pos: number): void {
    const chunks = this.chunks;
    if (this.cursorEpoch !== this._consumed || this.cursorPos > pos || pos - this.cursorPos > this._length - pos) {
      this.cursorEpoch = this._consumed;
      if (pos > this._length - pos) {
        // Nearer the tail (a scan resumed after small arrivals): walk back from the last chunk.
        let i = chunks.length - 1;
        let base = this._length - chunks[i].length;
        while (base > pos && i > this.first) base -= chunks[--i].length;
        this.cursorIndex = i;
        this.cursorPos = i === this.first ? -this.headOffset : base;
        return;
      }
      this.cursorIndex = this.first;
      this.cursorPos = -this.headOffset;
    }
    while (this.cursorIndex < chunks.length - 1 && this.cursorPos + chunks[this.cursorIndex].length <= pos) {
      this.cursorPos += chunks[this.cursorIndex].length;
      this.cursorIndex++;
    }
  }

  /** Write the first `n` bytes into `target` at `at`: copied, or each chunk's part handed to `copy`. */
  private copyTo(target: Uint8Array, at: number, n: number, copy: IntoCopy | null = null): void {
    let i = this.first;
    let p = this.headOffset;
    let w = 0;
    while (w < n) {
      const c = this.chunks[i++];
      const k = Math.min(c.length - p, n - w);
      if (copy !== null) copy(p === 0 && k === c.length ? c : this.view(c, p, k), target, at + w);
      else if (k <= SHORT_COPY) {
        // A few bytes (arrivals of a byte or two): a loop beats a native call per chunk.
        for (let q = 0; q < k; q++) target[at + w + q] = c[p + q];
      } else {
        target.set(p === 0 && k === c.length ? c : this.view(c, p, k), at + w);
      }
      w += k;
      p = 0;
    }
  }

  /**
   * `true` when one of the last `k` buffered bytes (`k <= length`) is the last
   * byte of one of `delims`: only such an arrival can complete a match.
   */
  tailHasLastByte(k: number, delims: readonly Uint8Array[]): boolean {
    const chunks = this.chunks;
    let i = chunks.length - 1;
    let c = chunks[i];
    let p = c.length;
    const one = delims.length === 1;
    const b = delims[0][delims[0].length - 1];
    for (let left = k; left > 0; left--) {
      if (p === 0) {
        c = chunks[--i];
        p = c.length;
      }
      const x = c[--p];
      if (x === b) return true;
      if (!one) {
        for (let d = 1; d < delims.length; d++) if (x === delims[d][delims[d].length - 1]) return true;
      }
    }
    return false;
  }

  private advance(n: number): void {
    this._length -= n;
    this._consumed += n;
    if (this._length === 0) {
      // Everything read: drop references to the chunks. Most often there was one, and
      // `pop` keeps the array's room, where setting `length` calls into the engine.
      if (this.chunks.length === 1) this.chunks.pop();
      else this.chunks.length = 0;
      this.viewChunk = EMPTY;
      this.viewBuffer = EMPTY_BUFFER;
      this.first = 0;
      this.headOffset = 0;
      return;
    }
    let off = this.headOffset + n;
    let i = this.first;
    while (off >= this.chunks[i].length) {
      off -= this.chunks[i].length;
      i++;
    }
    this.first = i;
    this.headOffset = off;
    if (i > 1024 && i * 2 > this.chunks.length) {
      // Compact the list now and then so that it does not grow without bound.
      this.chunks = this.chunks.slice(i);
      this.first = 0;
      this.cursorEpoch = NO_EPOCH;
    }
  }
}
