/** Outputs as JSON lines: byte strings one character per byte, so the JSON round-trips exactly. */
import { latin1 } from '@wiremachine/core';

/** A JSON line for any output: byte arrays become latin1 strings, bigints decimal strings. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v instanceof Uint8Array) return latin1(v);
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}
