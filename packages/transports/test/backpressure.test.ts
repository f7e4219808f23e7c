import { encodeFrame, frameProtocol } from '@wiremachine/examples/protocols/frame';
import { afterAll, expect, test } from 'vitest';
import { connect } from '../src/index.js';
import { type SocketServer, tcpConnect, tcpListen } from '../src/node/index.js';
import { sleep, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const FRAME = 16 * 1024;
const HIGH_WATER = 64 * 1024;

let server: SocketServer | undefined;
afterAll(() => server?.close());

test('a slow consumer on a fast TCP sender: client memory stays bounded and the sender is held back', async () => {
  let sent = 0;
  let stop = false;
  let senderDone!: Promise<void>;
  server = await tcpListen({ port: 0 }, (t) => {
    senderDone = (async () => {
      const frame = encodeFrame(new Uint8Array(FRAME));
      // As fast as the socket flushes: only TCP flow control can slow this loop down.
      for (let seq = 0; !stop; seq++) {
        new DataView(frame.buffer).setUint32(4, seq);
        await t.write(frame.slice());
        sent += frame.length;
      }
      t.close();
    })().catch(() => {});
  });
  const t = await tcpConnect({ port: server.port });
  const conn = connect(frameProtocol, t, { highWaterMark: HIGH_WATER, maxQueuedOutputs: 8 });

  let maxHeld = 0;
  let pauses = 0;
  let wasPaused = false;
  const sample = setInterval(() => {
    // Bytes held on this side: unparsed in the driver, plus in the socket's own buffer.
    maxHeld = Math.max(maxHeld, conn.buffered + t.socket.readableLength);
    if (conn.isPaused && !wasPaused) pauses++;
    wasPaused = conn.isPaused;
  }, 1);

  let consumed = 0;
  const started = Date.now();
  while (Date.now() - started < 400) {
    const frame = await within(conn.read(), 2000, 'a frame');
    if (frame === null) throw new Error('the stream ended early');
    expect(new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(0)).toBe(consumed); // in order, none lost
    consumed++;
    await sleep(2); // the slow consumer
  }
  clearInterval(sample);
  const received = consumed * (FRAME + 4);

  // Client side: what it holds stays near the high-water mark, whatever the sender does.
  expect(maxHeld).toBeLessThanOrEqual(HIGH_WATER + 4 * 64 * 1024);
  expect(conn.queued).toBeLessThanOrEqual(8);
  expect(pauses).toBeGreaterThan(0);
  // Sender side: held back by TCP flow control to what the kernel buffers hold, far
  // below the gigabytes an unpaused reader would have taken from loopback in 400 ms.
  expect(sent - received).toBeLessThan(32 * 1024 * 1024);
  expect(consumed).toBeGreaterThan(20);

  stop = true;
  conn.close();
  await within(senderDone);
});
