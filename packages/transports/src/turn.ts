/**
 * A turn of the event loop, in any runtime: `setImmediate` where there is one
 * (it lets I/O in between), else a zero timeout.
 *
 * @module
 */
type Immediate = (callback: () => void) => unknown;

const immediate = (globalThis as { setImmediate?: Immediate }).setImmediate;

/** Run `callback` on a later turn of the event loop, after pending I/O. */
export const nextTurn: (callback: () => void) => void =
  typeof immediate === 'function' ? (callback) => void immediate(callback) : (callback) => void setTimeout(callback, 0);
