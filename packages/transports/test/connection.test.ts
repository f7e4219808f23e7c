import { ErrorCode, memoryPair, ProtocolError, StreamClosedError } from '@wiremachine/core';
import { encodeFrame, frameProtocol } from '@wiremachine/examples/protocols/frame';
import { createLineProtocol, lineProtocol } from '@wiremachine/examples/protocols/line';
import { describe, expect, test } from 'vitest';
import { AbortedError, connect, TimeoutError, WriteBufferOverflowError } from '../src/index.js';
import { enc, manual, rejection, sleep, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

describe('connect: outputs', () => {
  test('yields every output in order, then ends at a clean end of input', async () => {
    const [a, b] = memoryPair({ chunkSize: { random: 3, seed: 7 } });
    const conn = connect(lineProtocol, b);
    await a.write(enc('one\r\ntwo\r\nthree\r\n'));
    a.close();
    const got: string[] = [];
    for await (const line of conn) got.push(line.text);
    expect(got).toEqual(['one', 'two', 'three']);
    expect(conn.status).toBe('done');
  });

  test('a protocol error comes after the outputs before it, and closes the transport', async () => {
    const m = manual();
    const conn = connect(frameProtocol, m.t);
    m.feed(encodeFrame(enc('ok')));
    m.feed(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect((await conn.read())?.payload).toEqual(enc('ok'));
    const err = await rejection(conn.read());
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.code).toBe('FRAME_TOO_LARGE');
    expect(m.log).toContain('close');
    expect(conn.status).toBe('failed');
  });

  test('closeOnError: false leaves the transport open for a reply', async () => {
    const m = manual();
    const conn = connect(frameProtocol, m.t, { closeOnError: false });
    m.feed(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    await rejection(conn.read());
    expect(m.log).not.toContain('close');
    await conn.write(enc('error reply'));
    expect(m.written).toEqual(['error reply']);
  });

  test('input that fails mid-message gives StreamClosedError with the real error as cause', async () => {
    const m = manual();
    const conn = connect(frameProtocol, m.t);
    m.feed(new Uint8Array([0, 0, 0, 9, 1, 2]));
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    m.end(reset);
    const err = await rejection(conn.read());
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBe(reset);
    expect(Array.from(err.unread)).toEqual([1, 2]);
  });

  test('after the machine ends, the bytes after it are kept: remaining()', async () => {
    const m = manual();
    const conn = connect(lineProtocol, m.t);
    expect(() => conn.remaining()).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_STATE }));
    m.feed('a\r\n');
    m.end();
    expect(await conn.read()).toEqual({ type: 'line', text: 'a' });
    expect(await conn.read()).toBeNull();
    expect(conn.remaining()).toEqual(new Uint8Array(0));
  });
});

describe('connect: flow control', () => {
  test('outputs not consumed pause reading; taking them resumes it', async () => {
    const m = manual();
    const conn = connect(lineProtocol, m.t, { maxQueuedOutputs: 4 });
    m.feed('1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n7\r\n8\r\n');
    expect(conn.queued).toBe(4); // parsing stopped at the limit
    expect(conn.isPaused).toBe(true);
    expect(m.log).toEqual(['pause']);
    expect(conn.buffered).toBe(12); // four lines wait unparsed
    const got: string[] = [];
    for (let i = 0; i < 8; i++) got.push(((await conn.read()) as { text: string }).text);
    expect(got).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(conn.buffered).toBe(0);
    expect(conn.isPaused).toBe(false);
    expect(m.log).toEqual(['pause', 'resume']);
  });

  test('no pause while the machine waits for more bytes than the high-water mark', async () => {
    const m = manual();
    const conn = connect(frameProtocol, m.t, { highWaterMark: 16 });
    m.feed(new Uint8Array([0, 0, 0, 100]));
    for (let i = 0; i < 9; i++) m.feed(new Uint8Array(10));
    expect(conn.buffered).toBe(90);
    expect(m.log).toEqual([]); // pausing now would starve the read
    m.feed(new Uint8Array(10));
    expect((await conn.read())?.payload.length).toBe(100);
  });

  test('a big chunk is parsed a budget at a time, yielding to the event loop, paused above the mark', async () => {
    const m = manual();
    const conn = connect(createLineProtocol(), m.t, { stepsPerTurn: 10, highWaterMark: 64, maxQueuedOutputs: 1000 });
    m.feed('x\r\n'.repeat(100));
    expect(conn.queued).toBe(10);
    expect(conn.isPaused).toBe(true);
    await until(() => conn.queued === 100, 2000, 'all lines parsed');
    expect(conn.isPaused).toBe(false);
  });

  test('maxBufferSize still bounds a read that waits', async () => {
    const m = manual();
    const conn = connect(lineProtocol, m.t, { maxBufferSize: 100 });
    m.feed('x'.repeat(200));
    expect((await rejection(conn.read())).code).toBe(ErrorCode.BUFFER_OVERFLOW);
  });
});

describe('connect: writes, cancellation, timeouts', () => {
  test('maxWriteBufferSize refuses a write that would pass it, and sends nothing of it', async () => {
    const [a, b] = memoryPair({ delay: 20 });
    const conn = connect(lineProtocol, a, { maxWriteBufferSize: 10 });
    const first = conn.write(enc('12345678'));
    expect(conn.writableLength).toBe(8);
    const err = await rejection(conn.write(enc('abc')));
    expect(err).toBeInstanceOf(WriteBufferOverflowError);
    expect(err.code).toBe('WIREMACHINE_ERR_WRITE_BUFFER_OVERFLOW');
    expect(err.pending).toBe(8);
    await first;
    expect(conn.writableLength).toBe(0);
    await conn.write(enc('abc\r\n'));
    const peer = connect(lineProtocol, b);
    conn.close();
    expect(await peer.read()).toEqual({ type: 'line', text: '12345678abc' });
  });

  test('a read timeout or abort cancels that read only: the output goes to the next read', async () => {
    const m = manual();
    const conn = connect(lineProtocol, m.t);
    const err = await rejection(conn.read({ timeout: 10 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('read');
    const ac = new AbortController();
    const pending = conn.read({ signal: ac.signal });
    ac.abort(new Error('user gave up'));
    const aborted = await rejection(pending);
    expect(aborted).toBeInstanceOf(AbortedError);
    expect(aborted.cause).toEqual(new Error('user gave up'));
    m.feed('kept\r\n');
    expect(await conn.read()).toEqual({ type: 'line', text: 'kept' });
  });

  test('the connection signal closes it: readers and writers get AbortedError', async () => {
    const m = manual();
    const ac = new AbortController();
    const conn = connect(lineProtocol, m.t, { signal: ac.signal });
    const pending = conn.read();
    ac.abort();
    expect(await within(rejection(pending))).toBeInstanceOf(AbortedError);
    expect(m.log).toEqual(['abort']);
    expect((await rejection(conn.write(enc('x')))).code).toBe(ErrorCode.INVALID_STATE);
  });

  test('end() half-closes: the peer sees its input end, and this side still reads', async () => {
    const [a, b] = memoryPair();
    const client = connect(lineProtocol, a);
    const server = connect(lineProtocol, b);
    await client.write(enc('ping\r\n'));
    await client.end();
    expect(await server.read()).toEqual({ type: 'line', text: 'ping' });
    expect(await server.read()).toBeNull(); // the client's end
    await server.write(enc('pong\r\n'));
    expect(await client.read()).toEqual({ type: 'line', text: 'pong' });
    await sleep(1);
    server.close();
    expect(await client.read()).toBeNull();
  });
});
