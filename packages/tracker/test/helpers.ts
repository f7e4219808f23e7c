/** Test helpers: bounded waits, seeded randomness, info hashes and peer ids, a watch on unhandled rejections. */

// Bounded waits, rejections, seeded randomness and the rejection watch are the transports' own test helpers.
export {
  leftSince,
  rejection,
  resources,
  seeded,
  sleep,
  watchUnhandledRejections,
  within,
} from '../../transports/test/helpers.js';

import { seeded } from '../../transports/test/helpers.js';

/** A seeded source of u32 transaction ids. */
export const seededIds = (seed: number) => {
  const r = seeded(seed);
  return () => Math.floor(r() * 2 ** 32);
};

/** 20 bytes, all `n` (an info hash or a peer id that is easy to read in a failure). */
export const hash20 = (n: number) => new Uint8Array(20).fill(n & 0xff);

/** 20 distinct bytes from `n` (info hashes beyond 256). */
export function hashOf(n: number): Uint8Array {
  const h = new Uint8Array(20);
  new DataView(h.buffer).setUint32(0, n);
  h[19] = 0xaa;
  return h;
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
