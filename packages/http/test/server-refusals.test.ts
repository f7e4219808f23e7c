/**
 * Requests the server refuses itself, and response heads it refuses to send,
 * each compared with node:http on the same bytes: no Host, a broken chunked
 * body, a bare LF at the end of one, PRI with a body read, and handler
 * headers that would contradict each other.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServerRequest, ServerResponse } from '../src/index.js';
import { RawClient, serverFixture, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const start = serverFixture();

/** node:http with an echo handler: the peer every shape is compared with. */
let node: http.Server;
beforeAll(async () => {
  node = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString('latin1');
    });
    req.on('error', () => {});
    req.on('end', () => res.end(`echo:${body}`));
  });
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  node.closeAllConnections();
  await new Promise((r) => node.close(r));
});

/** Send `bytes`, collect the answer until the peer closes (or 1 s passes: then `timedOut`). */
function exchange(port: number, bytes: string): Promise<{ text: string; closed: boolean }> {
  return within(
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.from(bytes, 'latin1')));
      let text = '';
      s.on('data', (d: Buffer) => {
        text += d.toString('latin1');
      });
      s.on('error', () => {});
      const timer = setTimeout(() => {
        s.destroy();
        resolve({ text, closed: false });
      }, 1000);
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ text, closed: true });
      });
    }),
    5000,
    'an exchange',
  );
}

const statusOf = (text: string) => /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 'none';

/** Our echo server: the handler reads the body, then answers with it (and records what its writes did). */
function echo(log: string[]) {
  return async (req: ServerRequest, res: ServerResponse) => {
    let body: string;
    try {
      body = await req.body.text();
    } catch (e) {
      log.push(`body ${(e as { code?: string }).code}`);
      try {
        await res.end('answered anyway');
        log.push('end resolved');
      } catch (w) {
        log.push(`end ${(w as { code?: string }).code}`);
      }
      return;
    }
    await res.end(`echo:${body}`);
  };
}

const POST = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';

