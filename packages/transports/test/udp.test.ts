import { StreamClosedError } from '@wiremachine/core';
import { encodeFrame, frameProtocol } from '@wiremachine/examples/protocols/frame';
import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { afterEach, describe, expect, test } from 'vitest';
import {
  AbortedError,
  type DatagramEndpoint,
  datagramEndpoint,
  parseDatagram,
  TimeoutError,
  TruncatedDatagramError,
} from '../src/index.js';
import { type UdpTransport, udpSocket } from '../src/node/index.js';
import { enc, hasIpv6Loopback, rejection, txt, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

const families = (await hasIpv6Loopback('the udp6 tests')) ? (['udp4', 'udp6'] as const) : (['udp4'] as const);

/** A frame echo server: answers each good datagram with its payload reversed, and bad ones with "bad". */
async function echoServer(type: 'udp4' | 'udp6', options: { silent?: boolean } = {}) {
  const udp = await udpSocket({ type });
  const endpoint = datagramEndpoint(frameProtocol, udp);
  open.push(endpoint);
  (async () => {
    for await (const m of endpoint) {
      if (options.silent) continue;
      const reply = m.error === null ? m.outputs[0].payload.slice().reverse() : enc(`bad ${m.error.code}`);
      await endpoint.send(encodeFrame(reply), m.from);
    }
  })();
  return { udp, endpoint };
}

async function client(type: 'udp4' | 'udp6', server: UdpTransport, connected: boolean) {
  const udp = await udpSocket({ type, connect: connected ? server.local : undefined });
  const endpoint = datagramEndpoint(frameProtocol, udp);
  open.push(endpoint);
  return { endpoint, to: connected ? undefined : server.local };
}

describe('parseDatagram', () => {
  test('a datagram is one unit: a read past its end is a truncated-datagram error', () => {
    expect(parseDatagram(frameProtocol, encodeFrame(enc('hi'))).outputs).toEqual([
      { type: 'frame', payload: enc('hi') },
    ]);
    const short = encodeFrame(enc('0123456789')).subarray(0, 9);
    let err: any;
    try {
      parseDatagram(frameProtocol, short);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TruncatedDatagramError);
    expect(err.code).toBe('WIREMACHINE_ERR_TRUNCATED_DATAGRAM');
    expect(err.length).toBe(9);
    expect(err.offset).toBe(4);
    expect(err.state).toBe('payload');
    expect(err.cause).toBeInstanceOf(StreamClosedError);
  });

  test("the protocol's own errors pass through; bytes after a final state are handed back", () => {
    expect(() => parseDatagram(frameProtocol, new Uint8Array([0xff, 0, 0, 0]))).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
    const r = parseDatagram(lineProtocol, enc('a\r\nb\r\n'));
    expect(r.outputs.map((o) => o.text)).toEqual(['a', 'b']);
    expect(r.remaining).toEqual(new Uint8Array(0));
  });
});

describe.each(families)('%s', (type) => {
  test.each([true, false])('request and answer (connected client: %s)', async (connected) => {
    const server = await echoServer(type);
    const { endpoint, to } = await client(type, server.udp, connected);
    const answer = await endpoint.request(encodeFrame(enc('abc')), { to, timeout: 2000 });
    expect(answer.outputs).toEqual([{ type: 'frame', payload: enc('cba') }]);
    expect(answer.from).toEqual(server.udp.local);
    expect(answer.from.address).toBe(type === 'udp6' ? '::1' : '127.0.0.1');
  });

  test('a short datagram is refused at once, never completed by the next one', async () => {
    const server = await echoServer(type);
    const { endpoint, to } = await client(type, server.udp, true);
    const whole = encodeFrame(enc('0123456789'));
    const first = await endpoint.request(whole.subarray(0, 8), { to, timeout: 2000 });
    expect(txt(first.outputs[0].payload)).toBe('bad WIREMACHINE_ERR_TRUNCATED_DATAGRAM');
    // The rest alone is a datagram of its own: its first 4 bytes read as a (too large) length.
    const second = await endpoint.request(whole.subarray(8), { to, timeout: 2000 });
    expect(txt(second.outputs[0].payload)).toMatch(/^bad /);
  });
});

describe('per-request timeouts and matching', () => {
  test('a request with no answer times out; a late answer is not lost: it goes to read()', async () => {
    const server = await echoServer('udp4', { silent: true });
    const { endpoint } = await client('udp4', server.udp, true);
    const err = await rejection(endpoint.request(encodeFrame(enc('q')), { timeout: 40 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('request');
    const from = (endpoint.transport as UdpTransport).local;
    await server.endpoint.send(encodeFrame(enc('late')), from);
    const late = await within(endpoint.read());
    expect(late?.outputs[0].payload).toEqual(enc('late'));
  });

  test('answers are matched to their requests, whatever their order', async () => {
    const udp = await udpSocket();
    const server = datagramEndpoint(frameProtocol, udp);
    open.push(server);
    const { endpoint } = await client('udp4', udp, true);
    const id = (m: { outputs: { payload: Uint8Array }[] }) =>
      txt(m.outputs[0]?.payload ?? new Uint8Array()).slice(0, 2);
    const a = endpoint.request(encodeFrame(enc('A?')), { timeout: 2000, match: (m) => id(m) === 'A!' });
    const b = endpoint.request(encodeFrame(enc('B?')), { timeout: 2000, match: (m) => id(m) === 'B!' });
    const qa = (await within(server.read()))!;
    const qb = (await within(server.read()))!;
    await server.send(encodeFrame(enc('B!')), qb.from);
    await server.send(encodeFrame(enc('A!')), qa.from);
    expect(id(await a)).toBe('A!');
    expect(id(await b)).toBe('B!');
  });

  test('an AbortSignal cancels a pending request; closing rejects the others', async () => {
    const server = await echoServer('udp4', { silent: true });
    const { endpoint } = await client('udp4', server.udp, true);
    const ac = new AbortController();
    const aborted = endpoint.request(encodeFrame(enc('x')), { signal: ac.signal });
    const pending = endpoint.request(encodeFrame(enc('y')));
    ac.abort();
    expect(await rejection(aborted)).toBeInstanceOf(AbortedError);
    (endpoint as DatagramEndpoint).close();
    expect(await rejection(pending)).toBeInstanceOf(AbortedError);
    expect(await endpoint.read()).toBeNull();
  });
});
