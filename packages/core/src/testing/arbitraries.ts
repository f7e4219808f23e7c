/**
 * fast-check arbitraries for feeding parsers: byte arrays cut into chunks at
 * arbitrary points (one-byte feeding included), and mutations of valid input.
 *
 * @module
 */
import fc from 'fast-check';

/** Cut `input` at the given points (taken modulo its length, sorted, deduplicated). */
export function cut(input: Uint8Array, points: readonly number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => (input.length === 0 ? 0 : p % (input.length + 1))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, input.length]) {
    if (p > from) out.push(input.subarray(from, p));
    from = p;
  }
  return out;
}

/** `input` one byte at a time. */
export function oneByteChunks(input: Uint8Array): Uint8Array[] {
  return Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1));
}

/**
 * Ways to cut one input into chunks: whole, one byte at a time, or at random
 * points (chosen by fast-check, so a failure shrinks to the fewest cuts).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(chunkings(encodeFrame(payload)), (chunks) => ...));
 * ```
 */
export function chunkings(input: Uint8Array): fc.Arbitrary<Uint8Array[]> {
  return fc.oneof(
    { arbitrary: fc.constant([input]) as fc.Arbitrary<Uint8Array[]>, weight: 1 },
    { arbitrary: fc.constant(oneByteChunks(input)), weight: 1 },
    { arbitrary: fc.array(fc.nat(), { maxLength: 16 }).map((points) => cut(input, points)), weight: 4 },
  );
}

/** An input together with one way to cut it. */
export interface Chunked {
  input: Uint8Array;
  chunks: Uint8Array[];
}

/** Inputs from `inputs`, each with a chunking of it. */
export function chunked(inputs: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Chunked> {
  return inputs.chain((input) => chunkings(input).map((chunks) => ({ input, chunks })));
}

/**
 * Mutations of valid inputs: flipped, inserted, deleted and duplicated bytes,
 * truncation, and splices of random bytes. Use with {@link typedRejection}.
 */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), value: fc.nat({ max: 64 }) }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([input, edits]) => {
    let bytes = Array.from(input);
    for (const e of edits) {
      const at = bytes.length === 0 ? 0 : e.at % (bytes.length + 1);
      if (e.kind === 'flip' && at < bytes.length) bytes[at] = e.value;
      else if (e.kind === 'insert') bytes.splice(at, 0, e.value);
      else if (e.kind === 'delete') bytes.splice(at, 1);
      else if (e.kind === 'truncate') bytes = bytes.slice(0, at);
      else if (e.kind === 'duplicate') bytes.splice(at, 0, ...bytes.slice(at, at + e.value));
    }
    return Uint8Array.from(bytes);
  });
}
