/**
 * Pipelined requests from a client that does not read: the server stops
 * starting requests while its answers wait in the write buffer, so memory
 * stays bounded, and goes on when the client reads.
 */
import * as net from 'node:net';
import { expect, test } from 'vitest';
import type { ServerResponse } from '../src/index.js';
import { serverFixture, sleep, until, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const start = serverFixture();

const BODY = Buffer.alloc(1_000_000, 0x61);
const REQUESTS = 3000;
/** Handlers that may run while the client reads nothing: the socket's kernel buffers take a few answers. */
const MAX_STARTED = 32;
/** What may wait in the server's write buffer: one answer and the high-water mark (64 KiB). */
const MAX_BUFFERED = BODY.length + 1024 + 64 * 1024;

async function notReading(answer: (res: ServerResponse) => void): Promise<void> {
  let started = 0;
  const s = await start((_req, res) => {
    // Past the bound the answers are small: a server that has no bound fails the count, not the machine.
    if (++started > MAX_STARTED) return void res.end('x');
    answer(res);
  });
  let socket: net.Socket | null = null;
  s.listener?.server.on('connection', (sock: net.Socket) => {
    socket = sock;
  });
  // A plain socket, paused: it reads nothing until told to, and then counts bytes without keeping them.
  const c = net.connect(s.port, '127.0.0.1');
  c.pause();
  c.on('error', () => {});
  await within(new Promise((r) => c.once('connect', r)), 5000, 'connect');
  c.write('GET /one.bin HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(REQUESTS));
  await until(() => started > 0);
  let buffered = 0;
  for (let i = 0; i < 30; i++) {
    await sleep(10);
    buffered = Math.max(buffered, (socket as net.Socket | null)?.writableLength ?? 0);
  }
  const heldBack = started;
  expect(heldBack).toBeGreaterThan(0);
  expect(heldBack).toBeLessThanOrEqual(MAX_STARTED);
  expect(buffered).toBeLessThanOrEqual(MAX_BUFFERED);
  // Reading resumes the work: 20 more answers arrive once the client reads.
  let received = 0;
  c.on('data', (d: Buffer) => {
    received += d.length;
  });
  c.resume();
  await until(() => started >= heldBack + 20 && received >= 20 * BODY.length, 10_000, 'the answers after a read');
  c.destroy();
}

test('3,000 pipelined GETs answered with end(1 MB) to a client that does not read: at most one answer buffered', async () => {
  await notReading((res) => void res.end(BODY));
});

test('the same with res.write(1 MB) not awaited, then end(): the next request waits for the drain', async () => {
  await notReading((res) => {
    res.write(BODY);
    res.end();
  });
});

test('1,000 pipelined requests in one write to a handler that answers later: all answered, in order, one handler at a time', async () => {
  let inFlight = 0;
  let most = 0;
  const s = await start(async (req, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    // Every tenth waits for a timer, the others for a microtask.
    await (req.url.endsWith('7') ? sleep(1) : null);
    inFlight--;
    await res.end(`<${req.url}>`);
  });
  const c = net.connect(s.port, '127.0.0.1');
  c.on('error', () => {});
  let text = '';
  c.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  await within(new Promise((r) => c.once('connect', r)), 5000, 'connect');
  c.write(Array.from({ length: 1000 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
  await until(() => text.includes('</999>'), 10_000, 'the last answer');
  const order = [...text.matchAll(/<\/(\d+)>/g)].map((m) => Number(m[1]));
  expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  // One handler at a time: responses are written in order, the next starts when the previous ended.
  expect(most).toBe(1);
  c.destroy();
});
