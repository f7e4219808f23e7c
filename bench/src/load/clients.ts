/**
 * Misbehaving clients: slow ones that send a head one byte a second, and ones
 * that reset their connection in the middle of a request body.
 *
 * @module
 */
import * as net from 'node:net';

const HEAD = 'GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: one-byte-a-second\r\n\r\n';

/** What became of the slow clients. */
export interface SlowResult {
  /** Closed by the server, with the ms from connect to close. */
  readonly closedAfterMs: number[];
  /** Answered 408 before the close. */
  readonly answered408: number;
  /** Still open when the wait ended (then destroyed). */
  readonly stillOpen: number;
}

/**
 * `n` clients, each sending its head one byte every `intervalMs`; resolves
 * when every one was closed by the server or `maxMs` passed.
 */
export function slowClients(port: number, n: number, intervalMs: number, maxMs: number): Promise<SlowResult> {
  const closed: number[] = [];
  let answered408 = 0;
  let open = n;
  const sockets: net.Socket[] = [];
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(limit);
      for (const s of sockets) s.destroy();
      resolve({ closedAfterMs: closed, answered408, stillOpen: open });
    };
    const limit = setTimeout(finish, maxMs);
    for (let i = 0; i < n; i++) {
      const started = Date.now();
      const s = net.connect(port, '127.0.0.1');
      sockets.push(s);
      let at = 0;
      let timer: ReturnType<typeof setInterval> | null = null;
      let got = '';
      s.on('connect', () => {
        timer = setInterval(() => {
          if (at < HEAD.length && !s.destroyed) s.write(HEAD[at++]);
        }, intervalMs);
      });
      s.on('data', (d) => {
        got += d.toString('latin1');
      });
      s.on('error', () => {});
      s.on('close', () => {
        if (timer !== null) clearInterval(timer);
        if (got.startsWith('HTTP/1.1 408 ')) answered408++;
        closed.push(Date.now() - started);
        if (--open === 0) finish();
      });
    }
  });
}

/** `n` clients that send a POST with a 1 MB Content-Length, part of the body, and then reset. */
export async function resettingClients(port: number, n: number, seed: number): Promise<void> {
  let s = seed | 0 || 1;
  const random = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const piece = Buffer.alloc(32 * 1024, 120);
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const sock = net.connect(port, '127.0.0.1', () => {
            sock.write('POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n');
            const pieces = Math.floor(random() * 8);
            for (let i = 0; i < pieces; i++) sock.write(piece);
            setTimeout(() => sock.resetAndDestroy(), 5 + Math.floor(random() * 50));
          });
          sock.on('error', () => {});
          sock.on('close', () => resolve());
        }),
    ),
  );
}
