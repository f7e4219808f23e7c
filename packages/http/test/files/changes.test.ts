/** Files that change or are not files: a FIFO, a device, a file cut short while it is sent. */
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RawClient, until } from '../helpers.js';
import { filesFixture, tree } from './fixture.js';

describe('serveFiles: what is not a regular file, or stops being one', () => {
  const start = filesFixture();

  test('a FIFO answers 404 at once (its open does not wait for a writer); a device through a link too', async () => {
    const root = tree({ 'null-link': { link: '/dev/null' } });
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const { get } = await start(root, { followSymlinks: true });
    expect((await get('/pipe')).status).toBe(404);
    expect((await get('/null-link')).status).toBe(404);
  });

  test('a file cut short while it is sent: the connection closes short of Content-Length, the server serves on', async () => {
    const size = 8 * 1024 * 1024;
    const root = tree({ 'big.bin': new Uint8Array(size).fill(7), 'small.txt': 'ok' });
    const { server, get } = await start(root);
    const client = await RawClient.connect(server.port);
    try {
      client.socket.pause(); // read nothing: the server stops at what the sockets hold
      client.write('GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n');
      await new Promise((r) => setTimeout(r, 200));
      truncateSync(join(root, 'big.bin'), 1024 * 1024);
      client.socket.resume();
      const text = await client.closedByPeer(5000);
      expect(text).toContain(`Content-Length: ${size}\r\n`);
      const body = text.length - (text.indexOf('\r\n\r\n') + 4);
      expect(body).toBeLessThan(size);
    } finally {
      client.destroy();
    }
    writeFileSync(join(root, 'big.bin'), 'whole again');
    expect((await get('/big.bin')).body).toBe('whole again');
    expect((await get('/small.txt')).body).toBe('ok');
    await until(() => server.connections === 0, 2000, 'the cut connection gone');
  });
});
