import { fileURLToPath } from 'node:url';
import type { AnnounceRequest } from '@wiremachine/protocols/tracker';
import { afterEach, describe, expect, test } from 'vitest';
import { connectTracker } from '../../src/index.js';
import { hash20, hex, watchUnhandledRejections, within } from '../helpers.js';
import { available, run, tempDir } from '../spawn.js';
import { type RecordingTracker, recordingTracker } from './recorder.js';

watchUnhandledRejections();

const python = '/usr/bin/python3';
const hasLibtorrent = available('python3-libtorrent', python, ['-c', 'import libtorrent']);
const script = fileURLToPath(new URL('./libtorrent_client.py', import.meta.url));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe.runIf(hasLibtorrent)('libtorrent against our server', () => {
  test('announce with BEP 41 URL data, the peers we know, then a scrape', async () => {
    const tracker: RecordingTracker = await recordingTracker({ announceInterval: 300 });
    cleanup.push(() => tracker.close());
    const infoHash = hash20(0xcc);
    // A seeder already in the swarm, announced by our own client.
    const seeder = await connectTracker(`udp://127.0.0.1:${tracker.port}`, { retransmitBase: 200 });
    cleanup.push(() => seeder.close());
    await within(seeder.announce({ infoHash, peerId: hash20(1), port: 7001, left: 0n, event: 'started' }));

    const dir = tempDir('libtorrent-');
    cleanup.push(() => dir.remove());
    const url = `udp://127.0.0.1:${tracker.port}/announce?key=abc`;
    const lt = run(python, [script, url, hex(infoHash), dir.path, '20']);
    cleanup.push(() => lt.stop());
    const code = await within(lt.exited, 25_000, 'the libtorrent client');
    const lines = lt
      .output()
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(code, lt.output()).toBe(0);
    const reply = lines.find((l) => l.type === 'reply');
    expect(reply.peers).toBe(1);
    expect(lines.find((l) => l.type === 'scrape')).toEqual({ type: 'scrape', complete: 1, incomplete: 1 });

    const announces = tracker.received.filter((r) => r.request?.type === 'announce' && r.request.port === reply.port);
    expect(announces.length).toBeGreaterThanOrEqual(1);
    const sent = announces[0].request as AnnounceRequest;
    expect(sent.urlData).toBe('/announce?key=abc');
    expect(announces[0].bytes.length).toBe(117);
    expect(hex(sent.infoHash)).toBe(hex(infoHash));
    expect(tracker.server.stats).toMatchObject({ malformed: 0, badConnectionId: 0 });
    // It connected once, then reused the connection id for the scrape.
    const from = announces[0].fromPort;
    const types = tracker.received.filter((r) => r.fromPort === from).map((r) => r.request?.type);
    expect(types).toEqual(['connect', 'announce', 'scrape']);
  });
});
