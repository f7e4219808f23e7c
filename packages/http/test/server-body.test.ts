/** Request bodies: streaming with backpressure, Expect: 100-continue, and limits answered with their status. */
import * as net from 'node:net';
import { describe, expect, test } from 'vitest';
import {
  count,
  RawClient,
  randomBytes,
  serverFixture,
  sleep,
  until,
  watchUnhandledRejections,
  within,
} from './helpers.js';

watchUnhandledRejections();

const start = serverFixture();

const sum = (b: Uint8Array) => b.reduce((a, x) => (a * 31 + x) >>> 0, 7);

describe('streaming request bodies', () => {
  test('a slow reader holds back a fast 8 MiB chunked upload: the server buffers about the mark, and gets every byte', async () => {
    const data = randomBytes(8 << 20, 11);
    let maxHeld = 0;
    let got = 7;
    let size = 0;
    const s = await start(
      async (req, res) => {
        for await (const chunk of req.body) {
          maxHeld = Math.max(maxHeld, req.body.buffered);
          for (const x of chunk) got = (got * 31 + x) >>> 0;
          size += chunk.length;
          if (size < 1 << 20) await sleep(1); // slow at first: the client fills the socket
        }
        await res.end(String(size));
      },
      { highWaterMark: 32 * 1024 },
    );
    const sock = net.connect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    const reply: Buffer[] = [];
    sock.on('data', (d) => reply.push(d));
    sock.write('POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    for (let at = 0; at < data.length; at += 100_000) {
      const piece = data.subarray(at, at + 100_000);
      sock.write(`${piece.length.toString(16)}\r\n`);
      sock.write(piece);
      sock.write('\r\n');
    }
    sock.write('0\r\n\r\n');
    await until(() => Buffer.concat(reply).toString().endsWith(String(data.length)), 20_000, 'the answer');
    sock.destroy();
    expect(size).toBe(data.length);
    expect(got).toBe(sum(data));
    // Held for the handler: at most the mark plus what one parse step delivers (socket reads are <= 64 KiB).
    expect(maxHeld).toBeLessThanOrEqual(32 * 1024 + 64 * 1024);
  });

  test('a fixed-length body arrives whole, with its trailers-free end, in any split', async () => {
    const s = await start(async (req, res) => void (await res.end(`${(await req.body.bytes()).length}`)));
    const c = await RawClient.connect(s.port);
    c.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234');
    await sleep(20);
    c.write('56789');
    expect(await c.waitFor('\r\n\r\n10')).toContain('Content-Length: 2');
    c.destroy();
  });

  test('chunked trailers reach the handler', async () => {
    const s = await start(async (req, res) => {
      await req.body.text();
      await res.end(req.trailers?.get('x-sum') ?? 'none');
    });
    const c = await RawClient.connect(s.port);
    c.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n');
    expect(await c.waitFor('42')).toMatch(/\r\n\r\n42$/);
    c.destroy();
  });

  test('an unread body is discarded and the connection serves the next request', async () => {
    const s = await start((req, res) => void res.end(req.url));
    const c = await RawClient.connect(s.port);
    c.write('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.waitFor('/b')).toContain('/a');
    c.destroy();
  });
});

describe('Expect: 100-continue', () => {
  test('reading the body sends 100 Continue first; the client sends the body after it', async () => {
    const s = await start(async (req, res) => void (await res.end(`got ${await req.body.text()}`)));
    const c = await RawClient.connect(s.port);
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
    expect(await c.waitFor('HTTP/1.1 100 Continue\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    c.write('data');
    const text = await c.waitFor('got data');
    expect(count(text, '100 Continue')).toBe(1);
    expect(text).not.toContain('Connection: close');
    c.destroy();
  });

  test('a final status without reading the body: no 100, and the connection closes', async () => {
    const s = await start((_req, res) => void res.writeHead(413).end('too big'));
    const c = await RawClient.connect(s.port);
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n');
    const text = await c.closedByPeer();
    expect(text).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(text).toContain('Connection: close');
    expect(text).not.toContain('100 Continue');
  });
});

describe('limits map to their status, then the connection closes', () => {
  const cases: [string, string, number][] = [
    ['a long URL', `GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ['a large head', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'b'.repeat(2000)}\r\n\r\n`, 431],
    ['too many fields', `GET / HTTP/1.1\r\n${'X: 1\r\n'.repeat(20)}\r\n`, 431],
    ['a Content-Length over maxBodySize', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n', 413],
    ['a malformed request line', 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      400,
    ],
  ];
  for (const [what, input, status] of cases) {
    test(`${what}: ${status}`, async () => {
      const s = await start((_req, res) => void res.end('ok'), {
        http1: { maxUrlLength: 100, maxHeadSize: 1024, maxHeaders: 10, maxBodySize: 1000 },
      });
      const c = await RawClient.connect(s.port);
      c.write(input);
      const text = await c.closedByPeer();
      expect(text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(text).toContain('Connection: close');
      expect(count(text, 'HTTP/1.1')).toBe(1);
    });
  }

  test('a chunked body that passes maxBodySize fails its reader; the handler that rethrows answers 413', async () => {
    const s = await start(async (req, res) => void (await res.end(await req.body.text())), {
      http1: { maxBodySize: 10 },
    });
    const c = await RawClient.connect(s.port);
    c.write(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n',
    );
    expect(await c.closedByPeer()).toMatch(/^HTTP\/1\.1 413 /);
  });

  test('good requests before a bad one are answered first, in order', async () => {
    const s = await start((req, res) => void res.end(req.url));
    const c = await RawClient.connect(s.port);
    c.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/9.9\r\n\r\n');
    const text = await within(c.closedByPeer());
    expect(text.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 505']);
    expect(text.indexOf('/1')).toBeLessThan(text.indexOf('/2'));
  });
});
