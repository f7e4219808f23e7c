/**
 * WebSocket frames in `pnpm bench protocols`: the example's machine
 * (`@wiremachine/examples/websocket`) against `ws`'s `Receiver`, on
 * identical bytes, as a server reads them (every frame masked).
 *
 * - small text: 2,000 masked text frames of 20 bytes, as chat messages are.
 * - 64 KiB binary: 32 masked binary frames of 64 KiB.
 *
 * Both unmask with `bufferutil` (installed here, as production servers
 * install it): `ws` copies a payload out of its input and unmasks it in place
 * with the native `unmask` from 32 bytes up (a byte loop below); ours takes
 * the native `mask`, which `ws` sends with, through its `mask` option, and
 * unmasks a payload of 64 bytes and more as it copies it out of the input,
 * in one pass (a loop below). Both check text with Node's `buffer.isUtf8`
 * (ours, like `ws`, loops over short ASCII first).
 *
 * `ws` unmasks in place, so both cases first copy the stream into a scratch
 * buffer and feed pieces of it: the same copy on both sides. Each call checks
 * the count of messages, their total length, and the first and last byte of
 * each against the source.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { createDriver } from '@wiremachine/core';
import { createWsProtocol, encodeFrame, type WsOutput } from '@wiremachine/examples/websocket';
import type { BenchCase, BenchGroup } from '../define.js';

const require = createRequire(import.meta.url);
const bufferutil = require('bufferutil') as {
  mask(source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number): void;
};
/** `ws`'s frame parser (its types leave it out). */
const { Receiver } = require('ws') as {
  Receiver: new (options: {
    isServer: boolean;
    maxPayload: number;
  }) => {
    on(event: string, listener: (...args: never[]) => void): void;
    write(chunk: Buffer): boolean;
  };
};

interface Stream {
  bytes: Buffer;
  messages: number;
  totalBytes: number;
  /** Sum of the first and last byte of every message. */
  edges: number;
}

function build(payloads: Uint8Array[], opcode: number): Stream {
  const mask = new Uint8Array(4);
  const frames = payloads.map((payload) => encodeFrame({ opcode, payload, mask: randomFillSync(mask) }));
  return {
    bytes: Buffer.concat(frames),
    messages: payloads.length,
    totalBytes: payloads.reduce((n, p) => n + p.length, 0),
    edges: payloads.reduce((n, p) => n + p[0] + p[p.length - 1], 0),
  };
}

const small = build(
  Array.from({ length: 2000 }, (_, i) => Buffer.from(`message ${String(i).padStart(4, '0')} hello!`)),
  1,
);
const large = build(
  Array.from({ length: 32 }, (_, i) => randomFillSync(Buffer.alloc(64 * 1024)).fill(i, 0, 1)),
  2,
);

interface Tally {
  messages: number;
  bytes: number;
  edges: number;
}

const count = (t: Tally, data: Uint8Array) => {
  t.messages++;
  t.bytes += data.length;
  t.edges += data[0] + data[data.length - 1];
};

function check(name: string, s: Stream, t: Tally) {
  if (t.messages !== s.messages || t.bytes !== s.totalBytes || t.edges !== s.edges)
    throw new Error(
      `${name}: ${t.messages} messages, ${t.bytes} bytes, edges ${t.edges}; expected ${s.messages}, ${s.totalBytes}, ${s.edges}`,
    );
}

/** A case: copy the stream into scratch, feed it in pieces of `size`. */
function feedCase(name: string, s: Stream, size: number, make: (t: Tally) => (chunk: Buffer) => void): BenchCase {
  return {
    name,
    ops: s.messages,
    prepare() {
      const t: Tally = { messages: 0, bytes: 0, edges: 0 };
      const feed = make(t);
      const scratch = Buffer.alloc(s.bytes.length);
      const pieces = Array.from({ length: Math.ceil(scratch.length / size) }, (_, i) =>
        scratch.subarray(i * size, (i + 1) * size),
      );
      return () => {
        t.messages = t.bytes = t.edges = 0;
        scratch.set(s.bytes);
        for (let i = 0; i < pieces.length; i++) feed(pieces[i]);
        check(name, s, t);
        return t;
      };
    },
  };
}

const ours = (s: Stream, size: number) =>
  feedCase('wiremachine', s, size, (t) => {
    const driver = createDriver(createWsProtocol({ mask: bufferutil.mask }), {
      onOutput: (o: WsOutput) => {
        if (o.type === 'text' || o.type === 'binary') count(t, o.data);
      },
    });
    return (chunk) => driver.feed(chunk);
  });

const peer = (s: Stream, size: number) =>
  feedCase('ws', s, size, (t) => {
    const receiver = new Receiver({ isServer: true, maxPayload: 100 * 1024 * 1024 });
    receiver.on('message', (data: Buffer) => count(t, data));
    receiver.on('error', (e: Error) => {
      throw e;
    });
    return (chunk) => {
      receiver.write(chunk);
    };
  });

/** Group names, for targets. */
export const WS_GROUPS = [
  'websocket text 64 KiB',
  'websocket text 1460 B',
  'websocket binary 64 KiB',
  'websocket binary 1460 B',
] as const;

/** Small text frames and 64 KiB binary frames, each in 64 KiB and 1,460-byte pieces. */
export const wsGroups: BenchGroup[] = (
  [
    [WS_GROUPS[0], small, 64 * 1024],
    [WS_GROUPS[1], small, 1460],
    [WS_GROUPS[2], large, 64 * 1024],
    [WS_GROUPS[3], large, 1460],
  ] as const
).map(([name, s, size]) => ({ name, unit: 'ns/message', baseline: 'ws', cases: [peer(s, size), ours(s, size)] }));
