/**
 * Every byte adapter as a pair for the shared protocol test: bytes written
 * to `a` (then `a.end()`) arrive at `b`, over a real socket, pipe or stream
 * where the adapter has one. `a` and `b` are one transport when the far end
 * echoes (a child process).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { memoryPair, type Transport } from '@wiremachine/core';
import { iterableTransport, webStreamTransport } from '../src/index.js';
import {
  childProcessTransport,
  type SocketServer,
  type SocketTransport,
  streamTransport,
  tcpConnect,
  tcpListen,
  tlsConnect,
  tlsListen,
} from '../src/node/index.js';
import type { TestCertificate } from './cert.js';

export interface Pair {
  a: Transport;
  b: Transport;
  cleanup: () => Promise<void>;
}

export type Adapter = [name: string, make: () => Promise<Pair>];

const none = async () => {};

/** A connected pair of socket transports through a listening server. */
async function socketPair(
  listen: (onConnection: (t: SocketTransport) => void) => Promise<SocketServer>,
  dial: (server: SocketServer) => Promise<SocketTransport>,
): Promise<Pair> {
  let accept!: (t: SocketTransport) => void;
  const accepted = new Promise<SocketTransport>((r) => {
    accept = r;
  });
  const server = await listen(accept);
  const a = await dial(server);
  const b = await accepted;
  return {
    a,
    b,
    cleanup: async () => {
      a.close();
      b.close();
      await server.close();
    },
  };
}

/** An echo child: what goes to its stdin comes back on its stdout. */
const ECHO = 'process.stdin.pipe(process.stdout)';

const distNode = new URL('../dist/node/index.js', import.meta.url);

/** A child that runs `stdioTransport` from the built package, echoing its input. */
const STDIO_ECHO = `
const { stdioTransport } = await import(${JSON.stringify(distNode.href)});
const t = stdioTransport();
t.start({ data: (c) => t.write(c), end: () => t.end() });
`;

export function byteAdapters(pem: TestCertificate | null): Adapter[] {
  const adapters: Adapter[] = [
    ['memory', async () => pairOf(memoryPair())],
    ['memory, 1-byte chunks', async () => pairOf(memoryPair({ chunkSize: 1 }))],
    [
      'memory, random chunks and delay',
      async () => pairOf(memoryPair({ chunkSize: { random: 50, seed: 3 }, delay: { min: 0, max: 3, seed: 4 } })),
    ],
    [
      'async iterable',
      async () => {
        const pipe = new PassThrough();
        const a = iterableTransport([], (c) => new Promise<void>((r) => pipe.write(c, () => r())));
        a.end = async () => void pipe.end();
        return { a, b: iterableTransport(pipe), cleanup: none };
      },
    ],
    [
      'WHATWG streams',
      async () => {
        const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
        return { a: webStreamTransport({ writable }), b: webStreamTransport({ readable }), cleanup: none };
      },
    ],
    [
      'Node streams',
      async () => {
        const there = new PassThrough();
        const back = new PassThrough();
        return { a: streamTransport(back, there), b: streamTransport(there, back), cleanup: none };
      },
    ],
    [
      'tcp',
      () =>
        socketPair(
          (h) => tcpListen({ port: 0 }, h),
          (s) => tcpConnect({ port: s.port }),
        ),
    ],
    [
      'unix socket',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'wiremachine-'));
        const path = join(dir, 'sock');
        const pair = await socketPair(
          (h) => tcpListen({ path }, h),
          () => tcpConnect({ path }),
        );
        const cleanup = async () => {
          await pair.cleanup();
          rmSync(dir, { recursive: true, force: true });
        };
        return { ...pair, cleanup };
      },
    ],
    ['child process', async () => childPair(['-e', ECHO])],
  ];
  if (pem !== null) {
    adapters.push([
      'tls',
      () =>
        socketPair(
          (h) => tlsListen({ port: 0, ...pem }, h),
          (s) => tlsConnect({ port: s.port, ca: pem.cert, servername: 'localhost' }),
        ),
    ]);
  }
  if (existsSync(distNode)) {
    adapters.push([
      'stdio (a child using stdioTransport)',
      async () => childPair(['--input-type=module', '-e', STDIO_ECHO]),
    ]);
  } else {
    console.warn('packages/transports/dist is not built: the stdio adapter test is skipped (run tsc -b)');
  }
  return adapters;
}

function pairOf([a, b]: [Transport, Transport]): Pair {
  const cleanup = async () => {
    a.close();
    b.close();
  };
  return { a, b, cleanup };
}

function childPair(args: string[]): Pair {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const t = childProcessTransport(child);
  return {
    a: t,
    b: t,
    cleanup: async () => {
      t.close();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
