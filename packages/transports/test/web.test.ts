import { ErrorCode, StreamClosedError } from '@wiremachine/core';
import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { describe, expect, test } from 'vitest';
import { connect, iterableTransport, parserStream, webStreamTransport } from '../src/index.js';
import { enc, rejection, sleep, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

function source(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const s of chunks) c.enqueue(enc(s));
      c.close();
    },
  });
}

async function all<T>(r: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of r as unknown as AsyncIterable<T>) out.push(x);
  return out;
}

describe('parserStream', () => {
  test('turns bytes into outputs with pipeThrough', async () => {
    const lines = source(['a\r', '\nbb\r\nc', 'cc\r\n']).pipeThrough(parserStream(lineProtocol));
    expect((await all(lines)).map((l) => l.text)).toEqual(['a', 'bb', 'ccc']);
  });

  test('a protocol error errors the readable side, after the outputs before it', async () => {
    const reader = source(['ok\r\n', 'x'.repeat(2000)])
      .pipeThrough(parserStream(lineProtocol))
      .getReader();
    expect((await reader.read()).value).toEqual({ type: 'line', text: 'ok' });
    expect((await rejection(reader.read())).code).toBe(ErrorCode.MAX_BYTES);
  });

  test('input that ends inside a message errors the stream with the protocol code', async () => {
    const reader = source(['half a line']).pipeThrough(parserStream(lineProtocol)).getReader();
    expect((await rejection(reader.read())).code).toBe('LINE_TRUNCATED');
  });

  test('backpressure: writes wait while the readable side holds highWaterMark outputs', async () => {
    const ts = parserStream(lineProtocol, { highWaterMark: 2 });
    const writer = ts.writable.getWriter();
    const reader = ts.readable.getReader();
    await writer.write(enc('1\r\n2\r\n3\r\n'));
    let second = false;
    writer.write(enc('4\r\n')).then(() => {
      second = true;
    });
    await sleep(20);
    expect(second).toBe(false); // held back: nobody reads
    for (const n of ['1', '2', '3', '4']) expect((await reader.read()).value?.text).toBe(n);
    await sleep(0);
    expect(second).toBe(true);
  });
});

describe('webStreamTransport', () => {
  test('a readable that errors mid-message: StreamClosedError with that error as cause', async () => {
    const boom = new Error('network gone');
    const readable = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc('whole\r\nhal'));
        setTimeout(() => c.error(boom), 5);
      },
    });
    const conn = connect(lineProtocol, webStreamTransport({ readable }));
    expect(await conn.read()).toEqual({ type: 'line', text: 'whole' });
    const err = await within(rejection(conn.read()));
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBe(boom);
  });

  test('flow control: a consumer that does not read stops the pulls', async () => {
    let pulls = 0;
    const readable = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulls++;
          c.enqueue(enc(`${pulls}\r\n`));
        },
      },
      { highWaterMark: 0 },
    );
    const conn = connect(lineProtocol, webStreamTransport({ readable }), { maxQueuedOutputs: 4 });
    await sleep(30);
    const stalled = pulls;
    expect(stalled).toBeLessThanOrEqual(6);
    await sleep(30);
    expect(pulls).toBe(stalled);
    for (let i = 1; i <= 20; i++) expect((await conn.read())?.text).toBe(`${i}`);
    expect(pulls).toBeGreaterThan(20);
    conn.close();
  });

  test('writes reach the writable in order; end() closes it', async () => {
    const got: string[] = [];
    let closed = false;
    const writable = new WritableStream<Uint8Array>({
      write: (c) => void got.push(new TextDecoder().decode(c)),
      close: () => {
        closed = true;
      },
    });
    const t = webStreamTransport({ writable });
    await Promise.all([t.write(enc('a')), t.write(enc('b'))]);
    await t.end?.();
    expect(got).toEqual(['a', 'b']);
    expect(closed).toBe(true);
    expect((await rejection(t.write(enc('c')))).code).toBe(ErrorCode.INVALID_STATE);
  });
});

describe('iterableTransport', () => {
  test('close() stops the source: its finally runs', async () => {
    let cleaned = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield enc(`${i}\r\n`);
      } finally {
        cleaned = true;
      }
    }
    const conn = connect(lineProtocol, iterableTransport(endless()), { maxQueuedOutputs: 2 });
    expect(await conn.read()).toEqual({ type: 'line', text: '0' });
    conn.close();
    await sleep(5);
    expect(cleaned).toBe(true);
  });

  test('a read-only transport refuses writes; a non-byte chunk fails the input', async () => {
    const conn = connect(lineProtocol, iterableTransport([enc('a'), 'oops' as unknown as Uint8Array]));
    expect((await rejection(conn.write(enc('x')))).code).toBe(ErrorCode.INVALID_STATE);
    const err = await within(rejection(conn.read()));
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBeInstanceOf(TypeError);
  });
});
