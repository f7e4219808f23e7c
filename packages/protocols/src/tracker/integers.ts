/**
 * Big-endian integers of BEP 15, read from and written to byte arrays
 * without a `DataView` per field (reads hand out views at any offset).
 *
 * @module
 */
import { ErrorCode, WiremachineError } from '@wiremachine/core';

/** Unsigned 16-bit integer at `b[at]`. */
export const u16 = (b: Uint8Array, at = 0): number => (b[at] << 8) | b[at + 1];

/** Unsigned 32-bit integer at `b[at]`. */
export const u32 = (b: Uint8Array, at = 0): number =>
  ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

/** Signed 32-bit integer at `b[at]` (num_want: -1 asks for the tracker's default). */
export const i32 = (b: Uint8Array, at = 0): number => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];

/** Unsigned 64-bit integer at `b[at]`, as a bigint. */
export const u64 = (b: Uint8Array, at = 0): bigint => (BigInt(u32(b, at)) << 32n) | BigInt(u32(b, at + 4));

/** Write the low 16 bits of `v` at `out[at]`. */
export function put16(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 8;
  out[at + 1] = v;
}

/** Write the low 32 bits of `v` (signed or not) at `out[at]`. */
export function put32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = v >>> 16;
  out[at + 2] = v >>> 8;
  out[at + 3] = v;
}

/** Write the low 64 bits of `v` at `out[at]`. */
export function put64(out: Uint8Array, at: number, v: bigint): void {
  put32(out, at, Number((v >> 32n) & 0xffffffffn));
  put32(out, at + 4, Number(v & 0xffffffffn));
}

/** One char per byte (latin1): every byte survives, and `fromLatin1` gives them back. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** The bytes of a latin1 string; a char above 0xff is refused (`WIREMACHINE_ERR_INVALID_ARGUMENT`). */
export function fromLatin1(s: string, what: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${what}: char ${i} is not a byte (latin1 text only)`);
    }
    out[i] = c;
  }
  return out;
}
