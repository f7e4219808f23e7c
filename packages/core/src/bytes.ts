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
