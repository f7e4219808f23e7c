import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatagramTransport } from '@wiremachine/transports';
import { udpSocket } from '@wiremachine/transports/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectTracker, TrackerClient, TrackerRefusedError } from '../../src/index.js';
import { hash20, hex, rejection, sleep, watchUnhandledRejections, within } from '../helpers.js';
import { available, type Running, run, tempDir } from '../spawn.js';

watchUnhandledRejections();

const hasOpentracker = available('opentracker', 'sh', ['-c', 'command -v opentracker']);
const listed = hash20(0xaa);
const unlisted = hash20(0xbb);

let tracker: Running | undefined;
let dir: ReturnType<typeof tempDir> | undefined;
let port = 0;

async function freePort(): Promise<number> {
  const probe = await udpSocket({ type: 'udp4' });
  const p = probe.local.port;
  probe.close();
  return p;
}

beforeAll(async () => {
  if (!hasOpentracker) return;
  dir = tempDir('opentracker-');
  chmodSync(dir.path, 0o755);
  writeFileSync(join(dir.path, 'whitelist.txt'), `${hex(listed)}\n`);
  port = await freePort();
  // Run as root it chroots into the directory first, so the whitelist is named from inside it.
  const whitelist = process.getuid?.() === 0 ? '/whitelist.txt' : join(dir.path, 'whitelist.txt');
  const args = ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-w', whitelist, '-d', dir.path];
  tracker = run('opentracker', args);
  // Probe until it answers: on a loaded machine opentracker can take seconds to start listening.
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt++) {
    const probe = await connectTracker(`udp://127.0.0.1:${port}`, { retransmitBase: 100, maxRetransmits: 3 });
    try {
      await within(probe.scrape([listed]), 5_000, 'opentracker to answer');
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        throw new Error(`opentracker did not answer in 30 s (${attempt} probes): ${tracker.output()}`, { cause: e });
      }
    } finally {
      probe.close();
    }
  }
}, 40_000);

afterAll(async () => {
  await tracker?.stop();
  dir?.remove();
});

const announce = (peer: number, infoHash = listed) => ({
  infoHash,
  peerId: hash20(peer),
  port: 7000 + peer,
  left: peer === 1 ? 0n : 1000n,
  event: 'started' as const,
});

/** The UDP transport of `client` with a byte of the next announce's connection id flipped. */
function tampering(inner: DatagramTransport) {
  const state = { flips: 0 };
  const transport: DatagramTransport = {
    start: (sink) => inner.start(sink),
    send: (data, to) => {
      if (state.flips > 0 && data.length >= 98) {
        state.flips--;
        const copy = data.slice();
        copy[7] ^= 0xff;
        return inner.send(copy, to);
      }
      return inner.send(data, to);
    },
    close: () => inner.close(),
  };
  return { transport, state };
}

describe.runIf(hasOpentracker)('our client against opentracker', () => {
  test('real connection ids, reused for a minute; announces see each other; scrape', async () => {
    const a = await connectTracker(`udp://127.0.0.1:${port}/announce`, { retransmitBase: 200 });
    const b = await connectTracker(`udp://127.0.0.1:${port}/announce`, { retransmitBase: 200 });
    try {
      const first = await within(a.announce(announce(1)));
      expect(first.seeders).toBe(1);
      expect(first.interval).toBeGreaterThan(0);
      const second = await within(b.announce(announce(2)));
      expect(second).toMatchObject({ seeders: 1, leechers: 1 });
      expect(second.peers).toContainEqual({ ip: '127.0.0.1', port: 7001 });
      await within(a.announce({ ...announce(1), event: 'none' }));
      // One connect, then two announces on the cached id.
      expect(a.stats.sent).toBe(3);
      expect(await within(b.scrape([listed, unlisted]))).toEqual([
        { seeders: 1, completed: 0, leechers: 1 },
        { seeders: 0, completed: 0, leechers: 0 },
      ]);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a wrong connection id: its error packet is a typed error; a stale cached id connects again', async () => {
    const udp = await udpSocket({ type: 'udp4', connect: { address: '127.0.0.1', port } });
    const { transport, state } = tampering(udp);
    const client = new TrackerClient(transport, { retransmitBase: 200 });
    try {
      state.flips = 1;
      const e = await within(rejection(client.announce(announce(3))));
      expect(e).toBeInstanceOf(TrackerRefusedError);
      expect(e.trackerMessage).toBe('Connection ID missmatch.');
      state.flips = 1;
      expect((await within(client.announce(announce(3)))).leechers).toBeGreaterThanOrEqual(1);
      // connect, bad announce (refused); bad announce on the cached id, connect again, announce.
      expect(client.stats.sent).toBe(5);
    } finally {
      client.close();
    }
  });

  test('a hash that is not whitelisted: the 8-byte announce reply', async () => {
    const client = await connectTracker(`udp://127.0.0.1:${port}`, { retransmitBase: 200 });
    try {
      expect(await within(client.announce(announce(4, unlisted)))).toEqual({
        interval: null,
        leechers: null,
        seeders: null,
        peers: [],
      });
    } finally {
      client.close();
      await sleep(0);
    }
  });
});
