/** Test helpers: bounded waits, a seeded generator, raw sockets, and a watch on unhandled rejections. */
import * as net from 'node:net';

// The bounded waits, seeded randomness and the rejection watch are the transports' own test helpers.
export {
  randomBytes,
  rejection,
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
