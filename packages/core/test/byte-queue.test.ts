import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ByteQueue, Slab } from '../src/byte-queue.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The first p >= from with delim at p and p + delim.length <= end, by brute force. */
function naiveIndexOf(hay: Uint8Array, delim: Uint8Array, from: number, end: number): number {
  outer: for (let p = from; p + delim.length <= end; p++) {
    for (let k = 0; k < delim.length; k++) if (hay[p + k] !== delim[k]) continue outer;
    return p;
  }
  return -1;
}

function chunked(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, data.length]) {
    out.push(data.slice(at, p));
    at = p;
  }
  return out;
}

describe('ByteQueue', () => {
  test.prop([
    fc.uint8Array({ minLength: 1, maxLength: 200 }),
    fc.array(fc.nat(), { maxLength: 30 }),
    fc.nat(50),
    fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
  ])(
    'copyRange with a cursor copies every range exactly, however the bytes were cut and the ranges follow one another',
    (data, cuts, consumed, steps) => {
      const q = new ByteQueue();
      for (const c of chunked(data, cuts)) q.push(c);
      q.take(Math.min(consumed, data.length - 1));
      const rest = data.subarray(Math.min(consumed, data.length - 1));
      const copy = new Uint8Array(rest.length);
      const cursor = { index: -1, base: 0 };
      // Successive ranges, each starting where the last stopped (as a waiting read copies its newest bytes).
      let at = 0;
      for (const s of steps) {
        if (at >= rest.length) break;
        const end = Math.min(rest.length, at + 1 + (s % rest.length));
        q.copyRange(copy, at, at, end, cursor);
        expect(Array.from(copy.subarray(0, end))).toEqual(Array.from(rest.subarray(0, end)));
        at = end;
      }
      expect(q.length).toBe(rest.length);
    },
  );

  test('a read inside one chunk is a zero-copy view of it', () => {
    const q = new ByteQueue();
    const chunk = enc('abcdef');
    q.push(chunk);
    q.skip(1);
    const view = q.take(3);
    expect(Array.from(view)).toEqual(Array.from(enc('bcd')));
    expect(view.buffer).toBe(chunk.buffer);
    expect(view.byteOffset).toBe(chunk.byteOffset + 1);
  });

  test('a read that spans chunks copies once into a new array', () => {
    const q = new ByteQueue();
    const a = enc('abc');
    const b = enc('def');
    q.push(a);
    q.push(b);
    const out = q.take(5);
    expect(new TextDecoder().decode(out)).toBe('abcde');
    expect(out.buffer).not.toBe(a.buffer);
    expect(out.buffer).not.toBe(b.buffer);
    expect(q.length).toBe(1);
    expect(q.consumed).toBe(5);
    expect(q.take(1)[0]).toBe('f'.charCodeAt(0));
  });

  test('copies of spread reads never share bytes: each keeps its own, across several slabs', () => {
    const q = new ByteQueue();
    const kept: [Uint8Array, number][] = [];
    // Reads of 1 to 300 bytes, each spread over two chunks, 60 KiB in all (several 8 KiB slabs).
    let total = 0;
    for (let i = 0; total < 60_000; i++) {
      const n = 1 + ((i * 37) % 300);
      const fill = i % 251;
      const bytes = new Uint8Array(n).fill(fill);
      q.push(bytes.slice(0, n >> 1));
      q.push(bytes.slice(n >> 1));
      const out = q.take(n);
      expect(out.length).toBe(n);
      expect(out.byteOffset % 8).toBe(0);
      kept.push([out, fill]);
      total += n;
    }
    for (const [out, fill] of kept) expect(out.every((b) => b === fill)).toBe(true);
  });

  test('a spread read larger than half a slab gets an array of its own', () => {
    const q = new ByteQueue();
    const n = Slab.MAX + 1;
    q.push(new Uint8Array(n >> 1).fill(1));
    q.push(new Uint8Array(n - (n >> 1)).fill(1));
    const out = q.take(n);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(n);
    const small = new ByteQueue();
    small.push(enc('ab'));
    small.push(enc('cd'));
    expect(small.take(3).buffer.byteLength).toBe(8192);
  });

  test('empty chunks are ignored and take(0) consumes nothing', () => {
    const q = new ByteQueue();
    q.push(new Uint8Array(0));
    expect(q.length).toBe(0);
    expect(q.take(0).length).toBe(0);
    expect(q.consumed).toBe(0);
  });

  test.prop(
    [
      fc.uint8Array({ maxLength: 64 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.uint8Array({ minLength: 1, maxLength: 3 }),
    ],
    {
      seed: 42,
      numRuns: 300,
    },
  )('indexOf across chunk boundaries agrees with a brute-force search', (data, cuts, delimSeed) => {
    // Draw the delimiter's bytes from a small alphabet so that matches happen.
    const hay = data.map((b) => b % 3);
    const delim = delimSeed.map((b) => b % 3);
    const q = new ByteQueue();
    for (const c of chunked(hay, cuts)) q.push(c);
    for (let from = 0; from <= hay.length; from += 3) {
      for (const end of [hay.length, Math.floor(hay.length / 2)]) {
        expect(q.indexOf(delim, from, end)).toBe(naiveIndexOf(hay, delim, from, end));
      }
    }
  });

  test.prop(
    [
      fc.uint8Array({ maxLength: 64 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.array(fc.nat({ max: 64 }), { maxLength: 6 }),
    ],
    {
      seed: 7,
    },
  )('take and takeInto return the bytes in order whatever the chunking', (data, cuts, takes) => {
    const q = new ByteQueue();
    for (const c of chunked(data, cuts)) q.push(c);
    const got: number[] = [];
    for (const t of takes) {
      const n = Math.min(t, q.length);
      if (n % 2 === 0) got.push(...q.take(n));
      else {
        const target = new Uint8Array(n + 2);
        q.takeInto(target, 1, n);
        got.push(...target.subarray(1, n + 1));
      }
    }
    got.push(...q.takeAll());
    expect(got).toEqual(Array.from(data));
    expect(q.length).toBe(0);
    expect(q.consumed).toBe(data.length);
  });
});
