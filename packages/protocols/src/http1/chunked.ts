/**
 * Chunked transfer coding (RFC 9112 §7.1): the chunk-size line and its
 * extensions.
 *
 * @module
 */
import { CR, HEX, HTAB, LF, SP, TOKEN } from './constants.js';
import { latin1 } from './fields.js';

/** Why a chunk-size line was refused (the caller turns it into an error). */
export const SIZE_INVALID = -1;
export const SIZE_OVERFLOW = -2;
export const EXT_INVALID = -3;

/** Length of the line ending at the end of `line` (CRLF, or a lone LF or CR in lenient modes). */
export function eolLength(line: Uint8Array): number {
  const n = line.length;
  if (n >= 2 && line[n - 2] === CR && line[n - 1] === LF) return 2;
  return n > 0 && (line[n - 1] === LF || line[n - 1] === CR) ? 1 : 0;
}

/** Where the last parsed size line's extensions lie, and where it failed. */
export interface SizeLine {
  extStart: number;
  extEnd: number;
  errorAt: number;
}

/**
 * Parse `chunk-size [ chunk-ext ]` in `line[start, end)` (offsets in `out` are indices in `line`). Returns the size, or one
 * of {@link SIZE_INVALID}, {@link SIZE_OVERFLOW}, {@link EXT_INVALID} (with
 * `out.errorAt`). Sizes are checked against overflow before they are trusted.
 */
export function parseSizeLine(
  line: Uint8Array,
  start: number,
  end: number,
  spacesAfterSize: boolean,
  out: SizeLine,
): number {
  let i = start;
  let n = 0;
  while (i < end) {
    const h = HEX[line[i]];
    if (h < 0) break;
    n = n * 16 + h;
    if (n > Number.MAX_SAFE_INTEGER) {
      out.errorAt = i;
      return SIZE_OVERFLOW;
    }
    i++;
  }
  if (i === start) {
    out.errorAt = start;
    return SIZE_INVALID;
  }
  if (spacesAfterSize) while (i < end && (line[i] === SP || line[i] === HTAB)) i++;
  out.extStart = i;
  out.extEnd = end;
  if (i === end) return n;
  if (line[i] !== 0x3b) {
    out.errorAt = i;
    return SIZE_INVALID;
  }
  const bad = checkExtensions(line, i, end);
  if (bad >= 0) {
    out.errorAt = bad;
    return EXT_INVALID;
  }
  return n;
}

/** `*( ";" token [ "=" ( token / quoted-string ) ] )` over `line[i, end)`: -1, or where it breaks. */
function checkExtensions(line: Uint8Array, i: number, end: number): number {
  while (i < end) {
    if (line[i] !== 0x3b) return i;
    i++;
    const ns = i;
    while (i < end && TOKEN[line[i]] === 1) i++;
    if (i === ns) return i;
    if (i === end) return -1;
    if (line[i] !== 0x3d) continue;
    i++;
    if (i < end && line[i] === 0x22) {
      i = quoted(line, i + 1, end);
      if (i < 0) return end;
    } else {
      const vs = i;
      while (i < end && TOKEN[line[i]] === 1) i++;
      if (i === vs) return i;
    }
  }
  return -1;
}

/** After the opening quote: the index after the closing one, or -1 (RFC 9110 §5.6.4). */
function quoted(line: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = line[i];
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      if (i + 1 >= end) return -1;
      const q = line[i + 1];
      if (q !== HTAB && (q < 0x20 || q === 0x7f)) return -1;
      i += 2;
      continue;
    }
    if (c !== HTAB && (c < 0x20 || c === 0x7f)) return -1;
    i++;
  }
  return -1;
}

/**
 * The extensions of a chunk-size line as `[name, value]` pairs: `value` is
 * `null` when absent, and quoted strings keep their quotes and escapes.
 *
 * @example
 * ```ts
 * parseChunkExtensions(bytes(';a=1;b;c="x y"')) // [['a', '1'], ['b', null], ['c', '"x y"']]
 * ```
 */
export function parseChunkExtensions(ext: Uint8Array): [string, string | null][] {
  const out: [string, string | null][] = [];
  let i = 0;
  const end = ext.length;
  while (i < end && ext[i] === 0x3b) {
    const ns = ++i;
    while (i < end && TOKEN[ext[i]] === 1) i++;
    const name = latin1(ext, ns, i);
    if (i < end && ext[i] === 0x3d) {
      const vs = ++i;
      if (i < end && ext[i] === 0x22) {
        const q = quoted(ext, i + 1, end);
        i = q < 0 ? end : q;
      } else {
        while (i < end && TOKEN[ext[i]] === 1) i++;
      }
      out.push([name, latin1(ext, vs, i)]);
    } else {
      out.push([name, null]);
    }
  }
  return out;
}
