/**
 * Satisfying one read request from a {@link ByteQueue}.
 *
 * This is the one place that knows what each read kind needs; the driver and
 * {@link ByteStream} both call it. It is a plain function of the queue, the
 * request and the read's progress: it returns the event to deliver, or `null`
 * when more bytes are needed, and never calls back into anything.
 *
 * @module
 */

import { type ByteQueue, type CopyCursor, Slab, slab } from './byte-queue.js';
import { latin1 } from './bytes.js';
import { ErrorCode, MaxBytesError, WiremachineError } from './errors.js';
import { ReadResult } from './read-result.js';
import type { ReadEvent, ReadMap, ReadRequest, UntilRead } from './reads.js';

const NONE = new Uint8Array(0);

/** Progress of the read in flight. Reset when a new read starts. */
export class ReadProgress {
  /** `until`: the first position not yet scanned for every delimiter. */
  scan = 0;
  /** `into`: bytes written so far. `streamBytes`: bytes delivered so far. */
  count = 0;
  /** `regex`: the window decoded so far, as latin1 text. */
  text = '';
  /** `until`: bytes buffered when the last search stopped (0 before the first one). */
  seen = 0;
  /** `until` with `measure`: it was asked already (once a read). */
  measured = false;
  /** `until` with `validate`: bytes the last call was given (0 before the first one). */
  validated = 0;
  /** `until` with `validate`: a copy of the waiting bytes, `[0, copied)`, appended to as they arrive. */
  copy: Uint8Array = NONE;
  copied = 0;
  readonly cursor: CopyCursor = { index: -1, base: 0 };

  reset(): void {
    this.scan = 0;
    this.seen = 0;
    this.measured = false;
    this.validated = 0;
    // The copy is dropped, not kept for the next read: an idle connection holds no buffer.
    this.copy = NONE;
    this.copied = 0;
    this.cursor.index = -1;
    this.count = 0;
    this.text = '';
  }
}

/** `until` validate: the waiting bytes are handed over again once they have grown this many times. */
const VALIDATE_GROWTH = 4;
/**
 * `until` validate: waiting bytes that arrived in pieces smaller than this on
 * average (a byte or a few at a time) are copied together for it only from
 * {@link VALIDATE_SPREAD} bytes on: copying is paid by the piece, more than
 * the check is worth for a record trickled in byte by byte.
 */
const VALIDATE_PIECE = 4;
const VALIDATE_SPREAD = 1024;

/** Arrivals up to this size that cannot complete an `until` are not searched (see satisfyUntil). */
const SKIP_ARRIVAL = 64;

/**
 * Take the first `n` bytes into `ev`: by offset into the first chunk when they
 * lie in it (no view is made), else as one copy; decoded by `map` first, if
 * given, while the bytes are still buffered (a decoder that rejects them
 * leaves the error at the read's start). `skip` more bytes are consumed after
 * them (a stripped delimiter).
 */
function takeRange(
  queue: ByteQueue,
  ev: ReadResult,
  at: number,
  n: number,
  skip: number,
  map: ReadMap | null,
  delimiter: number,
): ReadResult {
  const c = n === 0 ? NONE : queue.headChunk();
  const h = n === 0 ? 0 : queue.headIndex() + at;
  if (h + n <= c.length) {
    const out = ev.setRange(c, h, h + n, map === null ? undefined : map(c, h, h + n), delimiter);
    queue.skip(at + n + skip);
    return out;
  }
  // Spread over chunks: one copy, made in one walk over them.
  if (map === null) {
    if (at > 0) queue.skip(at);
    const data = queue.take(n);
    if (skip > 0) queue.skip(skip);
    return ev.setView(data, delimiter, null);
  }
  // The copy goes into the shared slab when it is small (see Slab): the read's event holds it by offset.
  let copy: Uint8Array;
  let from = 0;
  if (n <= Slab.MAX) {
    from = slab.take(n);
    copy = slab.buf;
  } else copy = new Uint8Array(n);
  queue.copyRange(copy, from, at, at + n, { index: -1, base: 0 });
  const out = ev.setRange(copy, from, from + n, map(copy, from, from + n), delimiter);
  queue.skip(at + n + skip);
  return out;
}

/** The length a `lengthPrefixed` read announces; the caller checks that `width` bytes are buffered. */
function prefixOf(queue: ByteQueue, width: number, littleEndian: boolean): number {
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + queue.byteAt(littleEndian ? width - 1 - i : i);
  return n;
}

