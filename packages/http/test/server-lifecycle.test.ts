/** Timeouts (header, request, keep-alive), graceful shutdown, Upgrade and CONNECT hand-over, TLS. */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, test } from 'vitest';
import { makeCertificate } from './cert.js';
import { RawClient, serverFixture, sleep, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const start = serverFixture();

describe('timeouts', () => {
  test('a client that sends its head one byte at a time is answered 408 and closed by the header timeout', async () => {
    const s = await start((_req, res) => void res.end('ok'), { headerTimeout: 300, keepAliveTimeout: 5000 });
    const c = await RawClient.connect(s.port);
    const head = 'GET / HTTP/1.1\r\nHost: a\r\nX-Padding: aaaaaaaaaaaaaaaa\r\n\r\n';
    const started = Date.now();
    for (let i = 0; i < head.length && !c.closed; i++) {
      c.write(head[i]);
      await sleep(25);
    }
    const text = await c.closedByPeer();
    expect(Date.now() - started).toBeLessThan(900);
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  test('a head that shows a fault is answered 400 at once, not when the header timeout or the size limit comes', async () => {
    const s = await start((_req, res) => void res.end('ok'), { headerTimeout: 10_000, keepAliveTimeout: 10_000 });
    // The first bytes of a TLS ClientHello, sent to the plain HTTP port, in one piece.
    const tlsHello = await RawClient.connect(s.port);
    tlsHello.write(Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03));
    expect(await tlsHello.closedByPeer(2000)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    // A NUL in a field value, the head never ended, sent in a few pieces.
    const nul = await RawClient.connect(s.port);
    for (const piece of ['GET / HTTP/1.1\r\n', 'Host: a\r\n', 'X-Bad: a\0b\r\n', 'X-More: ']) {
      nul.write(piece);
      await sleep(10);
    }
    nul.write('x'.repeat(200));
    expect(await nul.closedByPeer(2000)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  test('the header timeout runs from the first byte of each request, not from the connection', async () => {
    const s = await start((_req, res) => void res.end('ok'), { headerTimeout: 200, keepAliveTimeout: 2000 });
    const c = await RawClient.connect(s.port);
    for (let i = 0; i < 3; i++) {
      await sleep(120); // idle: the keep-alive timeout applies
      c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.waitFor('ok', i + 1);
    }
    expect(c.closed).toBe(false);
    c.destroy();
  });

  test('an idle keep-alive connection is closed quietly after keepAliveTimeout', async () => {
    const s = await start((_req, res) => void res.end('ok'), { keepAliveTimeout: 150 });
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor('ok');
    const at = Date.now();
    const text = await c.closedByPeer(2000);
    expect(Date.now() - at).toBeGreaterThanOrEqual(100);
    expect(text.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  test('a body that arrives too slowly: the request timeout answers 408 and the reader fails', async () => {
    let readError: unknown = null;
    const s = await start(
      async (req, res) => {
        try {
          await req.body.text();
        } catch (e) {
          readError = e;
          throw e;
        }
        await res.end('ok');
      },
      { requestTimeout: 250, headerTimeout: 1000 },
    );
    const c = await RawClient.connect(s.port);
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    const text = await c.closedByPeer(2000);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect((readError as { code?: string })?.code).toBe('WIREMACHINE_ERR_TIMEOUT');
  });
});

describe('graceful shutdown', () => {
  test('close() finishes the request in flight, says Connection: close, and closes idle connections at once', async () => {
    let release: (() => void) | null = null;
    const s = await start(async (_req, res) => {
      await new Promise<void>((r) => {
        release = r;
      });
      await res.end('finished');
    });
    const idle = await RawClient.connect(s.port);
    const busy = await RawClient.connect(s.port);
    busy.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => release !== null && s.connections === 2);
    const closing = s.close({ timeout: 3000 });
    await idle.closedByPeer(1000);
    expect(busy.closed).toBe(false);
    // No new connections are accepted.
    const refused = await new Promise<boolean>((r) => {
      const x = net.connect(s.port, '127.0.0.1');
      x.on('error', () => r(true));
      x.on('connect', () => x.once('close', () => r(false)));
    });
    expect(refused).toBe(true);
    (release as unknown as () => void)();
    const text = await busy.closedByPeer();
    await within(closing);
    expect(text).toMatch(/Connection: close\r\n\r\nfinished$/);
  });

  test('after the shutdown timeout, connections still busy are destroyed', async () => {
    const s = await start(() => new Promise<void>(() => {}));
    const c = await RawClient.connect(s.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => s.connections === 1);
    await within(s.close({ timeout: 100 }));
    await c.closedByPeer(1000);
    expect(s.connections).toBe(0);
  });
});

describe('Upgrade and CONNECT', () => {
  test('onUpgrade gets the socket and the bytes that followed the head; earlier requests are answered first', async () => {
    const seen: string[] = [];
    const s = await start((req, res) => void res.end(`plain ${req.url}`), {
      onUpgrade: (req, socket, head) => {
        seen.push(`${req.method} ${req.url} ${Buffer.from(head).toString()}`);
        socket?.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n');
        socket?.on('data', (d) => socket.write(d));
        socket?.write(head);
        socket?.resume(); // handed over paused, so that no byte is missed
      },
    });
    const c = await RawClient.connect(s.port);
    c.write(
      'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nearly bytes',
    );
    await c.waitFor('early bytes');
    c.write(' and later ones');
    const text = await c.waitFor('later ones');
    expect(text.indexOf('plain /first')).toBeLessThan(text.indexOf('101 Switching'));
    expect(seen).toEqual(['GET /chat early bytes']);
    expect(s.connections).toBe(0);
    c.destroy();
  });

  test('CONNECT is handed over as well', async () => {
    let target = '';
    const s = await start((_req, res) => void res.end(), {
      onUpgrade: (req, socket) => {
        target = req.url;
        socket?.end('HTTP/1.1 200 Connection Established\r\n\r\n');
      },
    });
    const c = await RawClient.connect(s.port);
    c.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(await c.closedByPeer()).toBe('HTTP/1.1 200 Connection Established\r\n\r\n');
    expect(target).toBe('example.com:443');
  });

  test('without onUpgrade, the handler answers the request and the connection closes', async () => {
    const s = await start((req, res) => void res.end(`no upgrade for ${req.url}`));
    const c = await RawClient.connect(s.port);
    c.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n');
    const text = await c.closedByPeer();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/Connection: close\r\n\r\nno upgrade for \/ws$/);
  });
});

const cert = makeCertificate();
describe.skipIf(cert === null)('TLS', () => {
  test('keep-alive and a streamed response over TLS', async () => {
    const s = await start(
      async (req, res) => {
        await res.write(`secure ${req.url}`);
        await res.end();
      },
      undefined,
      { tls: cert as { key: string; cert: string } },
    );
    const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca: cert?.cert, servername: 'localhost' });
    let text = '';
    sock.on('data', (d) => {
      text += d.toString();
    });
    sock.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => text.includes('secure /b'));
    expect(text).toContain('Transfer-Encoding: chunked');
    expect(text.indexOf('secure /a')).toBeLessThan(text.indexOf('secure /b'));
    sock.destroy();
  });
});
