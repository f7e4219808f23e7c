/** HTTPS end to end with our client, the client's body timeout, and the server's abort signal. */
import * as net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { createServer, type HttpServer, Pool } from '../src/index.js';
import { makeCertificate } from './cert.js';
import { RawClient, rejection, sleep, until, watchUnhandledRejections } from './helpers.js';

watchUnhandledRejections();

let server: HttpServer | null = null;
afterEach(async () => {
  await server?.close({ timeout: 100 });
  server = null;
});

const cert = makeCertificate();

test.skipIf(cert === null)('our client over TLS: keep-alive to our TLS server, certificate checked', async () => {
  const { key, cert: pem } = cert as { key: string; cert: string };
  server = await createServer(async (req, res) => {
    await res.write(`secure ${req.url} `);
    await res.end(await req.body.text());
  }).listen({ tls: { key, cert: pem } });
  const pool = new Pool(`https://localhost:${server.port}`, { connections: 1, tls: { ca: pem } });
  const a = await pool.request('/a', { method: 'POST', body: 'one' });
  expect(await a.body.text()).toBe('secure /a one');
  const b = await pool.request('/b', { method: 'POST', body: 'two' });
  expect(await b.body.text()).toBe('secure /b two');
  expect(server.connections).toBe(1);
  await pool.close();
  const untrusted = new Pool(`https://localhost:${server.port}`);
  const e = await rejection(untrusted.request('/'));
  expect(e.code).toBe('WIREMACHINE_ERR_TRANSPORT');
  await untrusted.close();
});

test('bodyTimeout: a response body that stalls fails its reader with a TimeoutError', async () => {
  const sockets: net.Socket[] = [];
  const raw = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst part'));
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const pool = new Pool(`http://127.0.0.1:${(raw.address() as net.AddressInfo).port}`);
  const res = await pool.request('/', { bodyTimeout: 150 });
  const started = Date.now();
  const e = await rejection(res.body.text());
  expect(e.code).toBe('WIREMACHINE_ERR_TIMEOUT');
  expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  expect(pool.connections).toBe(0);
  for (const s of sockets) s.destroy();
  raw.close();
});

// undici does not time out a reader that is behind either; before, this failed with a TimeoutError after 150 ms.
test('bodyTimeout: a reader that is behind is not timed out; the server is not the one waiting', async () => {
  const body = Buffer.alloc(1024 * 1024, 0x61);
  server = await createServer((_req, res) => res.end(body)).listen({ port: 0 });
  const pool = new Pool(`http://127.0.0.1:${server.port}`);
  const res = await pool.request('/', { bodyTimeout: 150 });
  await sleep(500); // more than the high-water mark arrived; reading paused
  expect(res.body.buffered).toBeGreaterThan(32 * 1024);
  expect((await res.body.bytes()).length).toBe(body.length);
  await pool.close();
});

test("the handler's signal aborts when the client goes before the response", async () => {
  let aborted: unknown = null;
  server = await createServer(async (req, res) => {
    await new Promise<void>((resolve) => {
      req.signal.addEventListener('abort', () => {
        aborted = req.signal.reason;
        resolve();
      });
    });
    await res.end('too late').catch(() => {});
  }).listen();
  const c = await RawClient.connect(server.port);
  c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(30);
  c.socket.resetAndDestroy();
  await until(() => aborted !== null);
  await until(() => server?.connections === 0);
});
