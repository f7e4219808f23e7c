import { describe, expect, test, vi } from 'vitest';
import {
  BufferOverflowError,
  ByteStream,
  ErrorCode,
  MaxBytesError,
  memoryPair,
  StreamClosedError,
  type Transport,
  type TransportSink,
} from '../src/index.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const txt = (b: Uint8Array) => String.fromCharCode(...b);
const tick = () => new Promise((r) => setTimeout(r, 0));
const caught = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as any,
  );
const within = <T>(p: Promise<T>, ms = 2000) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), ms))]);

/** A stream over one end of a memory pair; `ends` records what the other end's sink saw. */
function pair(chunkSize?: number, options?: ConstructorParameters<typeof ByteStream>[1]) {
  const [peer, local] = memoryPair({ chunkSize });
  const ends: unknown[] = [];
  peer.start({ data: () => {}, end: (e) => ends.push(e ?? 'clean') });
  const s = new ByteStream(local, options);
  const send = (data: string) => peer.write(enc(data));
  return { peer, s, send, ends };
}

/** A transport whose sink the test drives by hand, with spies for the rest. */
function manual() {
  let sink!: TransportSink;
  const t = {
    start: (s: TransportSink) => {
      sink = s;
    },
    write: vi.fn(async () => {}),
    close: vi.fn(),
    pause: vi.fn(),
    resume: vi.fn(),
  };
  return { t: t satisfies Transport, feed: (d: string) => sink.data(enc(d)), end: (e?: unknown) => sink.end(e) };
}

