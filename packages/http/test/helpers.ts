/** Test helpers: bounded waits, a seeded generator, raw sockets, and a watch on unhandled rejections. */
import * as net from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or a rejection after `ms`: no test waits forever. */
export function within<T>(p: Promise<T>, ms = 5000, what = 'operation'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

/** Poll `check` until it holds; fail after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not hold within ${ms} ms`);
    await sleep(5);
  }
}

/** The rejection of `p` (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`);
    },
    (e: unknown) => e,
  );
}

/** xorshift32, seeded. */
export function seeded(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Seeded random bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const r = seeded(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

/** Fail the file if any promise rejection goes unhandled during its tests. */
export function watchUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', listener);
  });
  afterAll(async () => {
    await sleep(30);
    process.off('unhandledRejection', listener);
    expect(seen).toEqual([]);
  });
}

/** A raw TCP client: write bytes as given, collect what comes back. */
export class RawClient {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  ended = false;
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
    });
    socket.on('end', () => {
      this.ended = true;
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return within(
      new Promise((resolve, reject) => {
        const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
        s.once('error', reject);
      }),
      5000,
      'connect',
    );
  }

  write(s: string | Uint8Array): void {
    this.socket.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  /** Everything received so far, as latin1 text. */
  get text(): string {
    return this.data.toString('latin1');
  }

  /** Wait until the text received holds `n` occurrences of `needle`. */
  async waitFor(needle: string, n = 1, ms = 5000): Promise<string> {
    await until(() => this.text.split(needle).length - 1 >= n, ms, `${n} x ${JSON.stringify(needle)}`);
    return this.text;
  }

  /** Wait for the server to close the connection; returns everything received. */
  async closedByPeer(ms = 5000): Promise<string> {
    await until(() => this.ended || this.closed, ms, 'the server closing the connection');
    return this.text;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Count of `needle` in `s`. */
export const count = (s: string, needle: string) => s.split(needle).length - 1;