describe('a broken chunked body is answered 400 by the server, which closes (as node:http)', () => {
  const shapes: [string, string][] = [
    ['spaces before the size', ' 5\r\nhello\r\n0\r\n\r\n'],
    ['spaces after the size', '5 \r\nhello\r\n0\r\n\r\n'],
    ['0x5', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['+5', '+5\r\nhello\r\n0\r\n\r\n'],
    ['a size that overflows', 'fffffffffffffffff\r\nhello\r\n0\r\n\r\n'],
    ['a bare CR in an extension', '5;a\rb\r\nhello\r\n0\r\n\r\n'],
    ['a bare LF in an extension', '5;a\nb\r\nhello\r\n0\r\n\r\n'],
    ['no CRLF after the data', '5\r\nhelloXX0\r\n\r\n'],
    ['the last chunk ending in bare LF (0\\n\\n)', '5\r\nhello\r\n0\n\n'],
  ];
  for (const [name, body] of shapes) {
    test(name, async () => {
      const log: string[] = [];
      const s = await start(echo(log));
      const ours = await exchange(s.port, POST + body);
      const theirs = await exchange((node.address() as net.AddressInfo).port, POST + body);
      expect(statusOf(theirs.text)).toBe('400');
      expect(theirs.closed).toBe(true);
      expect(statusOf(ours.text)).toBe('400');
      expect(ours.closed).toBe(true);
      expect(ours.text).not.toContain('answered anyway');
      // The handler heard a typed error from its read, and its answer after the 400 fails with one too.
      await until(() => log.length === 2);
      expect(log[0]).toMatch(/^body WIREMACHINE_ERR_HTTP_/);
      expect(log[1]).toMatch(/^end WIREMACHINE_ERR_HTTP_/);
    });
  }

  test('a broken body after the response started: the answer is not cut into, the connection closes', async () => {
    const s = await start(async (req, res) => {
      await res.write('started ');
      await req.body.text().catch(() => {});
      await res.end('done');
    });
    const ours = await exchange(s.port, `${POST}5\r\nhello\r\n+5\r\n`);
    expect(statusOf(ours.text)).toBe('200');
    expect(ours.text).toContain('started ');
    expect(ours.closed).toBe(true);
  });

  test('a body broken behind a pipelined request: the first is answered, then 400', async () => {
    const s = await start(echo([]));
    const ours = await exchange(s.port, `GET /a HTTP/1.1\r\nHost: x\r\n\r\n${POST}0x5\r\nhello\r\n0\r\n\r\n`);
    expect(ours.text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 400']);
    expect(ours.closed).toBe(true);
  });
});

describe('Host (RFC 9112 §3.2)', () => {
  test('an HTTP/1.1 request without Host is answered 400 and closed, as node:http does', async () => {
    let handled = 0;
    const s = await start((_req, res) => {
      handled++;
      res.end('ok');
    });
    const bytes = 'GET / HTTP/1.1\r\n\r\n';
    const ours = await exchange(s.port, bytes);
    const theirs = await exchange((node.address() as net.AddressInfo).port, bytes);
    expect(statusOf(theirs.text)).toBe('400');
    expect(statusOf(ours.text)).toBe('400');
    expect(ours.closed).toBe(true);
    expect(handled).toBe(0);
  });

  test('two Host fields: 400 (node:http answers 200 here; RFC 9112 §3.2 says 400)', async () => {
    const s = await start((_req, res) => void res.end('ok'));
    const bytes = 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n';
    const ours = await exchange(s.port, bytes);
    expect(statusOf(ours.text)).toBe('400');
    expect(ours.closed).toBe(true);
  });

  test('HTTP/1.0 needs no Host; requireHost: false serves HTTP/1.1 without one', async () => {
    const s = await start((_req, res) => void res.end('ok'));
    expect(statusOf((await exchange(s.port, 'GET / HTTP/1.0\r\n\r\n')).text)).toBe('200');
    const lenient = await start((_req, res) => void res.end('ok'), { requireHost: false });
    const c = await RawClient.connect(lenient.port);
    c.write('GET / HTTP/1.1\r\n\r\n');
    expect(await c.waitFor('ok')).toMatch(/^HTTP\/1\.1 200/);
    c.destroy();
  });

  test('a missing Host behind a good request: the good one is answered first', async () => {
    const s = await start((req, res) => void res.end(req.url));
    const ours = await exchange(s.port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n');
    expect(ours.text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 400']);
  });
});

describe('PRI * HTTP/2.0', () => {
  test('a handler that reads the body of a PRI request gets an empty one, answers, and the connection closes', async () => {
    const s = await start(async (req, res) => void (await res.end(`${req.method} ${(await req.body.bytes()).length}`)));
    const bytes = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
    const ours = await exchange(s.port, bytes);
    const theirs = await exchange((node.address() as net.AddressInfo).port, bytes);
    // node:http refuses it with 400 at once; here the handler decides (as for CONNECT), and nothing hangs.
    expect(statusOf(theirs.text)).toBe('400');
    expect(ours.text).toMatch(/^HTTP\/1\.1 200/);
    expect(ours.text).toContain('PRI 0');
    expect(ours.closed).toBe(true);
  });
});

describe('response heads never contradict themselves', () => {
  async function answer(handler: (res: ServerResponse) => void): Promise<string> {
    const s = await start((_req, res) => handler(res));
    return (await exchange(s.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).text;
  }
  const codeOf = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return 'none';
  };

  for (const bad of ['10 ', 'abc', '5, 5', '-1', '']) {
    test(`Content-Length ${JSON.stringify(bad)} is refused before it is stored`, async () => {
      let code: string | undefined;
      const text = await answer((res) => {
        code = codeOf(() => res.setHeader('Content-Length', bad));
        res.end('hello');
      });
      expect(code).toBe('WIREMACHINE_ERR_INVALID_ARGUMENT');
      expect(text.match(/Content-Length/gi)).toEqual(['Content-Length']);
      expect(text).toContain('Content-Length: 5\r\n');
    });
  }

  test('writeHead is all or nothing: one bad value in an array leaves no field behind', async () => {
    let code: string | undefined;
    const text = await answer((res) => {
      code = codeOf(() => res.writeHead(200, { 'X-B': 'fine', 'X-A': ['ok', 'bad\r\n'] }));
      res.end('hello');
    });
    expect(code).toBe('WIREMACHINE_ERR_INVALID_ARGUMENT');
    expect(text).not.toContain('X-A');
    expect(text).not.toContain('X-B');
  });

  test('a second Content-Length is refused', async () => {
    let code: string | undefined;
    const text = await answer((res) => {
      res.setHeader('Content-Length', 5);
      code = codeOf(() => res.setHeader('content-length', 5));
      res.end('hello');
    });
    expect(code).toBe('WIREMACHINE_ERR_INVALID_ARGUMENT');
    expect(text.match(/Content-Length/gi)).toHaveLength(1);
  });

  test('Content-Length with Transfer-Encoding is refused, in either order and in one writeHead', async () => {
    const codes: (string | undefined)[] = [];
    const text = await answer((res) => {
      res.setHeader('Content-Length', 5);
      codes.push(codeOf(() => res.setHeader('Transfer-Encoding', 'chunked')));
      codes.push(codeOf(() => res.writeHead(200, { 'X-Z': '1', 'Transfer-Encoding': 'gzip' })));
      res.end('hello');
    });
    expect(codes).toEqual(['WIREMACHINE_ERR_INVALID_ARGUMENT', 'WIREMACHINE_ERR_INVALID_ARGUMENT']);
    expect(text).not.toMatch(/Transfer-Encoding|X-Z/i);
    expect(text).toContain('Content-Length: 5\r\n');
    expect(text.endsWith('\r\n\r\nhello')).toBe(true);
    const other = await answer((res) => {
      res.setHeader('Transfer-Encoding', 'chunked');
      codes.push(codeOf(() => res.setHeader('Content-Length', 5)));
      res.end('hello');
    });
    expect(codes[2]).toBe('WIREMACHINE_ERR_INVALID_ARGUMENT');
    expect(other).not.toMatch(/Content-Length/i);
  });

  test('Transfer-Encoding: chunked set by the handler: end(body) sends the body chunked', async () => {
    const text = await answer((res) => {
      res.setHeader('Transfer-Encoding', 'chunked');
      res.end('hello');
    });
    expect(text).not.toMatch(/Content-Length/i);
    expect(text).toMatch(/Transfer-Encoding: chunked\r\n(?:[^\r]*\r\n)*\r\n5\r\nhello\r\n0\r\n\r\n$/);
  });

  test('Transfer-Encoding: gzip gets no Content-Length: the body is delimited by the close', async () => {
    const s = await start((_req, res) => {
      res.setHeader('Transfer-Encoding', 'gzip');
      res.end('zzz');
    });
    const { text, closed } = await exchange(s.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(text).not.toMatch(/Content-Length/i);
    expect(text).toContain('Connection: close\r\n');
    expect(text.endsWith('\r\n\r\nzzz')).toBe(true);
    expect(closed).toBe(true);
  });
});
