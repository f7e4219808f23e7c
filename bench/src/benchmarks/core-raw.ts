/**
 * The hand-written peers of the `core` benchmark: the slicing a read does,
 * with no driver, no event and no machine. Each hands out one view per
 * record, as the driver does, and checks it found every record.
 *
 * Two bounds per read kind: the obvious code (`subarray`, `Buffer#indexOf`)
 * and the cheapest found (a view built from the chunk's `ArrayBuffer`, a
 * search for the first delimiter byte). On Node 20 `subarray` costs two to
 * three times what `new Uint8Array(buffer, offset, length)` does, so the two
 * bounds differ by more than the driver's own overhead.
 *
 * @module
 */
import { do_not_optimize } from 'mitata';
import type { BenchCase } from '../define.js';

const CRLF = Buffer.from('\r\n', 'latin1');
const CR = 0x0d;
const LF = 0x0a;

function expect(name: string, found: number, records: number): void {
  if (found !== records) throw new Error(`${name}: found ${found} records, expected ${records}`);
}

/** `subarray` of each 4 bytes: what a `bytes(4)` read hands out. */
export function rawFixedSubarray(input: Buffer, records: number): BenchCase {
  const name = 'raw subarray';
  return {
    name,
    ops: records,
    prepare: () => () => {
      let n = 0;
      for (let at = 0; at + 4 <= input.length; at += 4) {
        do_not_optimize(input.subarray(at, at + 4));
        n++;
      }
      expect(name, n, records);
      return n;
    },
  };
}

/** A view of each 4 bytes built from the chunk's `ArrayBuffer` (read once per chunk). */
export function rawFixedView(input: Buffer, records: number): BenchCase {
  const name = 'raw view';
  return {
    name,
    ops: records,
    prepare: () => () => {
      // `.buffer` and `.byteOffset` are read once: each read of them costs
      // about as much as the view itself.
      const buffer = input.buffer;
      const base = input.byteOffset;
      let n = 0;
      for (let at = 0; at + 4 <= input.length; at += 4) {
        do_not_optimize(new Uint8Array(buffer, base + at, 4));
        n++;
      }
      expect(name, n, records);
      return n;
    },
  };
}

/** `Buffer#indexOf` of CRLF, then `subarray` of the line: an `until("\r\n")` read, by hand. */
export function rawLineIndexOf(input: Buffer, records: number): BenchCase {
  const name = 'raw indexOf+subarray';
  return {
    name,
    ops: records,
    prepare: () => () => {
      let n = 0;
      let at = 0;
      for (let p = input.indexOf(CRLF, at); p >= 0; p = input.indexOf(CRLF, at)) {
        do_not_optimize(input.subarray(at, p + 2));
        at = p + 2;
        n++;
      }
      expect(name, n, records);
      return n;
    },
  };
}

/** `indexOf` of CR, a check for LF, then a view from the `ArrayBuffer`. */
export function rawLineView(input: Buffer, records: number): BenchCase {
  const name = 'raw indexOf(CR)+view';
  return {
    name,
    ops: records,
    prepare: () => () => {
      const buffer = input.buffer;
      const base = input.byteOffset;
      let n = 0;
      let at = 0;
      for (let p = input.indexOf(CR, at); p >= 0; p = input.indexOf(CR, p + 1)) {
        if (input[p + 1] !== LF) continue;
        do_not_optimize(new Uint8Array(buffer, base + at, p + 2 - at));
        at = p + 2;
        n++;
      }
      expect(name, n, records);
      return n;
    },
  };
}