/**
 * Satisfy `read` from `queue` if it can be, or return `null`.
 * With `eof`, no more bytes will come: reads that complete at the end
 * (`untilClose`, partial reads, the end of a stream) complete now.
 * Throws {@link MaxBytesError} (without a position) when a limit is certain to
 * be exceeded.
 */
export function satisfy(
  queue: ByteQueue,
  read: ReadRequest,
  progress: ReadProgress,
  eof: boolean,
  ev: ReadResult = new ReadResult(),
): ReadEvent | null {
  const available = queue.length;
  switch (read.kind) {
    case 'bytes': {
      const n = read.n;
      if (available >= n) return takeRange(queue, ev, 0, n, 0, read.map ?? null, -1);
      if (read.partial && available > 0) return takeRange(queue, ev, 0, available, 0, read.map ?? null, -1);
      return null;
    }
    case 'lengthPrefixed': {
      const width = read.width;
      if (available < width) return null;
      const n = prefixOf(queue, width, read.littleEndian);
      // Checked on the length, before the payload is buffered.
      if (n > read.maxBytes) throw new MaxBytesError(read.maxBytes);
      if (available < width + n) return null;
      return takeRange(queue, ev, width, n, 0, read.map ?? null, -1);
    }
    case 'until':
      return satisfyUntil(queue, read, progress, ev);
    case 'into': {
      const buffer = read.buffer;
      const want = buffer.length - progress.count;
      const k = Math.min(want, available);
      if (k > 0) {
        // Copy what is here now, so the queue does not hold it twice.
        queue.takeInto(buffer, progress.count, k, read.copy ?? null);
        progress.count += k;
      }
      if (progress.count === buffer.length || (read.partial && progress.count > 0)) {
        return ev.setView(buffer.subarray(0, progress.count), -1, null);
      }
      return null;
    }
    case 'regex':
      return satisfyRegex(queue, read.re, read.maxBytes, progress, ev);
    case 'untilClose':
      if (available > read.maxBytes) throw new MaxBytesError(read.maxBytes);
      return eof ? ev.setView(queue.take(available), -1, null) : null;
    case 'streamBytes': {
      const left = read.n - progress.count;
      if (left === 0) return { type: 'done' };
      if (available === 0) return null;
      const first = queue.firstLength();
      const k = Math.min(first, left);
      progress.count += k;
      return { type: 'chunk', data: queue.take(k) };
    }
    case 'streamUntilClose':
      if (available > 0) return { type: 'chunk', data: queue.take(queue.firstLength()) };
      return eof ? { type: 'done' } : null;
  }
}

/** {@link satisfy} for an `until` read (exported for the driver's loop, which calls it without the dispatch). */
export function satisfyUntil(
  queue: ByteQueue,
  read: UntilRead,
  progress: ReadProgress,
  ev: ReadResult = new ReadResult(),
): ReadEvent | null {
  if (read.measure !== null && !progress.measured && queue.length > 0) {
    // Once a read, before any search: the record may be found whole in the first chunk.
    progress.measured = true;
    const first = queue.firstLength();
    const c = queue.headChunk();
    const n = read.measure(c, queue.headIndex(), c.length, queue.consumed);
    if (n >= 0) {
      if (n > first || n > read.maxBytes) throw measuredPast(n, first, read.maxBytes);
      return takeRange(queue, ev, 0, n, 0, read.map ?? null, 0);
    }
  }
  const delimiters = read.delimiters;
  const end = Math.min(queue.length, read.maxBytes);
  const seen = progress.seen;
  // A match can only end in an arrival that holds the last byte of a delimiter.
  // When a small arrival holds none, and the scan had ruled out every match
  // ending in the bytes before it, nothing here can complete: look at the
  // arrival's bytes only (they count as examined), not at the whole window.
  if (seen > 0 && end === queue.length && end - seen <= SKIP_ARRIVAL && end > seen) {
    const k = end - seen;
    queue.countExamined(k);
    if (!queue.tailHasLastByte(k, delimiters)) {
      progress.seen = end;
      if (read.validate !== null && end >= VALIDATE_GROWTH * progress.validated)
        validatePending(queue, read, progress, end);
      if (end >= read.maxBytes) throw overLimit(queue, read, progress, end);
      const resume = end - read.longest + 1;
      if (resume > progress.scan) progress.scan = resume;
      return null;
    }
  }
  let best: number;
  let which = 0;
  if (delimiters.length === 1) {
    const d = delimiters[0];
    const j = queue.findInFirst(d, progress.scan, end);
    if (j >= 0) {
      const n = j - queue.headIndex();
      return read.strip
        ? takeRange(queue, ev, 0, n, d.length, read.map ?? null, 0)
        : takeRange(queue, ev, 0, n + d.length, 0, read.map ?? null, 0);
    }
    // Not in the first chunk: go on across the others from where that scan stopped.
    best = queue.indexOf(d, queue.resume, end);
  } else {
    best = -1;
    for (let i = 0; i < delimiters.length; i++) {
      const d = delimiters[i];
      // Only a match that starts before the best so far can win.
      const bound = best < 0 ? end : Math.min(end, best - 1 + d.length);
      const p = queue.indexOf(d, progress.scan, bound);
      if (p >= 0) {
        best = p;
        which = i;
      }
    }
  }
  if (best >= 0) {
    const dl = delimiters[which].length;
    return read.strip
      ? takeRange(queue, ev, 0, best, dl, read.map ?? null, which)
      : takeRange(queue, ev, 0, best + dl, 0, read.map ?? null, which);
  }
  if (read.validate !== null && end >= VALIDATE_GROWTH * progress.validated)
    validatePending(queue, read, progress, end);
  if (queue.length >= read.maxBytes) throw overLimit(queue, read, progress, end);
  // Every start position below `end - longest + 1` has been ruled out for
  // every delimiter; resume there when more bytes arrive.
  const resume = end - read.longest + 1;
  if (resume > progress.scan) progress.scan = resume;
  progress.seen = end;
  return null;
}

