/** Test helpers: bounded waits, a seeded generator, raw sockets, and a watch on unhandled rejections. */
import * as net from 'node:net';
import { afterEach, expect } from 'vitest';
import { createServer, type Handler, type HttpServer, type ListenOptions, type ServerOptions } from '../src/index.js';

// The bounded waits, seeded randomness and the rejection watch are the transports' own test helpers.
export {
  leftSince,
  randomBytes,
  rejection,
  resources,
  seeded,
  sleep,
  until,
  watchUnhandledRejections,
  within,
} from '../../transports/test/helpers.js';

import { until, within } from '../../transports/test/helpers.js';

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

/**
 * A server per test: `start(handler, options, where)` listens (by default on a
 * free loopback port); after each test the server is closed, holds no
 * connection, and every socket must be gone.
 */
export function serverFixture(): (
  handler: Handler,
  options?: ServerOptions,
  where?: ListenOptions,
) => Promise<HttpServer> {
  let server: HttpServer | null = null;
  afterEach(async () => {
    await server?.close({ timeout: 100 });
    expect(server?.connections ?? 0).toBe(0);
    await until(() => (server?.listener?.openSockets ?? 0) === 0, 2000, 'every socket closed');
    server = null;
  });
  return async (handler, options, where) => {
    server = await createServer(handler, options).listen(where);
    return server;
  };
}
