/**
 * A turn of the event loop, in any runtime: `setImmediate` where there is one
 * (it lets pending I/O run first), else a zero timeout.
 *
 * @module
 */
type Immediate = (callback: () => void) => unknown;

const immediate = (globalThis as { setImmediate?: Immediate }).setImmediate;

/**
 * Run `callback` on a later turn of the event loop, after pending I/O. The
 * stream API yields with it between batches of reads, and so do the
 * transports' pumps.
 *
 * @example
 * ```ts
 * nextTurn(() => pump.resume());
 * ```
 */
export const nextTurn: (callback: () => void) => void =
  typeof immediate === 'function' ? (callback) => void immediate(callback) : (callback) => void setTimeout(callback, 0);
