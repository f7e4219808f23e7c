/**
 * Field sections (headers and trailers) as offsets into the bytes they were
 * read from. Strings are made when asked, and common names are constants.
 *
 * @module
 */
import * as core from '@wiremachine/core';
import * as constants from './constants.js';

// Bound in this module, as in scan.ts: optimized code reads an imported (or exported) binding through its
// module's cell on every use, and takes a constant of the module as its value.
const { CR, FIELD_NAMES, HTAB, LF, LINE, SP } = constants;
const { OFFSET_ZERO } = core;
const decodeLatin1 = core.decode.latin1;

/** `buf[start, end)` as latin1 text (one char per byte): core's decoder, which makes short strings without a native call. */
export const latin1 = decodeLatin1;

/**
 * Bytes of input decoded at once for the strings of heads (see {@link TextWindow}): a
 * string kept from a head keeps at most this much text alive, or the head's own text when that is longer.
 */
export const TEXT_WINDOW = 4096;
const WINDOW = TEXT_WINDOW;

const EMPTY = new Uint8Array(0);

/**
 * @internal The input chunk a parser's heads were last found in, and text decoded from it, shared by those
 * heads. Heads pipelined in one chunk lie one after another: the first head asked for a string decodes its own
 * bytes and what follows it in the chunk, up to {@link TEXT_WINDOW} bytes, in one native call, and the heads
 * after it that lie in that text slice it, with no call of their own (a call into Node's slicer costs more
 * than the copy of a few kilobytes).
 *
 * A head may take the text only while the window still describes the chunk the head was found in: the
 * window's `epoch` changes with the chunk (another buffer, or the same buffer at another stream offset, as a
 * buffer reused for reads is), and a head keeps the epoch it was built in. Only bytes that had arrived (up
 * to `end`) are decoded.
 */
export class TextWindow {
  /** The chunk, the stream offset of its `buf[0]`, and where its bytes end in `buf`. */
  private buf: Uint8Array = EMPTY;
  private base = OFFSET_ZERO;
  private end = 0;
  /** Changes when the chunk does. */
  epoch = 0;
  /** Text of `buf[textStart, textEnd)`, or null. */
  text: string | null = null;
  textStart = 0;
  private textEnd = 0;

  constructor() {
    // Zero, in a field that holds doubles (see OFFSET_ZERO).
    this.base = 0;
  }

  /** A head was found in `buf`, whose `buf[0]` is at stream offset `base` and whose bytes end at `end`. Returns the epoch. */
  see(buf: Uint8Array, base: number, end: number): number {
    if (buf !== this.buf || base !== this.base) {
      this.buf = buf;
      this.base = base;
      this.end = end;
      this.text = null;
      this.epoch++;
    }
    return this.epoch;
  }

  /** Text holding `buf[start, stop)` (of the current chunk): `text`, from `textStart`, decoded here if it does not hold it. */
  cover(start: number, stop: number): string {
    let t = this.text;
    if (t === null || start < this.textStart || stop > this.textEnd) {
      const e = Math.max(stop, Math.min(this.end, start + WINDOW));
      t = decodeLatin1(this.buf, start, e);
      this.text = t;
      this.textStart = start;
      this.textEnd = e;
    }
    return t;
  }

  /**
   * The stream has reached offset `pos`: once past the chunk, let go of it and its text (an idle connection
   * keeps no input alive). Heads still to come in the chunk keep it.
   */
  release(pos: number): void {
    if (pos >= this.base + this.end && this.buf !== EMPTY) {
      this.buf = EMPTY;
      this.text = null;
      this.epoch++;
    }
  }
}

/** `true` when `buf[start, end)` equals `lower` ignoring ASCII case (`lower` is lower-case). */
export function equalsLower(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buf[start + i] | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** A value whose bytes hold obs-folds: CR and LF dropped, then OWS trimmed (as llhttp joins them). */
function unfold(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== CR && c !== LF) s += String.fromCharCode(c);
  }
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HTAB)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HTAB)) b--;
  return s.slice(a, b);
}

/**
 * An ordered list of field lines: names exactly as received, values without
 * leading and trailing whitespace (RFC 9110 §5.5).
 *
 * @example
 * ```ts
 * head.fields.get('content-type'); // 'text/plain', or undefined
 * for (const [name, value] of head.fields) console.log(name, value);
 * ```
 */
export class Fields implements Iterable<[string, string]> {
  /** @internal The bytes the section was read from: the section is `buf[start, start + size)`. */
  readonly buf: Uint8Array;
  /** @internal */
  readonly start: number;
  /** @internal */
  readonly size: number;
  /**
   * @internal {@link LINE} numbers per line from `first`, indices in `buf`: name start and end,
   * value start and end; then the id of a common name spelled exactly so (`FIELD_NAMES`), or -1.
   * The array may hold other sections' lines outside this range.
   */
  readonly offs: Int32Array;
  /** @internal */
  readonly first: number;
  /** Number of field lines. */
  readonly length: number;
  /** @internal Some value holds an obs-fold (lenient `HEADERS` only). */
  readonly folded: boolean;
  private cache: [string, string][] | null = null;
  private flatCache: string[] | null = null;
  /**
   * Text holding the whole section, made or found once: every string is a slice of it (no native call each).
   * It starts at `buf[textStart]`.
   */
  private whole: string | null = null;
  private textStart = 0;
  /** The parser's text window and its epoch when the section was found (see {@link TextWindow}), or null. */
  private readonly window: TextWindow | null;
  private readonly epoch: number;

