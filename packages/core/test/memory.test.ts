import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  ByteStream,
  ErrorCode,
  type MemoryPairOptions,
  memoryPair,
  type Transport,
  WiremachineError,
} from '../src/index.js';
import { concat } from './helpers.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const txt = (b: Uint8Array) => String.fromCharCode(...b);
const tick = () => new Promise((r) => setTimeout(r, 0));
const within = <T>(p: Promise<T>, ms = 2000) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), ms))]);

/** Start `t` with a sink that records every call, in order. */
function recorder(t: Transport) {
  const chunks: Uint8Array[] = [];
  const log: string[] = [];
  const ends: unknown[] = [];
  t.start({
    data: (c) => {
      chunks.push(c);
      log.push(txt(c));
    },
    end: (e) => {
      ends.push(e);
      log.push('<end>');
    },
  });
  return { chunks, log, ends, sizes: () => chunks.map((c) => c.length), all: () => chunks.map(txt).join('') };
}

/** The chunk sizes the receiving end sees for writes of the given lengths. */
async function cuts(options: MemoryPairOptions, lengths: number[]): Promise<number[]> {
  const [a, b] = memoryPair(options);
  const r = recorder(b);
  for (const n of lengths) await a.write(new Uint8Array(n));
  return r.sizes();
}

describe('memoryPair chunking', () => {
  test('whole writes by default', async () => {
    expect(await cuts({}, [5, 1, 9])).toEqual([5, 1, 9]);
  });

  test('a fixed chunkSize splits every write into pieces of that size', async () => {
    expect(await cuts({ chunkSize: 3 }, [10, 2, 6])).toEqual([3, 3, 3, 1, 2, 3, 3]);
    expect(await cuts({ chunkSize: 1 }, [4])).toEqual([1, 1, 1, 1]);
  });

  test('the same seed gives the same cuts; another seed other cuts; sizes lie in 1..2n', async () => {
    const lengths = [100, 37, 250];
    const one = await cuts({ chunkSize: { random: 5, seed: 42 } }, lengths);
    expect(await cuts({ chunkSize: { random: 5, seed: 42 } }, lengths)).toEqual(one);
    expect(await cuts({ chunkSize: { random: 5, seed: 43 } }, lengths)).not.toEqual(one);
    expect(one.reduce((x, y) => x + y, 0)).toBe(387);
    expect(Math.min(...one)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...one)).toBeLessThanOrEqual(10);
    expect(new Set(one).size).toBeGreaterThan(3); // really random, not one size
  });

  test.each([0, -1, 1.5, Number.NaN, { random: 0 }, { random: 1.5 }, { random: Number.NaN }])(
    'chunkSize %o is refused',
    (chunkSize) => {
      expect(() => memoryPair({ chunkSize } as MemoryPairOptions)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    },
  );

  test.prop(
    [fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }), fc.integer({ min: 1, max: 9 }), fc.integer()],
    {
      seed: 0xc0ffee,
      numRuns: 150,
    },
  )('random cuts deliver every byte once, in order', async (writes, random, seed) => {
    const [a, b] = memoryPair({ chunkSize: { random, seed } });
    const r = recorder(b);
    await Promise.all(writes.map((w) => a.write(w)));
    const got = Uint8Array.from(r.chunks.flatMap((c) => Array.from(c)));
    expect(Array.from(got)).toEqual(writes.flatMap((w) => Array.from(w)));
    for (const n of r.sizes()) expect(n >= 1 && n <= 2 * random).toBe(true);
  });
});

