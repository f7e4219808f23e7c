import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnounceRequest } from '@wiremachine/protocols/tracker';
import { afterEach, describe, expect, test } from 'vitest';
import { connectTracker } from '../../src/index.js';
import { hash20, hex, sleep, watchUnhandledRejections, within } from '../helpers.js';
import { available, run, tempDir } from '../spawn.js';
import { recordingTracker } from './recorder.js';

watchUnhandledRejections();

const hasAria2 = available('aria2', 'aria2c', ['--version']);

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Bencodable = number | string | Uint8Array | { [key: string]: Bencodable };
function bencode(v: Bencodable): Buffer {
  if (typeof v === 'number') return Buffer.from(`i${v}e`);
  if (typeof v === 'string') return bencode(Buffer.from(v));
  if (v instanceof Uint8Array) return Buffer.concat([Buffer.from(`${v.length}:`), v]);
  const keys = Object.keys(v).sort();
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(v[k])]), Buffer.from('e')]);
}

async function poll(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

describe.runIf(hasAria2)('aria2 against our server', () => {
  test('a private torrent: started announce (100 bytes), our peers, then stopped on exit', async () => {
    const tracker = await recordingTracker({ announceInterval: 1800 });
    cleanup.push(() => tracker.close());
    const dir = tempDir('aria2-');
    cleanup.push(() => dir.remove());
    const info = {
      length: 16384,
      name: 'a.bin',
      'piece length': 16384,
      pieces: new Uint8Array(20).fill(1),
      private: 1,
    };
    const infoHash = createHash('sha1').update(bencode(info)).digest();
    const torrent = join(dir.path, 'private.torrent');
    writeFileSync(torrent, bencode({ announce: `udp://127.0.0.1:${tracker.port}/announce`, info }));

    const seeder = await connectTracker(`udp://127.0.0.1:${tracker.port}`, { retransmitBase: 200 });
    cleanup.push(() => seeder.close());
    await within(seeder.announce({ infoHash, peerId: hash20(1), port: 7001, left: 0n, event: 'started' }));

    const log = join(dir.path, 'aria2.log');
    const aria2 = run('aria2c', [
      '--enable-dht=true',
      `--dht-file-path=${join(dir.path, 'dht.dat')}`,
      '--seed-time=0',
      '--summary-interval=0',
      `--dir=${dir.path}`,
      `--log=${log}`,
      '--log-level=info',
      torrent,
    ]);
    cleanup.push(() => aria2.stop());
    const fromAria2 = () =>
      tracker.received.filter((r) => r.request?.type === 'announce' && hex(r.request.peerId) !== hex(hash20(1))) as {
        bytes: Uint8Array;
        request: AnnounceRequest;
      }[];
    await poll(() => fromAria2().length >= 1, 15_000, `aria2's announce (${aria2.output()})`);
    const [started] = fromAria2();
    expect(started.request.event).toBe('started');
    expect(hex(started.request.infoHash)).toBe(infoHash.toString('hex'));
    expect(started.bytes.length).toBe(100);
    expect([...started.bytes.subarray(98)]).toEqual([0, 0]);
    expect(started.request.options).toEqual([{ type: 'end' }]);
    await poll(() => /received ANNOUNCE reply/.test(readFileSync(log, 'utf8')), 5000, 'the reply in the log');
    expect(readFileSync(log, 'utf8')).toMatch(/event=STARTED.*interval=1800, leechers=1, seeders=1, num_peers=1/);

    // On SIGINT it announces `stopped` with the cached connection id, and we drop it from the swarm.
    aria2.child.kill('SIGINT');
    await within(aria2.exited, 15_000, 'aria2 to exit');
    const stopped = fromAria2().at(-1);
    expect(stopped?.request.event).toBe('stopped');
    expect(stopped?.request.connectionId).toBe(started.request.connectionId);
    expect(await within(seeder.scrape([infoHash]))).toEqual([{ seeders: 1, completed: 0, leechers: 0 }]);
    expect(tracker.server.stats).toMatchObject({ malformed: 0, badConnectionId: 0 });
  });
});
