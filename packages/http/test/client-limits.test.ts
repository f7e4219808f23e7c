/**
 * The client's bounds against hostile servers: bodies read whole stop at
 * maxResponseSize, heads at maxHeadSize, and status codes without a class are
 * refused. Every server here is a raw socket on 127.0.0.1.
 */
import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, describe, expect, test } from 'vitest';
import { Pool, ResponseTooLargeError, UnexpectedResponseError } from '../src/index.js';
import { rejection, sleep, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const PIECE = Buffer.alloc(64 * 1024, 0x61);
const KiB = 1024;

interface Hostile {
  url: string;
  /** Bytes the server managed to hand to its socket. */
  written(): number;
  /** Sockets the client has closed (or reset). */
  closedByClient(): number;
  close(): void;
}

const servers: Hostile[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that answers each request with `head` and then, if `piece` is given, pieces forever, as fast as the client takes them. */
async function hostile(head: string, piece?: (n: number) => Buffer): Promise<Hostile> {
  let written = 0;
  let closed = 0;
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => {
      closed++;
      sockets.delete(s);
    });
    let started = false;
    s.on('data', (d) => {
      if (started || !d.includes('\r\n\r\n')) return;
      started = true;
      s.write(head);
      if (piece === undefined) return;
      let n = 0;
      const more = () => {
        while (!s.destroyed && s.writable) {
          const p = piece(n++);
          written += p.length;
          if (!s.write(p)) return;
        }
      };
      s.on('drain', more);
      more();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const h: Hostile = {
    url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    written: () => written,
    closedByClient: () => closed,
    close: () => {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
  servers.push(h);
  return h;
}

const chunk = (data: Buffer) =>
  Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

describe('maxResponseSize bounds a body read whole', () => {
  const limit = 1024 * KiB;

  test('an endless chunked body: text() fails typed, past the limit by at most a few pieces, and the connection closes', async () => {
    const srv = await hostile('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', () => chunk(PIECE));
    const pool = new Pool(srv.url, { maxResponseSize: limit });
    const res = await pool.request('/');
    const e = await within(rejection(res.body.text()), 5000);
    expect(e).toBeInstanceOf(ResponseTooLargeError);
    expect(e.code).toBe('WIREMACHINE_ERR_HTTP_RESPONSE_TOO_LARGE');
    expect(e.limit).toBe(limit);
    // Held: at most the limit plus the piece that passed it; taken from the socket: that and the high-water mark.
    expect(e.size).toBeGreaterThan(limit);
    expect(e.size).toBeLessThanOrEqual(limit + PIECE.length);
    expect(res.body.received).toBeLessThan(limit + 256 * KiB);
    await within(
      until(() => srv.closedByClient() === 1),
      3000,
    );
    expect(pool.connections).toBe(0);
    // The body's later readers see the same error.
    expect(await rejection(res.body.bytes())).toBe(e);
    await pool.close();
  });

  test('an endless body delimited by the close: bytes() fails the same way', async () => {
    const srv = await hostile('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', () => PIECE);
    const pool = new Pool(srv.url, { maxResponseSize: limit });
    const res = await pool.request('/');
    const e = await within(rejection(res.body.bytes()), 5000);
    expect(e).toBeInstanceOf(ResponseTooLargeError);
    expect(e.size).toBeLessThanOrEqual(limit + PIECE.length);
    expect(res.body.received).toBeLessThan(limit + 256 * KiB);
    await within(
      until(() => srv.closedByClient() === 1),
      3000,
    );
    await pool.close();
  });

  test('Content-Length 2^53-1: json() fails at once from the head, before the body is read', async () => {
    const srv = await hostile(`HTTP/1.1 200 OK\r\nContent-Length: ${2 ** 53 - 1}\r\n\r\n`, () => PIECE);
    const pool = new Pool(srv.url);
    const res = await pool.request('/');
    expect(res.headers.get('content-length')).toBe(String(2 ** 53 - 1));
    const e = await within(rejection(res.body.json()), 5000);
    expect(e).toBeInstanceOf(ResponseTooLargeError);
    expect(e.limit).toBe(64 * 1024 * KiB);
    expect(e.size).toBe(2 ** 53 - 1);
    expect(e.message).toMatch(/announces/);
    expect(res.body.received).toBeLessThan(256 * KiB);
    await within(
      until(() => srv.closedByClient() === 1),
      3000,
    );
    await pool.close();
  });

  // What a body read whole holds is its bytes, not one view per piece: 1 MiB in one-byte chunks held 113 MB before.
  test('a body of one-byte chunks: bytes() holds about its size, measured after a full GC', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const held = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const N = 1024 * KiB;
    let finish = () => {};
    const sockets: net.Socket[] = [];
    const tiny = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        let n = 0;
        const more = () => {
          while (n < N) {
            n += 1024;
            if (!s.write('1\r\na\r\n'.repeat(1024))) return;
          }
        };
        s.on('drain', more);
        more();
        finish = () => s.write('0\r\n\r\n');
      });
    });
    await new Promise<void>((r) => tiny.listen(0, '127.0.0.1', r));
    const pool = new Pool(`http://127.0.0.1:${(tiny.address() as net.AddressInfo).port}`, { maxResponseSize: 4 * N });
    const before = held();
    const res = await pool.request('/');
    const whole = res.body.bytes();
    await within(
      until(() => res.body.received === N),
      10_000,
    );
    const growth = held() - before;
    finish();
    const bytes = await within(whole, 5000);
    expect(bytes.length).toBe(N);
    expect(bytes.every((b) => b === 0x61)).toBe(true);
    // 1 MiB gathered, in 64 KiB blocks; the rest is the connection's own (parser, socket buffers).
    expect(growth).toBeLessThan(8 * N);
    await pool.close();
    for (const s of sockets) s.destroy();
    tiny.close();
  });

  test('a request can lower or raise its pool limit', async () => {
    const body = Buffer.from(Array.from({ length: 100 * KiB }, (_, i) => i % 127));
    const srv = await hostile(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body.toString('latin1')}`);
    const pool = new Pool(srv.url, { maxResponseSize: 50 * KiB });
    const refused = await pool.request('/');
    expect(await rejection(refused.body.text())).toBeInstanceOf(ResponseTooLargeError);
    const taken = await pool.request('/', { maxResponseSize: 100 * KiB });
    expect(Buffer.from(await taken.body.bytes()).equals(body)).toBe(true);
    await pool.close();
  });

  test('a body read piece by piece is not limited, and reading waits for the reader', async () => {
    const srv = await hostile('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', () => chunk(PIECE));
    const pool = new Pool(srv.url, { maxResponseSize: 256 * KiB, highWaterMark: 64 * KiB });
    const res = await pool.request('/');
    // Nobody reads: the client stops taking bytes from the socket.
    await sleep(300);
    const idle = res.body.received;
    expect(idle).toBeLessThan(64 * KiB + 256 * KiB);
    await sleep(200);
    expect(res.body.received).toBe(idle);
    // Piece by piece, four times the whole-read limit goes through.
    let total = 0;
    for await (const piece of res.body) {
      total += piece.length;
      if (total >= 1024 * KiB) break;
    }
    expect(total).toBeGreaterThanOrEqual(1024 * KiB);
    await pool.close();
  });
});

describe('heads and status lines', () => {
  // The parser's own code for a read past its limit, in state head (toHttp1Error maps it to HEADERS_OVERFLOW).
  test('http1.maxHeadSize bounds a response head (default 16 KiB)', async () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${'v'.repeat(20 * KiB)}\r\nContent-Length: 0\r\n\r\n`;
    const srv = await hostile(big);
    const byDefault = new Pool(srv.url);
    const e = await rejection(byDefault.request('/'));
    expect([e.code, e.state]).toEqual(['WIREMACHINE_ERR_MAX_BYTES', 'head']);
    await byDefault.close();
    const raised = new Pool(srv.url, { http1: { maxHeadSize: 32 * KiB } });
    const res = await raised.request('/');
    expect(res.headers.get('x-big')?.length).toBe(20 * KiB);
    await raised.close();
    const lowered = new Pool(srv.url, { http1: { maxHeadSize: 1024 } });
    expect((await rejection(lowered.request('/'))).code).toBe('WIREMACHINE_ERR_MAX_BYTES');
    await lowered.close();
  });

  // node:http and undici hand 000-099 and 600-999 out as final responses (statusCode 0, 50, 999); there is no such
  // class (RFC 9110 §15: valid codes are 100 to 599). 600 and 999 were taken as final answers before.
  test.each(['000', '050', '099', '600', '999'])(
    'status %s is refused as invalid, not read as an answer',
    async (code) => {
      const srv = await hostile(`HTTP/1.1 ${code} Odd\r\nContent-Length: 2\r\n\r\nok`);
      const pool = new Pool(srv.url);
      let informational = 0;
      const e = await within(rejection(pool.request('/', { onInformational: () => informational++ })), 3000);
      expect(e.code).toBe('WIREMACHINE_ERR_HTTP_INVALID_STATUS');
      expect(e.message).toContain(String(Number(code)));
      expect(informational).toBe(0);
      await within(
        until(() => srv.closedByClient() === 1),
        3000,
      );
      await pool.close();
    },
  );

  // node:http and undici hear 1xx without a count; each is small, but a server can send them until headersTimeout.
  test('a flood of informational responses fails the request after maxInformational (default 32)', async () => {
    const final = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const srv = await hostile(`${'HTTP/1.1 102 Processing\r\n\r\n'.repeat(100_000)}${final}`);
    const pool = new Pool(srv.url);
    let heard = 0;
    const e = await within(rejection(pool.request('/', { onInformational: () => heard++ })), 3000);
    expect(e).toBeInstanceOf(UnexpectedResponseError);
    expect([e.code, e.status]).toEqual(['WIREMACHINE_ERR_HTTP_TOO_MANY_INFORMATIONAL', 102]);
    expect(heard).toBe(32);
    await within(
      until(() => srv.closedByClient() === 1),
      3000,
    );
    await pool.close();
    // At the limit, and with the limit raised, the final response is read.
    const atLimit = await hostile(`${'HTTP/1.1 100 Continue\r\n\r\n'.repeat(32)}${final}`);
    const ok = new Pool(atLimit.url);
    expect(await (await ok.request('/')).body.text()).toBe('ok');
    await ok.close();
    const more = await hostile(`${'HTTP/1.1 100 Continue\r\n\r\n'.repeat(1000)}${final}`);
    const raised = new Pool(more.url, { maxInformational: 1000 });
    expect(await (await raised.request('/')).body.text()).toBe('ok');
    await raised.close();
  });

  // undici fails the same bytes with UND_ERR_SOCKET 'bad upgrade'; node:http emits 'upgrade' on the request.
  test('a 101 nobody asked for fails the request with a typed error, not as a connection closed early', async () => {
    const srv = await hostile('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nnot http');
    const pool = new Pool(srv.url);
    let heard = 0;
    const e = await within(rejection(pool.request('/', { onInformational: () => heard++ })), 3000);
    expect(e).toBeInstanceOf(UnexpectedResponseError);
    expect([e.code, e.status, heard]).toEqual(['WIREMACHINE_ERR_HTTP_UNEXPECTED_UPGRADE', 101, 0]);
    await within(
      until(() => srv.closedByClient() === 1),
      3000,
    );
    expect(pool.connections).toBe(0);
    await pool.close();
  });

  test('status 100-199 stay informational and 200 follows', async () => {
    const srv = await hostile(
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    const pool = new Pool(srv.url);
    const heard: number[] = [];
    const res = await pool.request('/', { onInformational: (h) => heard.push(h.status) });
    expect(heard).toEqual([103]);
    expect(await res.body.text()).toBe('ok');
    await pool.close();
  });
});

describe('bytes the client did not ask for', () => {
  test('a second response sent with the first is never taken as the answer to the next request', async () => {
    let connections = 0;
    const srv = await hostile(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!',
    );
    const pool = new Pool(srv.url, { connections: 1 });
    const first = await pool.request('/');
    expect(await first.body.text()).toBe('ok');
    const second = await pool.request('/');
    connections = srv.closedByClient();
    // The connection that carried the extra response was not reused: the second request got its own answer.
    expect(await second.body.text()).toBe('ok');
    expect(connections).toBe(1);
    await pool.close();
  });

  test('bytes that arrive on an idle keep-alive connection close it', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        setTimeout(() => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!'), 50);
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const pool = new Pool(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, { connections: 1 });
    expect(await (await pool.request('/')).body.text()).toBe('ok');
    expect(pool.idleConnections).toBe(1);
    await within(
      until(() => pool.connections === 0),
      3000,
    );
    const again = await pool.request('/');
    expect(await again.body.text()).toBe('ok');
    expect(sockets.length).toBe(2);
    await pool.close();
    for (const s of sockets) s.destroy();
    srv.close();
  });
});

describe('servers that go quiet', () => {
  // The retry is for a reused connection the server closed before answering; a timeout is the caller's own bound.
  test('a headersTimeout on a reused connection rejects; the request is not sent again on a new one', async () => {
    let connections = 0;
    let requests = 0;
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => {
      connections++;
      sockets.push(s);
      s.on('error', () => {});
      s.on('data', (d) => {
        if (!d.includes('\r\n\r\n')) return;
        // Only the very first request is answered; every later one, on any connection, waits forever.
        if (requests++ === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const pool = new Pool(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, { connections: 1 });
    expect(await (await pool.request('/')).body.text()).toBe('ok');
    const e = await within(rejection(pool.request('/', { headersTimeout: 200 })), 3000);
    expect(e.code).toBe('WIREMACHINE_ERR_TIMEOUT');
    expect([connections, requests]).toEqual([1, 2]);
    await pool.close();
    for (const s of sockets) s.destroy();
    srv.close();
  });
});

describe('a body left early', () => {
  // Before, the connection stayed with the abandoned response until bodyTimeout (300 s by default), holding its slot.
  test('a for await that breaks closes the connection, and the pool serves the next request at once', async () => {
    const srv = await hostile('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', () => chunk(PIECE));
    const pool = new Pool(srv.url, { connections: 1 });
    const res = await pool.request('/');
    for await (const piece of res.body) {
      expect(piece.length).toBeGreaterThan(0);
      break;
    }
    await within(
      until(() => srv.closedByClient() === 1),
      3000,
    );
    expect((await rejection(res.body.next())).code).toBe('WIREMACHINE_ERR_ABORTED');
    const next = await within(pool.request('/', { headersTimeout: 3000 }), 3000);
    expect(next.status).toBe(200);
    await pool.close();
  });

  test('a body read to its end by for await leaves the connection for the next request', async () => {
    const srv = await hostile('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const pool = new Pool(srv.url, { connections: 1 });
    const res = await pool.request('/');
    let text = '';
    for await (const piece of res.body) text += Buffer.from(piece).toString();
    expect(text).toBe('ok');
    expect(pool.idleConnections).toBe(1);
    expect(srv.closedByClient()).toBe(0);
    await pool.close();
  });
});

describe('stale keep-alive connections', () => {
  test('a request whose reused connection closes unanswered is sent again on a new one, not on another idle one', async () => {
    let connections = 0;
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => {
      connections++;
      sockets.push(s);
      s.on('error', () => {});
      let answered = false;
      s.on('data', (d) => {
        if (!d.includes('\r\n\r\n')) return;
        // Each connection answers once; a second request finds it gone, as one the server timed out unseen.
        if (answered) return void s.destroy();
        answered = true;
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const pool = new Pool(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, { connections: 2 });
    // Two idle connections, both stale.
    const both = await Promise.all([pool.request('/'), pool.request('/')]);
    for (const r of both) expect(await r.body.text()).toBe('ok');
    expect(pool.idleConnections).toBe(2);
    const res = await within(pool.request('/', { headersTimeout: 3000 }), 3000);
    expect(await res.body.text()).toBe('ok');
    expect(connections).toBe(3);
    await pool.close();
    for (const s of sockets) s.destroy();
    srv.close();
  });
});