/**
 * The error for a record `measure` found longer than the `first` bytes it
 * was given (the measure is wrong) or than `maxBytes` (the input is).
 */
export function measuredPast(n: number, first: number, maxBytes: number): WiremachineError {
  if (n > first) {
    return new WiremachineError(
      ErrorCode.INVALID_STATE,
      `until() measure returned ${n}, past the ${first} bytes given`,
    );
  }
  return new MaxBytesError(maxBytes);
}

/**
 * The read cannot end within `maxBytes`. Its bytes up to the limit go to
 * `validate` first, however many were handed over before: a fault there is
 * named alike whether the bytes came at once or in pieces (the growth rule
 * would otherwise let the limit be reported first in one slicing only).
 */
function overLimit(queue: ByteQueue, read: UntilRead, progress: ReadProgress, end: number): MaxBytesError {
  if (read.validate !== null && end > 0) validatePending(queue, read, progress, end, true);
  return new MaxBytesError(read.maxBytes);
}

/**
 * Hand the waiting bytes `[0, end)` to the read's `validate` (the callers
 * check that they have grown {@link VALIDATE_GROWTH} times since the last
 * call). A window inside the first chunk is a view; otherwise the bytes go
 * into one growing copy, each byte copied once (only the bytes that arrived
 * since the last call are added to it), and a window of tiny pieces waits
 * for {@link VALIDATE_SPREAD} bytes.
 */
function validatePending(queue: ByteQueue, read: UntilRead, progress: ReadProgress, end: number, now = false): void {
  if (end === 0) return;
  let window: Uint8Array;
  if (progress.copied === 0 && queue.firstLength() >= end) {
    progress.validated = end;
    window = queue.firstBytes(end);
  } else {
    if (!now && end < VALIDATE_SPREAD && queue.pieces() * VALIDATE_PIECE > end) {
      // Tiny pieces: the next check is due at VALIDATE_SPREAD bytes.
      progress.validated = VALIDATE_SPREAD / VALIDATE_GROWTH;
      return;
    }
    progress.validated = end;
    let copy = progress.copy;
    if (copy.length < end) {
      const grown = new Uint8Array(Math.max(end, 2 * copy.length, 256));
      grown.set(copy.subarray(0, progress.copied));
      progress.copy = copy = grown;
    }
    if (progress.copied < end) queue.copyRange(copy, progress.copied, progress.copied, end, progress.cursor);
    progress.copied = end;
    window = copy.subarray(0, end);
  }
  (read.validate as NonNullable<UntilRead['validate']>)(window, queue.consumed);
}

function satisfyRegex(
  queue: ByteQueue,
  re: RegExp,
  maxBytes: number,
  progress: ReadProgress,
  ev: ReadResult,
): ReadEvent | null {
  const window = Math.min(queue.length, maxBytes);
  if (progress.text.length < window) progress.text += latin1(queue.slice(progress.text.length, window));
  const m = re.exec(progress.text);
  if (m !== null) {
    const end = m.index + m[0].length;
    return ev.setView(queue.take(end), -1, m);
  }
  if (queue.length >= maxBytes) throw new MaxBytesError(maxBytes);
  return null;
}