describe('ByteStream reads', () => {
  test('readBytes returns exactly n bytes, across chunks', async () => {
    const { s, send } = pair(1);
    const first = s.readBytes(5);
    await send('hello world');
    expect(txt(await first)).toBe('hello');
    expect(txt(await s.readBytes(6))).toBe(' world');
    expect(s.buffered).toBe(0);
  });

  test('readBytes partial returns what is buffered (at most n), not waiting for n', async () => {
    const { s, send } = pair(2);
    const read = s.readBytes(10, { partial: true });
    await send('abcdef');
    expect(txt(await read)).toBe('ab'); // completes on the first 2-byte chunk
    expect(s.buffered).toBe(4);
    expect(txt(await s.readBytes(3, { partial: true }))).toBe('cde');
  });

  test('readUntil includes the delimiter and leaves the rest buffered', async () => {
    const { s, send } = pair(3);
    await send('GET / HTTP/1.1\r\nHost: x\r\n');
    expect(txt(await s.readUntil('\r\n'))).toBe('GET / HTTP/1.1\r\n');
    expect(txt(await s.readUntil(enc('\r\n')))).toBe('Host: x\r\n');
  });

  test('readUntil with several delimiters: the earliest wins; on a tie the first listed', async () => {
    const { s, send } = pair(1);
    await send('ab\ncd\r\nx\r\ny\r\n');
    expect(txt(await s.readUntil(['\r\n', '\n']))).toBe('ab\n');
    expect(txt(await s.readUntil(['\n', '\r\n']))).toBe('cd\r\n');
    expect(txt(await s.readUntil(['\r', '\r\n']))).toBe('x\r');
    expect(txt(await s.readUntil(['\n', '\r']))).toBe('\n');
    expect(txt(await s.readUntil(['\r\n', '\r']))).toBe('y\r\n');
  });

  test('maxBytes counts the delimiter: exactly maxBytes succeeds', async () => {
    const { s, send } = pair(1);
    await send('abc\r\n');
    expect(txt(await s.readUntil('\r\n', { maxBytes: 5 }))).toBe('abc\r\n');
  });

  test.each([1, 64])('one byte over maxBytes fails, closes the stream, and sticks (chunk %i)', async (chunk) => {
    const { s, send, ends } = pair(chunk);
    await send('ok\r\n');
    await s.readUntil('\r\n');
    const read = s.readUntil('\r\n', { maxBytes: 5 });
    await send('abcd\r\n');
    const err = await caught(read);
    expect(err).toBeInstanceOf(MaxBytesError);
    expect(err.code).toBe(ErrorCode.MAX_BYTES);
    expect(err.code).toBe('WIREMACHINE_ERR_MAX_BYTES');
    expect(err.limit).toBe(5);
    expect(err.offset).toBe(4);
    expect(err.state).toBe('ByteStream');
    expect(txt(err.excerpt).startsWith('abcd\r')).toBe(true);
    expect(s.closed).toBe(true);
    expect(await caught(s.readBytes(1))).toBe(err);
    expect(await caught(s.readUntilClose())).toBe(err);
    await tick();
    expect(ends).toEqual(['clean']); // the transport was closed
  });

  test('readUntilRegex reads up to the end of the first match; maxBytes bounds it', async () => {
    const { s, send } = pair(2);
    await send('len=42;rest');
    expect(txt(await s.readUntilRegex(/\d+;/))).toBe('len=42;');
    const err = await caught(s.readUntilRegex(/;/, { maxBytes: 4 }));
    expect(err).toBeInstanceOf(MaxBytesError);
  });

  test('readUntilClose returns everything until a clean end', async () => {
    const { s, send, peer } = pair(3);
    const read = s.readUntilClose();
    await send('abc');
    await send('defg');
    peer.close();
    expect(txt(await read)).toBe('abcdefg');
    expect(s.closed).toBe(true);
  });

  test('readUntilClose over maxBytes fails with MaxBytesError', async () => {
    const { s, send } = pair();
    const read = s.readUntilClose({ maxBytes: 3 });
    await send('abcd');
    expect((await caught(read)).code).toBe(ErrorCode.MAX_BYTES);
  });

  test('readInto fills the caller buffer and resolves with the count', async () => {
    const { s, send } = pair(2);
    const buf = new Uint8Array(5);
    const read = s.readInto(buf);
    await send('hello!');
    expect(await read).toBe(5);
    expect(txt(buf)).toBe('hello');
    const part = new Uint8Array(8);
    expect(await s.readInto(part, { partial: true })).toBe(1);
    expect(Array.from(part)).toEqual([33, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('bad arguments reject (they do not throw) and leave no read pending', async () => {
    const { s, send } = pair();
    const bad = [
      () => s.readBytes(-1),
      () => s.readUntil([]),
      () => s.readUntil(''),
      () => s.readUntilClose({ maxBytes: 1.5 }),
    ];
    for (const call of bad) {
      let p: Promise<unknown> | undefined;
      expect(() => {
        p = call();
      }).not.toThrow();
      expect((await caught(p as Promise<unknown>)).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
    await send('ok');
    expect(txt(await s.readBytes(2))).toBe('ok');
  });

  test('a second concurrent read rejects with INVALID_STATE; the first still completes', async () => {
    const { s, send } = pair();
    const first = s.readBytes(3);
    const err = await caught(s.readUntil('\n'));
    expect(err.code).toBe(ErrorCode.INVALID_STATE);
    expect(err.code).toBe('WIREMACHINE_ERR_INVALID_STATE');
    await send('xyz');
    expect(txt(await first)).toBe('xyz');
  });
});

describe('ByteStream writes, close and failures', () => {
  test('write resolves once the peer has the bytes, and writes keep their order', async () => {
    const [a, b] = memoryPair({ chunkSize: 2 });
    const sa = new ByteStream(a);
    const sb = new ByteStream(b);
    const w = sa.write(enc('hello'));
    expect(sb.buffered).toBe(0); // delivery is asynchronous
    await w;
    expect(sb.buffered).toBe(5);
    await Promise.all(['1', '22', '333'].map((x) => sa.write(enc(x))));
    expect(txt(await sb.readBytes(11))).toBe('hello122333');
  });

  test('write after close() rejects with INVALID_STATE', async () => {
    const { s } = pair();
    s.close();
    expect((await caught(s.write(enc('x')))).code).toBe(ErrorCode.INVALID_STATE);
  });

  test('close() rejects a pending read with StreamClosedError carrying the unread bytes', async () => {
    const { s, send, ends } = pair(1);
    const read = s.readBytes(10);
    await send('abc');
    s.close();
    const err = await caught(read);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.code).toBe('WIREMACHINE_ERR_STREAM_CLOSED');
    expect(txt(err.unread)).toBe('abc');
    expect(err.cause).toBeUndefined();
    expect(err.offset).toBe(0); // where the unread bytes start
    expect(txt(err.excerpt)).toBe('abc');
    await tick();
    expect(ends).toEqual(['clean']);
  });

  test('close(error) aborts the transport: the peer sees the error, the read carries it as cause', async () => {
    const { s, ends } = pair();
    const boom = new Error('boom');
    const read = s.readUntilClose(); // cut short by close(): not a clean end
    s.close(boom);
    expect((await caught(read)).cause).toBe(boom);
    await tick();
    expect(ends).toEqual([boom]);
  });

  test('the peer ending with an error rejects the pending read; cause is that error', async () => {
    const { s, send, peer } = pair();
    await send('partial line');
    const read = s.readUntil('\n');
    const reset = new Error('ECONNRESET');
    peer.close(reset);
    const err = await caught(read);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBe(reset);
    expect(txt(err.unread)).toBe('partial line');
  });

  test('a failed input does not pass for a clean end: readUntilClose rejects', async () => {
    const { s, send, peer } = pair();
    const read = s.readUntilClose();
    await send('truncated');
    const reset = new Error('ECONNRESET');
    peer.close(reset);
    const err = await caught(read);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBe(reset);
    expect(txt(err.unread)).toBe('truncated');
  });

  test('after a clean end, buffered bytes can still be read, then reads reject', async () => {
    const { s, send, peer } = pair();
    await send('ab');
    peer.close();
    await tick();
    expect(txt(await s.readBytes(1))).toBe('a');
    const err = await caught(s.readBytes(2));
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(txt(err.unread)).toBe('b');
    expect(txt(await s.readUntilClose())).toBe('');
  });

  test.each([true, false])(
    'more than maxBufferSize buffered fails with BufferOverflowError (read pending: %s)',
    async (pending) => {
      const { s, send } = pair(4, { maxBufferSize: 8 });
      const read = pending ? s.readUntil('\n') : null;
      await send('0123456789');
      const err = await caught(read ?? s.readUntil('\n'));
      expect(err).toBeInstanceOf(BufferOverflowError);
      expect(err.code).toBe('WIREMACHINE_ERR_BUFFER_OVERFLOW');
      expect(err.limit).toBe(8);
      expect(s.closed).toBe(true);
    },
  );

  test('flow control: pauses at highWaterMark, resumes when reads drain the buffer', async () => {
    const { t, feed } = manual();
    const s = new ByteStream(t, { highWaterMark: 4 });
    feed('abc');
    expect(t.pause).not.toHaveBeenCalled();
    feed('de');
    expect(t.pause).toHaveBeenCalledTimes(1);
    feed('f');
    expect(t.pause).toHaveBeenCalledTimes(1);
    expect(txt(await s.readBytes(2))).toBe('ab');
    expect(t.resume).not.toHaveBeenCalled(); // 4 left: still at the mark
    expect(txt(await s.readBytes(1))).toBe('c');
    expect(t.resume).toHaveBeenCalledTimes(1);
  });

  test('flow control never starves a read that needs more than highWaterMark', async () => {
    const { t, feed } = manual();
    const s = new ByteStream(t, { highWaterMark: 4 });
    const read = s.readBytes(10);
    feed('abcdef');
    expect(t.pause.mock.calls.length).toBe(t.resume.mock.calls.length); // not left paused
    feed('ghij');
    expect(txt(await read)).toBe('abcdefghij');

    const { s: s2, send } = pair(3, { highWaterMark: 4 });
    const line = s2.readUntil('\n');
    await send(`${'x'.repeat(50)}\n`);
    expect((await within(line)).length).toBe(51);
  });
});
