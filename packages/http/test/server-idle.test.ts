/**
 * Idle connections hold no parser: a connection borrows one from its server
 * while it has bytes to parse and gives it back between requests. Offsets in
 * errors stay the connection's own whichever parser it borrowed.
 */
import * as net from 'node:net';
import { expect, test } from 'vitest';
import { RawClient, serverFixture, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const start = serverFixture();

function oneRequest(port: number): Promise<net.Socket> {
  return within(
    new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.once('error', reject);
      s.once('data', () => resolve(s));
    }),
    5000,
    'an answer',
  );
}

test('100 keep-alive connections left idle after a request each: parsers are lent, not kept', async () => {
  const s = await start((_req, res) => void res.end('ok'));
  const sockets = await Promise.all(Array.from({ length: 100 }, () => oneRequest(s.port)));
  expect(s.connections).toBe(100);
  // A parser is held only while a request is parsed and answered: a few at once, not one a connection.
  expect(s.drivers.created).toBeLessThanOrEqual(8);
  expect(s.drivers.size).toBe(s.drivers.created);
  // They serve on: a second request on each.
  let answered = 0;
  for (const sock of sockets) {
    sock.on('data', () => answered++);
    sock.write('GET /again HTTP/1.1\r\nHost: x\r\n\r\n');
  }
  await until(() => answered >= 100);
  for (const sock of sockets) sock.destroy();
});

test('error offsets are the connection own after its parser served others', async () => {
  const offsets: number[] = [];
  const s = await start(async (req, res) => {
    try {
      await req.body.bytes();
    } catch (e) {
      offsets.push((e as { offset: number }).offset);
      return;
    }
    await res.end('ok');
  });
  // Other connections use (and give back) the server's parsers first.
  const warm = await Promise.all(Array.from({ length: 5 }, () => oneRequest(s.port)));
  const c = await RawClient.connect(s.port);
  const first = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
  c.write(first);
  await c.waitFor('ok');
  const second = 'POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
  c.write(`${second}zz\r\n`);
  await until(() => offsets.length === 1);
  // The bad size is the first byte after both heads on this connection.
  expect(offsets[0]).toBe(first.length + second.length);
  c.destroy();
  for (const w of warm) w.destroy();
});
