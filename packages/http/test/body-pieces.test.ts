/**
 * Bodies sent in one-byte chunks: each piece is a view with about 100 bytes
 * of heap of its own, so what a body holds for a reader that is behind is
 * counted with that cost, not by its bytes alone. Measured after a full GC.
 */
import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { expect, test } from 'vitest';
import { type Body, Pool } from '../src/index.js';
import { serverFixture, sleep, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const start = serverFixture();

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** Heap and array buffers in use after a full collection. */
function held(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test('a request body of one-byte chunks that the handler does not read yet holds under 2 MiB, then reads whole', async () => {
  let body: Body | null = null;
  let go = () => {};
  const read: Promise<number>[] = [];
  const s = await start(async (req, res) => {
    body = req.body;
    await new Promise<void>((r) => {
      go = r;
    });
    const p = req.body.bytes().then((b) => b.filter((x) => x === 0x61).length);
    read.push(p);
    res.end(String(await p));
  });
  const before = held();
  const c = net.connect(s.port, '127.0.0.1');
  c.on('error', () => {});
  await within(new Promise((r) => c.once('connect', r)), 5000, 'connect');
  c.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
  // Four MiB of one-byte chunks (24 MiB on the wire) offered; the client writes until the socket stops taking them.
  const PIECES = 4 << 20;
  let sent = 0;
  while (sent < PIECES) {
    sent += 1024;
    if (!c.write('1\r\na\r\n'.repeat(1024))) {
      const drained = await Promise.race([
        new Promise<boolean>((r) => c.once('drain', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
      ]);
      if (!drained) break;
    }
  }
  await until(() => body !== null);
  const growth = held() - before;
  // Before the cost was counted: 64 KiB of one-byte pieces, 7.7 MB held.
  expect(growth).toBeLessThan(2 * 1024 * 1024);
  expect((body as unknown as Body).buffered).toBeLessThan(1024);
  // The reader catches up and the rest flows.
  go();
  c.write('0\r\n\r\n');
  const got = await within(
    new Promise<string>((r) => {
      let text = '';
      c.on('data', (d) => {
        text += d.toString('latin1');
        if (/\r\n\r\n\d+$/.test(text)) r(text);
      });
    }),
    10_000,
    'the answer',
  );
  expect(got.endsWith(`\r\n\r\n${sent}`)).toBe(true);
  c.destroy();
});

test('a response body of one-byte chunks that nobody reads yet holds under 2 MiB, then reads whole', async () => {
  const PIECES = 1 << 20;
  let offered = 0;
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const more = () => {
        while (offered < PIECES) {
          offered += 1024;
          if (!s.write('1\r\na\r\n'.repeat(1024))) return;
        }
        s.write('0\r\n\r\n');
      };
      s.on('drain', more);
      more();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const pool = new Pool(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`);
  const before = held();
  const res = await pool.request('/');
  // Until the socket's buffers fill, the server writes on; then nothing more is taken from it.
  let last = -1;
  await within(
    until(async () => {
      const now = res.body.received;
      const still = now === last;
      last = now;
      await sleep(100);
      return still && now > 0;
    }),
    10_000,
    'reading stopped',
  );
  const growth = held() - before;
  // Before the cost was counted: 65,536 one-byte pieces, about 7 MB.
  expect(growth).toBeLessThan(2 * 1024 * 1024);
  expect(res.body.buffered).toBeLessThan(1024);
  const whole = await within(res.body.bytes(), 10_000);
  expect(whole.length).toBe(PIECES);
  await pool.close();
  for (const s of sockets) s.destroy();
  srv.close();
});
