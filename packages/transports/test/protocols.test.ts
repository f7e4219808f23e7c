/** The example protocols, unchanged, over every adapter: one test, parameterised by transport. */
import { encodeFrame, frameProtocol } from '@wiremachine/examples/protocols/frame';
import { lineProtocol } from '@wiremachine/examples/protocols/line';
import { describe, expect, test } from 'vitest';
import { connect, type DatagramTransport, datagramEndpoint, memoryDatagramPair } from '../src/index.js';
import { udpSocket } from '../src/node/index.js';
import { byteAdapters } from './adapters.js';
import { makeCertificate } from './cert.js';
import { concat, enc, randomBytes, seeded, watchUnhandledRejections, within } from './helpers.js';

watchUnhandledRejections();

const SEED = 20240607;

/** Seeded messages of each protocol: the bytes to send and the outputs expected. */
function corpus(seed: number) {
  const r = seeded(seed);
  const lines = Array.from({ length: 300 }, () =>
    String.fromCharCode(...Array.from({ length: 1 + Math.floor(r() * 200) }, () => 32 + Math.floor(r() * 95))),
  );
  const payloads = Array.from({ length: 120 }, (_, i) => randomBytes(Math.floor(r() * 5000), seed + i));
  return {
    line: {
      machine: lineProtocol,
      messages: lines.map((l) => enc(`${l}\r\n`)),
      expected: lines.map((text) => ({ type: 'line', text })),
    },
    frame: {
      machine: frameProtocol,
      messages: payloads.map(encodeFrame),
      expected: payloads.map((payload) => plain({ type: 'frame', payload })),
    },
  };
}

/** Cut `bytes` into seeded random pieces of 1..4096 bytes. */
function cuts(bytes: Uint8Array, seed: number): Uint8Array[] {
  const r = seeded(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * 4096);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Payloads as base64: comparing large byte arrays element by element is slow. */
const plain = (o: unknown) => {
  const v = o as { payload?: Uint8Array };
  return v.payload === undefined ? o : { ...v, payload: Buffer.from(v.payload).toString('base64') };
};

describe.each(byteAdapters(makeCertificate()))('over %s', (_name, make) => {
  test.each(['line', 'frame'] as const)('the %s protocol, unchanged', async (which) => {
    const { machine, messages, expected } = corpus(SEED)[which];
    const { a, b, cleanup } = await make();
    try {
      const conn = connect(machine, b, { maxQueuedOutputs: 16 });
      const sending = (async () => {
        for (const piece of cuts(concat(messages), SEED)) await a.write(piece);
        await a.end?.();
      })();
      const got: unknown[] = [];
      await within(
        (async () => {
          for await (const o of conn) got.push(plain(o));
        })(),
        15_000,
        'all outputs',
      );
      await sending;
      expect(got).toEqual(expected);
      expect(conn.status).toBe('done'); // a clean end, at a message boundary
    } finally {
      await cleanup();
    }
  });
});

const datagramAdapters: [string, () => Promise<[DatagramTransport, DatagramTransport]>][] = [
  ['memory datagrams', async () => memoryDatagramPair()],
  [
    'udp4',
    async () => {
      const server = await udpSocket();
      return [await udpSocket({ connect: server.local }), server];
    },
  ],
];

describe.each(datagramAdapters)('over %s, one message a datagram', (_name, make) => {
  test.each(['line', 'frame'] as const)('the %s protocol, unchanged', async (which) => {
    const { machine, messages, expected } = corpus(SEED + 1)[which];
    const [a, b] = await make();
    const endpoint = datagramEndpoint(machine, b);
    try {
      const got: unknown[] = [];
      for (const m of messages.slice(0, 40)) {
        await a.send(m);
        const r = await within(endpoint.read(), 2000, 'a datagram');
        expect(r?.error).toBeNull();
        got.push(...(r?.outputs ?? []).map(plain));
      }
      expect(got).toEqual(expected.slice(0, 40));
    } finally {
      a.close();
      endpoint.close();
    }
  });
});
