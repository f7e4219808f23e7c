import { afterEach, describe, expect, test } from 'vitest';
import { hasIpv6Loopback } from '../../transports/test/helpers.js';
import { connectTracker, listenTracker, type RunningTracker, type TrackerClient } from '../src/index.js';
import { hash20, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

const ipv6 = await hasIpv6Loopback('the IPv6 tests');

async function tracker(): Promise<RunningTracker> {
  const t = await listenTracker({ udp6: ipv6 ? {} : false, announceInterval: 600 });
  open.push(t);
  return t;
}

async function client(url: string): Promise<TrackerClient> {
  const c = await connectTracker(url, { retransmitBase: 200 });
  open.push(c);
  return c;
}

const announce = (peer: number, port: number) => ({
  infoHash: hash20(0xab),
  peerId: hash20(peer),
  port,
  left: peer === 1 ? 0n : 500n,
  event: 'started' as const,
});

describe('our client and our server over real UDP', () => {
  test('IPv4 on 127.0.0.1: 6-byte peers, counts, scrape', async () => {
    const t = await tracker();
    const url = `udp://127.0.0.1:${t.udp4?.port}/announce?key=abc`;
    const [a, b] = [await client(url), await client(url)];
    expect(a.family).toBe('ipv4');
    expect(await within(a.announce(announce(1, 7001)))).toEqual({ interval: 600, leechers: 0, seeders: 1, peers: [] });
    const second = await within(b.announce(announce(2, 7002)));
    expect(second).toEqual({ interval: 600, leechers: 1, seeders: 1, peers: [{ ip: '127.0.0.1', port: 7001 }] });
    expect(await within(a.scrape([hash20(0xab), hash20(0xcd)]))).toEqual([
      { seeders: 1, completed: 0, leechers: 1 },
      { seeders: 0, completed: 0, leechers: 0 },
    ]);
    expect(t.server.stats).toMatchObject({ connects: 2, announces: 2, scrapes: 1, malformed: 0 });
  });

  test.runIf(ipv6)('IPv6 on ::1: 18-byte peers, and one reply never mixes families', async () => {
    const t = await tracker();
    const v4 = await client(`udp://127.0.0.1:${t.udp4?.port}`);
    const [a, b] = [await client(`udp://[::1]:${t.udp6?.port}/x`), await client(`udp://[::1]:${t.udp6?.port}/x`)];
    expect(a.family).toBe('ipv6');
    await within(v4.announce(announce(9, 7009)));
    await within(a.announce(announce(1, 7001)));
    const second = await within(b.announce(announce(2, 7002)));
    expect(second.peers).toEqual([{ ip: '::1', port: 7001 }]);
    expect(second).toMatchObject({ seeders: 1, leechers: 2 });
    expect((await within(v4.announce(announce(9, 7009)))).peers).toEqual([]);
  });
});