  /** @internal */
  constructor(
    buf: Uint8Array,
    start: number,
    size: number,
    offs: Int32Array,
    first: number,
    count: number,
    folded: boolean,
    window: TextWindow | null = null,
    epoch = 0,
  ) {
    this.buf = buf;
    this.start = start;
    this.size = size;
    this.offs = offs;
    this.first = first;
    this.length = count;
    this.folded = folded;
    this.window = window;
    this.epoch = epoch;
  }

  /**
   * @internal `buf[start, end)`, within the section, as a string: a slice of text holding the section, made from
   * the bytes it was read from in one native call the first time a string is asked for, or shared with the heads
   * before it in the same chunk (a slice of a JavaScript string costs far less than decoding).
   */
  text(start: number, end: number): string {
    const w = this.sectionText();
    return w.slice(start - this.textStart, end - this.textStart);
  }

  /** Text holding the section (see {@link Fields.whole}), from `textStart`: found or made the first time it is asked for. */
  private sectionText(): string {
    let w = this.whole;
    if (w === null) {
      const win = this.window;
      if (win !== null && win.epoch === this.epoch) {
        w = win.cover(this.start, this.start + this.size);
        this.textStart = win.textStart;
      } else {
        w = decodeLatin1(this.buf, this.start, this.start + this.size);
        this.textStart = this.start;
      }
      this.whole = w;
    }
    return w;
  }

  /** @internal The section's bytes (a view). */
  bytes(): Uint8Array {
    const b = this.buf;
    return new Uint8Array(b.buffer, b.byteOffset + this.start, this.size);
  }

  /** Name of line `i`, as received. */
  name(i: number): string {
    const o = this.offs;
    const k = this.first + LINE * i;
    const id = o[k + 4];
    return id >= 0 ? FIELD_NAMES[id] : this.text(o[k], o[k + 1]);
  }

  /** Value of line `i`. */
  value(i: number): string {
    const o = this.offs;
    const k = this.first + LINE * i;
    const s = o[k + 2];
    const e = o[k + 3];
    return this.folded ? unfold(this.buf, s, e) : this.text(s, e);
  }

  /** Raw bytes of the value of line `i` (a view; obs-folds included). */
  valueBytes(i: number): Uint8Array {
    const k = this.first + LINE * i;
    return this.buf.subarray(this.offs[k + 2], this.offs[k + 3]);
  }

  /** Index of the first line named `name` (any case) at or after `from`, or -1. */
  indexOf(name: string, from = 0): number {
    const lower = name.toLowerCase();
    const o = this.offs;
    for (let i = from, k = this.first + LINE * from; i < this.length; i++, k += LINE)
      if (equalsLower(this.buf, o[k], o[k + 1], lower)) return i;
    return -1;
  }

  /** Values of every line named `name`, in order. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = this.indexOf(name); i >= 0; i = this.indexOf(name, i + 1)) out.push(this.value(i));
    return out;
  }

  /** The values of the lines named `name` joined by `", "` (RFC 9110 §5.3), or `undefined`. */
  get(name: string): string | undefined {
    const first = this.indexOf(name);
    if (first < 0) return undefined;
    const all = this.getAll(name);
    return all.length === 1 ? all[0] : all.join(', ');
  }

  /** Whether a line named `name` is present. */
  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** Every line as `[name, value]`, in order (built once, from {@link Fields.flat}, then cached). */
  entries(): [string, string][] {
    if (this.cache !== null) return this.cache;
    const flat = this.flat();
    const out: [string, string][] = new Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = [flat[2 * i], flat[2 * i + 1]];
    this.cache = out;
    return out;
  }

  /**
   * Every name and value in one array, in order: `[name0, value0, name1, value1, ...]`, as Node's
   * `rawHeaders` (built once, then cached). Fewer objects than {@link Fields.entries}: one array for the section.
   */
  flat(): string[] {
    if (this.flatCache !== null) return this.flatCache;
    const n = this.length;
    const out: string[] = new Array(2 * n);
    if (this.folded) {
      for (let i = 0; i < n; i++) {
        out[2 * i] = this.name(i);
        out[2 * i + 1] = this.value(i);
      }
    } else if (n > 0) {
      const o = this.offs;
      const w = this.sectionText();
      const b = this.textStart;
      for (let i = 0, k = this.first; i < 2 * n; i += 2, k += LINE) {
        const id = o[k + 4];
        out[i] = id >= 0 ? FIELD_NAMES[id] : w.slice(o[k] - b, o[k + 1] - b);
        out[i + 1] = w.slice(o[k + 2] - b, o[k + 3] - b);
      }
    }
    this.flatCache = out;
    return out;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries()[Symbol.iterator]();
  }

  toJSON(): [string, string][] {
    return this.entries();
  }
}

/** An empty field section. */
export const NO_FIELDS = new Fields(new Uint8Array(0), 0, 0, new Int32Array(0), 0, 0, false);
