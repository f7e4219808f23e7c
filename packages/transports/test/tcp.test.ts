import type { LookupFunction, Socket } from 'node:net';
import { StreamClosedError } from '@wiremachine/core';
import { encodeFrame, frameProtocol } from '@wiremachine/examples/protocols/frame';
import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { afterEach, describe, expect, test } from 'vitest';
import {
  AbortedError,
  type Connection,
  connect,
  TimeoutError,
  TransportError,
  WriteBufferOverflowError,
} from '../src/index.js';
import { type SocketServer, type SocketTransport, tcpConnect, tcpListen } from '../src/node/index.js';
import { enc, rejection, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

/** A resolver that never answers: a connect that hangs, without leaving the machine. */
const hangingLookup: LookupFunction = () => {};

let server: SocketServer | undefined;
const clients: SocketTransport[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close(new Error('test over'));
  if (server !== undefined) {
    // Nothing may outlive a test, faults included.
    await until(async () => (await server?.connections()) === 0, 2000, 'server sockets closed');
    await server.close();
    server = undefined;
  }
});

/** Listen; each connection runs `machine`; `accepted` resolves with the first. */
async function serve<T>(machine: Parameters<typeof connect>[0], options: { idleTimeout?: number } = {}) {
  let accept!: (c: Connection<T>) => void;
  const accepted = new Promise<Connection<T>>((r) => {
    accept = r;
  });
  server = await tcpListen({ host: '127.0.0.1', port: 0, ...options }, (t) =>
    accept(connect(machine, t) as Connection<T>),
  );
  return { accepted };
}

async function client(options: { idleTimeout?: number } = {}) {
  const t = await tcpConnect({ host: '127.0.0.1', port: (server as SocketServer).port, ...options });
  clients.push(t);
  return t;
}

describe('tcp', () => {
  test('writes resolve when flushed and keep their order; half-close ends the peer input', async () => {
    const { accepted } = await serve<{ text: string }>(lineProtocol);
    const t = await client();
    const writes = Array.from({ length: 200 }, (_, i) => t.write(enc(`line ${i}\r\n`)));
    await Promise.all(writes);
    await t.end();
    const conn = await accepted;
    const got: string[] = [];
    for await (const line of conn) got.push(line.text);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
    conn.close();
  });

  test('after a half-close the other side still writes, and the half-closed side reads it', async () => {
    const { accepted } = await serve<{ text: string }>(lineProtocol);
    const mine = connect(lineProtocol, await client());
    await mine.write(enc('question\r\n'));
    await mine.end();
    const theirs = await accepted;
    expect(await theirs.read()).toEqual({ type: 'line', text: 'question' });
    expect(await theirs.read()).toBeNull();
    await theirs.write(enc('answer\r\n'));
    theirs.close();
    expect(await within(mine.read())).toEqual({ type: 'line', text: 'answer' });
    expect(await within(mine.read())).toBeNull();
    mine.close();
  });

  test('a peer reset mid-message gives StreamClosedError with ECONNRESET as cause', async () => {
    const { accepted } = await serve<{ payload: Uint8Array }>(frameProtocol);
    const t = await client();
    await t.write(encodeFrame(new Uint8Array(100)).subarray(0, 50));
    const conn = await accepted;
    await until(() => conn.buffered === 46, 2000, 'half a frame received');
    (t.socket as Socket).resetAndDestroy();
    const err = await within(rejection(conn.read()));
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toMatchObject({ code: 'ECONNRESET' });
    expect(err.unread.length).toBe(46);
    // A write after the fault rejects with a typed error; nothing is left unhandled.
    expect(await rejection(conn.write(enc('late')))).toMatchObject({
      code: expect.stringMatching(/^WIREMACHINE_ERR_/),
    });
  });

  test('maxWriteBufferSize: writes past it reject with a typed error while the peer does not read', async () => {
    await serve(lineProtocol);
    const conn = connect(lineProtocol, await client(), { maxWriteBufferSize: 1 << 20 });
    const chunk = new Uint8Array(64 * 1024);
    const results = await Promise.allSettled(Array.from({ length: 64 }, () => conn.write(chunk)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.slice(0, 16).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(refused.length).toBe(48);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(WriteBufferOverflowError);
    conn.close();
  });

  test('a refused connect rejects with TransportError carrying ECONNREFUSED', async () => {
    const s = await tcpListen({ port: 0 }, () => {});
    const port = s.port;
    await s.close();
    const err = await rejection(tcpConnect({ host: '127.0.0.1', port }));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('connectTimeout and AbortSignal cancel a connect that hangs', async () => {
    const timedOut = await rejection(
      tcpConnect({ host: 'hangs.invalid', port: 9, lookup: hangingLookup, connectTimeout: 30 }),
    );
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect(timedOut.phase).toBe('connect');
    const ac = new AbortController();
    const pending = tcpConnect({ host: 'hangs.invalid', port: 9, lookup: hangingLookup, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('changed my mind')), 10);
    const aborted = await within(rejection(pending));
    expect(aborted).toBeInstanceOf(AbortedError);
    expect(aborted.cause).toEqual(new Error('changed my mind'));
    expect(await rejection(tcpConnect({ port: 9, signal: AbortSignal.abort() }))).toBeInstanceOf(AbortedError);
  });

  test('an aborted connect to a live server leaves no socket behind', async () => {
    await serve(lineProtocol);
    const ac = new AbortController();
    const pending = tcpConnect({ host: '127.0.0.1', port: (server as SocketServer).port, signal: ac.signal });
    ac.abort();
    expect(await rejection(pending)).toBeInstanceOf(AbortedError);
    // afterEach checks the server's count drops to 0
  });

  test('an idle timeout ends the input with StreamClosedError caused by TimeoutError', async () => {
    const { accepted } = await serve<{ text: string }>(lineProtocol, { idleTimeout: 50 });
    await client();
    const conn = await accepted;
    const started = Date.now();
    const err = await within(rejection(conn.read()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect(err.cause).toBeInstanceOf(TimeoutError);
    expect(err.cause.phase).toBe('idle');
  });

  test('activity postpones the idle timeout', async () => {
    const { accepted } = await serve<{ text: string }>(lineProtocol, { idleTimeout: 80 });
    const t = await client();
    const conn = await accepted;
    for (let i = 0; i < 6; i++) {
      await t.write(enc(`${i}\r\n`));
      expect(await within(conn.read())).toEqual({ type: 'line', text: `${i}` });
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(conn.status).toBe('open');
    conn.close();
  });

  test('a handler that throws or rejects costs only its own socket', async () => {
    let n = 0;
    server = await tcpListen({ port: 0 }, async (t) => {
      n++;
      if (n === 1) throw new Error('sync fault');
      await t.write(enc('x'));
      throw new Error('async fault');
    });
    const a = await client();
    const b = await client();
    const ends = [a, b].map(
      (t) =>
        new Promise((resolve) => {
          t.start({ data: () => {}, end: resolve });
        }),
    );
    await within(Promise.all(ends));
    expect(server.errors.map((e) => (e as Error).message).sort()).toEqual(['async fault', 'sync fault']);
  });
});
