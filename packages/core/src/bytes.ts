/**
 * Small byte helpers that protocols and their tests keep needing.
 *
 * @module
 */

/**
 * One array holding `parts` one after the other (one copy).
 *
 * @example
 * ```ts
 * const packet = concatBytes([header, payload]);
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Bytes as latin1 text, one char per byte (TextDecoder's "latin1" is
 * windows-1252).
 *
 * @example
 * ```ts
 * latin1(new Uint8Array([0x68, 0x69, 0xff])); // 'hi\u00ff'
 * ```
 */
export function latin1(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += 8192) {
    out += String.fromCharCode.apply(null, data.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}