describe('memoryPair delivery', () => {
  test('delivery is asynchronous, in write order, and write resolves after it', async () => {
    const [a, b] = memoryPair();
    const r = recorder(b);
    const first = a.write(enc('one'));
    a.write(enc('two'));
    expect(r.log).toEqual([]); // nothing synchronously
    await first;
    expect(r.log).toEqual(['one', 'two']);
  });

  test('both directions are independent', async () => {
    const [a, b] = memoryPair();
    const ra = recorder(a);
    const rb = recorder(b);
    await Promise.all([a.write(enc('to b')), b.write(enc('to a'))]);
    expect(ra.all()).toBe('to a');
    expect(rb.all()).toBe('to b');
  });

  test('writes are copied: the writer may reuse its buffer', async () => {
    const [a, b] = memoryPair();
    const r = recorder(b);
    const buf = enc('abc');
    const w = a.write(buf);
    buf.fill(0x7a);
    await w;
    expect(r.all()).toBe('abc');
  });

  test('bytes written before start() wait for it', async () => {
    const [a, b] = memoryPair({ chunkSize: 2 });
    await a.write(enc('early'));
    const r = recorder(b);
    expect(r.log).toEqual([]);
    await tick();
    expect(r.log).toEqual(['ea', 'rl', 'y']);
  });

  test('start() twice throws INVALID_STATE', () => {
    const [a] = memoryPair();
    recorder(a);
    expect(() => recorder(a)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_STATE }));
  });

  test('close() ends the peer after what was written before it', async () => {
    const [a, b] = memoryPair({ chunkSize: 2 });
    const r = recorder(b);
    a.write(enc('abc'));
    a.close();
    a.close(new Error('ignored: already closed'));
    await tick();
    expect(r.log).toEqual(['ab', 'c', '<end>']);
    expect(r.ends).toEqual([undefined]);
  });

  test('close(error) ends the peer with that error', async () => {
    const [a, b] = memoryPair();
    const r = recorder(b);
    const reset = new Error('reset');
    a.close(reset);
    await tick();
    expect(r.ends).toHaveLength(1);
    expect(r.ends[0]).toBe(reset);
  });

  test('write after close rejects with INVALID_STATE', async () => {
    const [a] = memoryPair();
    a.close();
    const err = await a.write(enc('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WiremachineError);
    expect((err as WiremachineError).code).toBe(ErrorCode.INVALID_STATE);
  });

  test('a closed end delivers nothing more to its own sink', async () => {
    const [a, b] = memoryPair();
    const ra = recorder(a);
    a.pause?.();
    await b.write(enc('held'));
    a.close();
    a.resume?.();
    await b.write(enc('late'));
    await tick();
    expect(ra.log).toEqual([]);
  });

  test('pause() holds deliveries, in order, until resume()', async () => {
    const [a, b] = memoryPair({ chunkSize: 1 });
    const r = recorder(b);
    b.pause?.();
    await a.write(enc('xy'));
    a.close();
    await tick();
    expect(r.log).toEqual([]);
    b.resume?.();
    expect(r.log).toEqual([]); // released on a later microtask, not synchronously
    await tick();
    expect(r.log).toEqual(['x', 'y', '<end>']);
  });

  test('pause() inside a data callback stops the very next chunk', async () => {
    const [a, b] = memoryPair({ chunkSize: 1 });
    const got: string[] = [];
    b.start({
      data: (c) => {
        got.push(txt(c));
        if (got.length === 2) b.pause?.();
      },
      end: () => got.push('<end>'),
    });
    await a.write(enc('abcd'));
    await tick();
    expect(got).toEqual(['a', 'b']);
    b.resume?.();
    await tick();
    expect(got).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('ByteStream over memoryPair: chunk invariance', () => {
  type Rec = { kind: 'line' | 'lines' | 'regex' | 'bytes' | 'into'; data: Uint8Array };
  const cat = (...parts: Uint8Array[]) => concat(parts);
  const body = fc.uint8Array({ maxLength: 40 }).map((b) => b.map((x) => (x === 10 || x === 13 ? 46 : x)));
  const eol = fc.constantFrom('\n', '\r\n').map(enc);
  const record: fc.Arbitrary<Rec> = fc.oneof(
    body.map((b) => ({ kind: 'line' as const, data: cat(b, enc('\r\n')) })),
    fc.tuple(body, eol).map(([b, e]) => ({ kind: 'lines' as const, data: cat(b, e) })),
    fc.tuple(body, eol).map(([b, e]) => ({ kind: 'regex' as const, data: cat(b, e) })),
    fc.uint8Array({ maxLength: 40 }).map((data) => ({ kind: 'bytes' as const, data })),
    fc.uint8Array({ maxLength: 40 }).map((data) => ({ kind: 'into' as const, data })),
  );
  const chunking = fc.oneof(fc.constant(1), fc.record({ random: fc.integer({ min: 1, max: 24 }), seed: fc.integer() }));

  function readOne(s: ByteStream, r: Rec): Promise<Uint8Array> {
    switch (r.kind) {
      case 'line':
        return s.readUntil('\r\n');
      case 'lines':
        return s.readUntil(['\r\n', '\n']);
      case 'regex':
        return s.readUntilRegex(/\r?\n/);
      case 'bytes':
        return s.readBytes(r.data.length);
      case 'into': {
        const buf = new Uint8Array(r.data.length);
        return s.readInto(buf).then((n) => buf.subarray(0, n));
      }
    }
  }

  test.prop(
    [
      fc.array(record, { maxLength: 30 }),
      fc.uint8Array({ maxLength: 40 }),
      chunking,
      fc.integer({ min: 1, max: 64 }),
      fc.boolean(),
    ],
    {
      seed: 0x5eed,
      numRuns: 200,
    },
  )(
    'records read back identically however the bytes are cut',
    async (records, tail, chunkSize, highWaterMark, oneWrite) => {
      const [peer, local] = memoryPair({ chunkSize });
      const s = new ByteStream(local, { highWaterMark });
      const writes = oneWrite ? [cat(...records.map((r) => r.data), tail)] : [...records.map((r) => r.data), tail];
      const writer = (async () => {
        for (const w of writes) await peer.write(w);
        peer.close();
      })();
      const got: string[] = [];
      for (const r of records) got.push(txt(await within(readOne(s, r))));
      got.push(txt(await within(s.readUntilClose())));
      await writer;
      expect(got).toEqual([...records.map((r) => txt(r.data)), txt(tail)]);
    },
  );
});
