/** Test helpers: bytes and text, bounded waits, a seeded generator, and a watch on unhandled rejections. */

import { concatBytes, type Transport, type TransportSink } from '@wiremachine/core';
import { afterAll, beforeAll, expect } from 'vitest';

export const enc = (s: string) => new TextEncoder().encode(s);
export const txt = (b: Uint8Array) => new TextDecoder().decode(b);
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

/** Poll `check` every few ms until it holds; fail after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not hold within ${ms} ms`);
    await sleep(5);
  }
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

/** xorshift32, seeded: tests print nothing random that cannot be replayed. */
export function seeded(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Seeded random bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const r = seeded(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/**
 * Count unhandled rejections during a file's tests, and check there were none
 * at the end (after two turns, so late ones are seen).
 */
export function watchUnhandledRejections(): { readonly count: number } {
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
  return {
    get count() {
      return seen.length;
    },
  };
}

/** One array of `parts`. */
export const concat = concatBytes;

/** Whether ::1 can be bound here; tests that need it are skipped, saying so, when it cannot. */
export async function hasIpv6Loopback(what: string): Promise<boolean> {
  const { udpSocket } = await import('../src/node/index.js');
  try {
    (await udpSocket({ type: 'udp6', address: '::1' })).close();
    return true;
  } catch {
    console.warn(`IPv6 loopback (::1) is unavailable here: ${what} are skipped`);
    return false;
  }
}

/** A transport fed by hand: `feed` and `end` deliver to its sink; pause, resume, close and writes are recorded. */
export function manual() {
  let sink: TransportSink | null = null;
  const log: string[] = [];
  const written: string[] = [];
  const t: Transport = {
    start: (s) => {
      sink = s;
    },
    write: async (c) => {
      written.push(txt(c));
    },
    close: (e) => log.push(e === undefined ? 'close' : 'abort'),
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
  };
  const to = (): TransportSink => {
    if (sink === null) throw new Error('the transport was not started');
    return sink;
  };
  return {
    t,
    log,
    written,
    started: () => sink !== null,
    feed: (s: string | Uint8Array) => to().data(typeof s === 'string' ? enc(s) : s),
    end: (e?: unknown) => to().end(e),
  };
}

/** Counts of each resource kind (handles, timers) Node has open. */
export function resources(): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) out.set(r, (out.get(r) ?? 0) + 1);
  return out;
}

/** The resources open now that were not open at `before`, once closing handles had a few turns to finish. */
export async function leftSince(before: Map<string, number>): Promise<Record<string, number>> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  const left: Record<string, number> = {};
  for (const [kind, n] of resources()) if (n > (before.get(kind) ?? 0)) left[kind] = n - (before.get(kind) ?? 0);
  return left;
}
