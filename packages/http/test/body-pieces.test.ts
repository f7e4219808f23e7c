/**
 * Bodies sent in one-byte chunks: each piece is a view with about 100 bytes
 * of heap of its own, so what a body holds for a reader that is behind is
 * counted with that cost, not by its bytes alone. Measured after a full GC.
 */
import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { expect, test } from 'vitest';
import type { Body } from '../src/index.js';
import { serverFixture, until, watchUnhandledRejections, within } from './helpers.js';

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
