/**
 * An immutable list built by pushing on its front: each push allocates one
 * cell and copies nothing, so a machine collects n peers or info hashes in
 * O(n) while keeping its context immutable (as xstate asks); the list is
 * turned into an array, in arrival order, once, when the packet is emitted.
 *
 * @module
 */

/** A list cell, or `null` for the empty list. */
export type Stack<T> = { readonly head: T; readonly tail: Stack<T> } | null;

/** `stack` with `value` in front. */
export const push = <T>(stack: Stack<T>, value: T): Stack<T> => ({ head: value, tail: stack });

/** The values in the order they were pushed. */
export function toArray<T>(stack: Stack<T>): T[] {
  const out: T[] = [];
  for (let s = stack; s !== null; s = s.tail) out.push(s.head);
  return out.reverse();
}
