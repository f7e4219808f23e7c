/**
 * Idle keep-alive connections: each sends one request, reads its response
 * and then stays open, doing nothing. Opened in batches so the listen
 * backlog is never the limit.
 *
 * @module
 */
import * as net from 'node:net';

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1');

/** Open `n` connections to `port`, each after one answered request; resolves with them. */
export async function openIdle(port: number, n: number, batch = 500): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let at = 0; at < n; at += batch) {
    const size = Math.min(batch, n - at);
    const opened = await Promise.all(
      Array.from(
        { length: size },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect({ port, host: '127.0.0.1' });
            const timer = setTimeout(() => reject(new Error('an idle connection was not answered in 10 s')), 10_000);
            s.once('error', reject);
            s.once('connect', () => s.write(REQUEST));
            s.once('data', () => {
              clearTimeout(timer);
              s.off('error', reject);
              s.on('error', () => {});
              resolve(s);
            });
          }),
      ),
    );
    sockets.push(...opened);
  }
  return sockets;
}

/** Close them all and wait until they are closed. */
export async function closeAll(sockets: readonly net.Socket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((r) => {
          if (s.destroyed) return r();
          s.once('close', () => r());
          s.destroy();
        }),
    ),
  );
}
