import { ErrorCode, memoryPair, type Transport } from '@wiremachine/core';
import { describe, expect, test } from 'vitest';
import { memoryDatagramPair } from '../src/index.js';
import { enc, rejection, sleep, txt, until, watchUnhandledRejections } from './helpers.js';

watchUnhandledRejections();

function record(t: Transport) {
  const log: { at: number; what: string }[] = [];
  const t0 = Date.now();
  t.start({
    data: (c) => log.push({ at: Date.now() - t0, what: txt(c) }),
    end: (e) => log.push({ at: Date.now() - t0, what: e === undefined ? '<end>' : '<error>' }),
  });
  return log;
}

describe('memoryPair: delay and half-close', () => {
  test('a fixed delay holds each write that long; write resolves on delivery', async () => {
    const [a, b] = memoryPair({ delay: 30 });
    const log = record(b);
    const t0 = Date.now();
    await a.write(enc('x'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(log.map((l) => l.what)).toEqual(['x']);
  });

  test('random delays never reorder: a short draw waits for a long one before it', async () => {
    const [a, b] = memoryPair({ delay: { min: 0, max: 20, seed: 99 }, chunkSize: 2 });
    const log = record(b);
    const words = Array.from({ length: 30 }, (_, i) => `w${i};`);
    await Promise.all(words.map((w) => a.write(enc(w))));
    expect(log.map((l) => l.what).join('')).toBe(words.join(''));
    for (let i = 1; i < log.length; i++) expect(log[i].at).toBeGreaterThanOrEqual(log[i - 1].at);
  });

  test('close() with a delay ends the peer after the writes before it', async () => {
    const [a, b] = memoryPair({ delay: 5 });
    const log = record(b);
    a.write(enc('last'));
    a.close();
    await until(() => log.length === 2);
    expect(log.map((l) => l.what)).toEqual(['last', '<end>']);
  });

  test('end() half-closes: the peer sees a clean end, and can still write back', async () => {
    const [a, b] = memoryPair();
    const la = record(a);
    const lb = record(b);
    await a.write(enc('req'));
    await a.end!();
    expect((await rejection(a.write(enc('more')))).code).toBe(ErrorCode.INVALID_STATE);
    await b.write(enc('resp'));
    await sleep(0);
    expect(lb.map((l) => l.what)).toEqual(['req', '<end>']);
    expect(la.map((l) => l.what)).toEqual(['resp']);
    a.close(); // after end(): the peer gets no second end
    await sleep(0);
    expect(lb.map((l) => l.what)).toEqual(['req', '<end>']);
  });

  test('a bad delay is refused', () => {
    expect(() => memoryPair({ delay: -1 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => memoryPair({ delay: { min: 5, max: 1 } })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});

describe('memoryDatagramPair', () => {
  async function deliveries(options: Parameters<typeof memoryDatagramPair>[0], n = 200) {
    const [a, b] = memoryDatagramPair(options);
    const got: number[] = [];
    b.start({ message: (d) => got.push(d[0] | (d[1] << 8)), end: () => {} });
    for (let i = 0; i < n; i++) await a.send(new Uint8Array([i & 0xff, i >> 8]));
    await sleep((options?.delay ?? 0) + 20);
    return got;
  }

  test('without knobs: every datagram, whole, in order', async () => {
    expect(await deliveries({})).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  test('drop loses about that share, the same ones for the same seed', async () => {
    const one = await deliveries({ drop: 0.25, seed: 5 });
    expect(one.length).toBeGreaterThan(120);
    expect(one.length).toBeLessThan(180);
    expect(await deliveries({ drop: 0.25, seed: 5 })).toEqual(one);
    expect(await deliveries({ drop: 0.25, seed: 6 })).not.toEqual(one);
    expect(one).toEqual([...one].sort((x, y) => x - y)); // lost, not reordered
  });

  test('reorder swaps some neighbours and loses none', async () => {
    const got = await deliveries({ reorder: 0.2, seed: 11 });
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const swapped = got.filter((v, i) => i > 0 && v < got[i - 1]).length;
    expect(swapped).toBeGreaterThan(10);
  });

  test('delay delivers later, each datagram whole', async () => {
    const [a, b] = memoryDatagramPair({ delay: 25 });
    const got: Uint8Array[] = [];
    b.start({ message: (d) => got.push(d), end: () => {} });
    const t0 = Date.now();
    await a.send(enc('hello'));
    await until(() => got.length === 1, 1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20);
    expect(txt(got[0])).toBe('hello');
  });
});
