/** Faults: clients that reset mid-body, mid-head and mid-response. Nothing leaks, nothing goes unhandled. */
import * as net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { createServer, type HttpServer, Pool } from '../src/index.js';
import { randomBytes, seeded, sleep, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

let server: HttpServer | null = null;
afterEach(async () => {
  await server?.close({ timeout: 100 });
  server = null;
});

function reset(port: number, send: (s: net.Socket) => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', async () => {
      await send(s);
      s.resetAndDestroy();
    });
    s.on('error', () => {});
    s.on('close', () => resolve());
  });
}

test('50 clients reset mid-body: every reader fails with a typed error, every socket is released', async () => {
  const failures: string[] = [];
  const s = await createServer(async (req, res) => {
    try {
      await req.body.bytes();
    } catch (e) {
      const x = e as { code?: string; cause?: { code?: string } };
      failures.push(`${x.code} ${x.cause?.code}`);
      throw e;
    }
    await res.end('unexpected');
  }).listen();
  server = s;
  const rand = seeded(21);
  const chunk = randomBytes(64 * 1024, 4);
  await Promise.all(
    Array.from({ length: 50 }, () =>
      reset(s.port, async (sock) => {
        sock.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
        const pieces = 1 + Math.floor(rand() * 6);
        for (let i = 0; i < pieces; i++) sock.write(chunk);
        await sleep(20);
      }),
    ),
  );
  await until(() => s.connections === 0 && s.listener?.openSockets === 0, 5000, 'every connection released');
  expect(failures).toHaveLength(50);
  // A reset that arrives while reading is paused (50 uploads at once: the server reads each in turn) with
  // bytes still unread in the kernel is reported by libuv as a clean end: after the read that drains those
  // bytes it takes the hang-up for an end of input and never reads the error. So the server sees
  // ECONNRESET or a clean end inside the body, in proportions that vary from run to run (none of the
  // first in some). Both are typed; the next test pins the cause down where the socket reports it.
  for (const f of failures)
    expect(['WIREMACHINE_ERR_STREAM_CLOSED ECONNRESET', 'WIREMACHINE_ERR_HTTP_INCOMPLETE undefined']).toContain(f);
});

test('50 clients reset once the server has read all they sent: every reader fails with the reset as its cause', async () => {
  const failures: string[] = [];
  const read = new Map<string, () => void>();
  const s = await createServer(async (req, res) => {
    const sent = Number(req.headers.get('x-sent'));
    let got = 0;
    try {
      for await (const piece of req.body) {
        got += piece.length;
        if (got === sent) read.get(req.headers.get('x-id') as string)?.();
      }
    } catch (e) {
      const x = e as { code?: string; cause?: { code?: string } };
      failures.push(`${x.code} ${x.cause?.code}`);
      throw e;
    }
    await res.end('unexpected');
  }).listen();
  server = s;
  const chunk = randomBytes(64 * 1024, 5);
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => {
      const all = new Promise<void>((r) => read.set(String(i), r));
      const pieces = 1 + (i % 6);
      return reset(s.port, async (sock) => {
        sock.write(`POST /up HTTP/1.1\r\nHost: x\r\nX-Id: ${i}\r\nX-Sent: ${pieces * chunk.length}\r\n`);
        sock.write('Content-Length: 1000000\r\n\r\n');
        for (let k = 0; k < pieces; k++) sock.write(chunk);
        // Nothing is left unread when the reset comes: the server's next read fails with ECONNRESET.
        await within(all, 5000, `the server reading all that client ${i} sent`);
      });
    }),
  );
  await until(() => s.connections === 0 && s.listener?.openSockets === 0, 5000, 'every connection released');
  expect(failures).toEqual(Array(50).fill('WIREMACHINE_ERR_STREAM_CLOSED ECONNRESET'));
});

test('clients that reset mid-head or mid-response leave nothing behind', async () => {
  let writesFailed = 0;
  const s = await createServer(async (req, res) => {
    if (req.url === '/big') {
      const piece = randomBytes(256 * 1024, 2);
      try {
        for (let i = 0; i < 400; i++) await res.write(piece);
      } catch {
        writesFailed++;
        return;
      }
    }
    await res.end('done');
  }).listen();
  server = s;
  await Promise.all([
    ...Array.from({ length: 10 }, () => reset(s.port, async (sock) => void sock.write('GET /half HTTP/1.1\r\nHo'))),
    ...Array.from({ length: 10 }, () =>
      reset(s.port, async (sock) => {
        sock.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
        await new Promise((r) => sock.once('data', r));
      }),
    ),
  ]);
  await until(() => s.connections === 0 && s.listener?.openSockets === 0, 5000, 'every connection released');
  await until(() => writesFailed === 10, 5000, 'every big response to fail its write');
});

test('our client against our server: keep-alive, then a server restart is survived by a fresh connection', async () => {
  let s = await createServer((req, res) => void res.end(`ok ${req.url}`)).listen();
  server = s;
  const port = s.port;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
  for (let i = 0; i < 3; i++) expect(await (await pool.request(`/${i}`)).body.text()).toBe(`ok /${i}`);
  expect(s.connections).toBe(1);
  await s.close({ timeout: 100 });
  s = await createServer((_req, res) => void res.end('again')).listen({ port });
  server = s;
  expect(await (await pool.request('/x')).body.text()).toBe('again');
  await pool.close();
  await until(() => s.connections === 0);
});
