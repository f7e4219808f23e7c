/** The server over TCP: keep-alive, pipelining in order, framing of responses, HEAD, HTTP/1.0. */
import type * as net from 'node:net';
import { describe, expect, test } from 'vitest';
import { count, RawClient, serverFixture, sleep, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const start = serverFixture();

describe('keep-alive and pipelining', () => {
  test('several requests on one connection, one response each, in order', async () => {
    const s = await start((req, res) => void res.end(`you asked for ${req.url}`));
    const c = await RawClient.connect(s.port);
    for (let i = 0; i < 3; i++) {
      c.write(`GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
      await c.waitFor('HTTP/1.1 200 OK', i + 1);
      await c.waitFor(`you asked for /${i}`);
    }
    expect(s.connections).toBe(1);
    expect(c.text).not.toContain('Connection: close');
    c.destroy();
  });

  test('pipelined requests written at once are answered in order, whatever each handler takes', async () => {
    const delays: Record<string, number> = { '/a': 60, '/b': 0, '/c': 20 };
    const s = await start(async (req, res) => {
      await sleep(delays[req.url]);
      await res.end(req.url);
    });
    const c = await RawClient.connect(s.port);
    c.write(['/a', '/b', '/c'].map((u) => `GET ${u} HTTP/1.1\r\nHost: a\r\n\r\n`).join(''));
    const text = await c.waitFor('HTTP/1.1 200', 3);
    await until(() => c.text.endsWith('/c'));
    const bodies = c.text
      .split('\r\n\r\n')
      .slice(1)
      .map((b) => b.slice(0, 2));
    expect(bodies).toEqual(['/a', '/b', '/c']);
    expect(count(text, 'HTTP/1.1 200')).toBe(3);
    c.destroy();
  });

  test('16 pipelined requests in one write, answered synchronously: one socket write for all 16 answers', async () => {
    const s = await start((req, res) => void res.end(`you asked for ${req.url}`));
    const writes: number[] = [];
    s.listener?.server.on('connection', (sock: net.Socket) => {
      const write = sock.write;
      sock.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>) {
        writes.push(Buffer.byteLength(args[0] as string, 'latin1'));
        return write.apply(this, args);
      } as net.Socket['write'];
    });
    const c = await RawClient.connect(s.port);
    c.write(Array.from({ length: 16 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`).join(''));
    await c.waitFor('you asked for /15');
    expect(count(c.text, 'HTTP/1.1 200 OK')).toBe(16);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(c.text.length);
    c.destroy();
  });

  test('pipelined POSTs with bodies: each handler reads its own body', async () => {
    const s = await start(async (req, res) => void (await res.end(`${req.url}=${await req.body.text()}`)));
    const c = await RawClient.connect(s.port);
    c.write(
      'POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' +
        'POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n' +
        'GET /3 HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    await c.waitFor('/3=');
    expect(c.text.indexOf('/1=abc')).toBeLessThan(c.text.indexOf('/2=def'));
    expect(c.text.indexOf('/2=def')).toBeLessThan(c.text.indexOf('/3='));
    c.destroy();
  });

  test('a request with Connection: close is answered with Connection: close, then the server closes', async () => {
    const s = await start((_req, res) => void res.end('bye'));
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.closedByPeer();
    expect(count(text, 'HTTP/1.1')).toBe(1);
    expect(text).toContain('Connection: close');
  });

  test('50 pipelined requests with maxPipelined 4: every one answered, in order, one handler at a time', async () => {
    let most = 0;
    let waiting = 0;
    const s = await start(
      async (req, res) => {
        waiting++;
        most = Math.max(most, waiting);
        await sleep(1);
        waiting--;
        await res.end(`<${req.url}>`);
      },
      { maxPipelined: 4 },
    );
    const c = await RawClient.connect(s.port);
    c.write(Array.from({ length: 50 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    await c.waitFor('</49>');
    expect(c.text.match(/<\/\d+>/g)).toEqual(Array.from({ length: 50 }, (_, i) => `</${i}>`));
    expect(most).toBe(1); // one handler at a time
    c.destroy();
  });

  test('a client that pipelines three requests and half-closes gets all three answers, the last with a close', async () => {
    const s = await start(async (req, res) => {
      await sleep(5);
      await res.end(req.url);
    });
    const c = await RawClient.connect(s.port);
    c.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
    c.socket.end();
    const text = await c.closedByPeer();
    expect(text.match(/\/\d$|\/\d(?=HTTP)/g)).toEqual(['/1', '/2', '/3']);
    expect(count(text, 'Connection: close')).toBe(1);
    expect(text.lastIndexOf('Connection: close')).toBeGreaterThan(text.indexOf('/2'));
  });

  test('maxRequestsPerConnection closes after that many responses', async () => {
    const s = await start((_req, res) => void res.end('x'), { maxRequestsPerConnection: 2 });
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.closedByPeer();
    expect(count(text, 'HTTP/1.1 200')).toBe(2);
    expect(count(text, 'Connection: close')).toBe(1);
  });
});

describe('responses', () => {
  test('a body written in pieces is chunked; one given to end() has a Content-Length', async () => {
    const s = await start(async (req, res) => {
      if (req.url === '/chunked') {
        res.setHeader('X-Kind', 'pieces');
        await res.write('hello, ');
        await res.write(new TextEncoder().encode('wörld'));
        await res.end();
      } else {
        await res.end('whole');
      }
    });
    const c = await RawClient.connect(s.port);
    c.write('GET /chunked HTTP/1.1\r\nHost: x\r\n\r\nGET /whole HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor('whole');
    const [chunked, whole] = c.text.split(/(?=HTTP\/1\.1 200)/);
    expect(chunked).toContain('Transfer-Encoding: chunked\r\nX-Kind: pieces'.split('\r\n')[0]);
    expect(chunked).toContain('\r\n\r\n7\r\nhello, \r\n6\r\nw\xc3\xb6rld\r\n0\r\n\r\n');
    expect(whole).toMatch(/Content-Length: 5\r\n\r\nwhole$/);
    c.destroy();
  });

  test('a string given whole is sent as UTF-8, with its length in bytes', async () => {
    const s = await start((req, res) => void res.end(req.url === '/ascii' ? 'plain' : 'héllo, wörld ✓'));
    const c = await RawClient.connect(s.port);
    c.write('GET /utf8 HTTP/1.1\r\nHost: x\r\n\r\nGET /ascii HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.waitFor('plain');
    expect(text).toContain(`Content-Length: 18\r\n\r\n${Buffer.from('héllo, wörld ✓').toString('latin1')}HTTP/1.1`);
    expect(text).toMatch(/Content-Length: 5\r\n\r\nplain$/);
    c.destroy();
  });

  test('a Content-Length set by the handler is kept, and the body streams in pieces', async () => {
    const s = await start(async (_req, res) => {
      res.writeHead(200, { 'Content-Length': 6 });
      await res.write('abc');
      await res.end('def');
    });
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.waitFor('abcdef');
    expect(text).toContain('Content-Length: 6\r\n');
    expect(text).not.toContain('chunked');
    c.destroy();
  });

  test('a body shorter than its Content-Length closes the connection (the client must not wait)', async () => {
    const s = await start(async (_req, res) => {
      res.setHeader('Content-Length', 10);
      await res.write('abc');
      await res.end().catch(() => {});
    });
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.closedByPeer()).toMatch(/Content-Length: 10\r\n\r\nabc$/);
  });

  test('HEAD gets the head of the GET response, without its body', async () => {
    const s = await start(async (_req, res) => void (await res.end('twelve bytes')));
    const c = await RawClient.connect(s.port);
    c.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.waitFor('twelve bytes');
    const [head, get] = text.split(/(?=HTTP\/1\.1 200)/);
    expect(head).toMatch(/Content-Length: 12\r\n\r\n$/);
    expect(get).toMatch(/Content-Length: 12\r\n\r\ntwelve bytes$/);
    c.destroy();
  });

  test('204 and 304 have no body and no framing fields', async () => {
    const s = await start((req, res) => void res.writeHead(req.url === '/204' ? 204 : 304).end('ignored'));
    const c = await RawClient.connect(s.port);
    c.write(
      'GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const text = await c.waitFor('HTTP/1.1 204', 2);
    await sleep(20);
    expect(text).not.toContain('ignored');
    expect(text).not.toMatch(/Content-Length|Transfer-Encoding/);
    expect(count(c.text, 'HTTP/1.1 304 Not Modified')).toBe(1);
    c.destroy();
  });

  test('HTTP/1.0: kept alive only when asked; a streamed body is read to the close', async () => {
    const s = await start(async (req, res) => {
      if (req.url === '/stream') await res.write('streamed');
      await res.end(req.url === '/stream' ? undefined : 'whole');
    });
    const c = await RawClient.connect(s.port);
    c.write('GET /whole HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await c.waitFor('whole');
    expect(c.text).toContain('Connection: keep-alive');
    c.write('GET /stream HTTP/1.0\r\n\r\n');
    const text = await c.closedByPeer();
    expect(text).toMatch(/HTTP\/1\.1 200 OK\r\nDate: [^\r]+\r\nConnection: close\r\n\r\nstreamed$/);
  });

  test('a handler that rejects gets 500, the connection closes, and onError hears why', async () => {
    const errors: unknown[] = [];
    const s = await start(
      async (req) => {
        if (req.url === '/throw') throw new Error('boom');
      },
      { onError: (e) => errors.push(e) },
    );
    const c = await RawClient.connect(s.port);
    c.write('GET /throw HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.closedByPeer();
    expect(text).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    expect(text).toContain('Connection: close');
    expect(errors).toHaveLength(1);
  });

  test('a handler that returns a promise without ending the response gets an empty 200', async () => {
    const s = await start(async () => {});
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await within(c.waitFor('Content-Length: 0\r\n\r\n'))).toMatch(/^HTTP\/1\.1 200 OK/);
    c.destroy();
  });

  test('field values cannot carry a line ending into the response', async () => {
    let caught: unknown = null;
    const s = await start((_req, res) => {
      try {
        res.setHeader('X-Evil', 'a\r\nSet-Cookie: x=1');
      } catch (e) {
        caught = e;
      }
      res.end('ok');
    });
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.waitFor('ok');
    expect((caught as { code?: string })?.code).toBe('WIREMACHINE_ERR_INVALID_ARGUMENT');
    expect(text).not.toContain('Set-Cookie');
    c.destroy();
  });
});
