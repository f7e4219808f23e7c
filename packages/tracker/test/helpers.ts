/** Test helpers: bounded waits, seeded randomness, info hashes and peer ids, a watch on unhandled rejections. */
import { afterAll, beforeAll, expect } from 'vitest';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or a rejection after `ms`: no test waits forever. */
export function within<T>(p: Promise<T>, ms = 5000, what = 'operation'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

/** The rejection of `p` (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`);
    },
    (e: unknown) => e,
  );
}

/** xorshift32, seeded. */
export function seeded(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

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

/** Fail the file if any unhandled rejection happened during its tests. */
export function watchUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', listener);
  });
  afterAll(async () => {
    await sleep(20);
    process.off('unhandledRejection', listener);
    expect(seen).toEqual([]);
  });
}
