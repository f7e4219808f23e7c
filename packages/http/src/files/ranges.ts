/**
 * Range requests (RFC 9110 §14): the `Range` field read by `range-parser`
 * (the parser of `send`), and the framing of a `multipart/byteranges` body.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import rangeParser from 'range-parser';

/** @internal One range, both ends included. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * @internal What a `Range` field asks of a file of `size` bytes: the ranges
 * to send (overlapping and adjacent ones merged, in order), `'unsatisfiable'`
 * (416), or `null` to ignore it and send the whole file (a unit other than
 * bytes, a malformed field, or more than `maxRanges` ranges: §14.2 lets a
 * server ignore a Range).
 */
export function parseRange(size: number, field: string, maxRanges: number): ByteRange[] | 'unsatisfiable' | null {
  const eq = field.indexOf('=');
  // The range unit is case-insensitive (§14.1); only bytes is known here.
  if (eq < 0 || field.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  // §14.1.3: a suffix longer than the representation selects all of it. range-parser 1.3 drops such
  // a range as unsatisfiable, so it is given as `0-` instead.
  const specs = field
    .slice(eq + 1)
    .split(',')
    .map((s) => {
      const m = /^\s*-\s*(\d+)\s*$/.exec(s);
      return m !== null && Number(m[1]) > size ? '0-' : s;
    });
  const r = rangeParser(size, `bytes=${specs.join(',')}`, { combine: true });
  if (r === -2) return null;
  if (r === -1) return 'unsatisfiable';
  if (r.length > maxRanges) return null;
  return r.map(({ start, end }) => ({ start, end }));
}

/** @internal The parts of a `multipart/byteranges` body (RFC 9110 §14.6), and its length. */
export class Multipart {
  readonly boundary = randomBytes(12).toString('hex');
  /** The head of each part, the first one without the CRLF that ends the previous part's data. */
  readonly heads: string[];
  readonly tail = `\r\n--${this.boundary}--\r\n`;
  readonly length: number;

  constructor(
    readonly ranges: readonly ByteRange[],
    type: string,
    size: number,
  ) {
    this.heads = ranges.map(
      (r, i) =>
        `${i === 0 ? '' : '\r\n'}--${this.boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`,
    );
    let length = this.tail.length;
    for (let i = 0; i < ranges.length; i++) length += this.heads[i].length + ranges[i].end - ranges[i].start + 1;
    this.length = length;
  }

  get contentType(): string {
    return `multipart/byteranges; boundary=${this.boundary}`;
  }
}
