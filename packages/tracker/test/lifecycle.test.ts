import { setImmediate as tick } from 'node:timers/promises';
import { udpSocket } from '@wiremachine/transports/node';
import { describe, expect, test } from 'vitest';
import { connectTracker, listenTracker, TrackerClient } from '../src/index.js';
import { hash20, leftSince, rejection, resources, within } from './helpers.js';

const params = { infoHash: hash20(0x11), peerId: hash20(0x22), port: 6881, left: 0n, event: 'started' as const };

describe('nothing is left behind after close()', () => {
  test('a finished exchange leaves no resend timer, even before close()', async () => {
    const t = await listenTracker({ udp6: false });
    const c = await connectTracker(`udp://127.0.0.1:${t.udp4?.port}/announce`, { retransmitBase: 60_000 });
    const before = resources();
    await within(c.announce(params));
    await within(c.scrape([hash20(0x11), hash20(0x12)]));
    expect(await leftSince(before)).toEqual({});
    c.close();
    t.close();
  });

  test('a server and a client that exchanged announces and scrapes', async () => {
    const before = resources();
    const t = await listenTracker({ udp6: false });
    const c = await connectTracker(`udp://127.0.0.1:${t.udp4?.port}/announce`, { retransmitBase: 200 });
    await within(c.announce(params));
    await within(c.scrape([hash20(0x11)]));
    c.close();
    t.close();
    expect(await leftSince(before)).toEqual({});
  });

  test('a client closed while its request waits for a resend', async () => {
    const before = resources();
    // A socket that never answers: the exchange has a retransmission timer running.
    const silent = await udpSocket({ type: 'udp4', address: '127.0.0.1', port: 0 });
    silent.start({ message: () => {}, end: () => {} });
    const c = await connectTracker(`udp://127.0.0.1:${silent.local.port}`, { retransmitBase: 60_000 });
    const pending = rejection(c.announce(params));
    await tick();
    c.close();
    await pending;
    silent.close();
    expect(await leftSince(before)).toEqual({});
  });

  test('a client whose transport ended under it', async () => {
    const before = resources();
    const udp = await udpSocket({ type: 'udp4', connect: { address: '127.0.0.1', port: 9 } });
    const c = new TrackerClient(udp, { retransmitBase: 60_000 });
    const pending = rejection(c.announce(params));
    await tick();
    udp.close();
    await pending;
    expect(await leftSince(before)).toEqual({});
  });
});
