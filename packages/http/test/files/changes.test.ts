/** Files that change or are not files: a FIFO, a device, a file cut short while it is sent. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
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

  test.skipIf(!existsSync('/proc/self/fd'))(
    'every answer closes the file it opened: 200, HEAD, 206, multipart, 304, 412, 416, 404, a reset mid-body',
    async () => {
      const root = tree({ 'a.txt': 'x'.repeat(5000), 'big.bin': new Uint8Array(4 * 1024 * 1024), 'd/index.html': 'i' });
      const { server, get, request } = await start(root);
      const open = () => readdirSync('/proc/self/fd').length;
      await get('/a.txt'); // the first request loads what the later ones need
      const before = open();
      const tag = (await get('/a.txt')).headers.etag;
      for (let i = 0; i < 5; i++) {
        await get('/a.txt', 'Accept-Encoding: br\r\n');
        await request('HEAD', '/a.txt');
        await get('/a.txt', 'Range: bytes=0-9\r\n');
        await get('/a.txt', 'Range: bytes=0-9,20-29\r\n');
        await get('/a.txt', `If-None-Match: ${tag}\r\n`);
        await get('/a.txt', 'If-Match: "other"\r\n');
        await get('/a.txt', 'Range: bytes=9000-\r\n');
        await get('/a.txt/');
        await get('/d/');
        await get('/d');
      }
      for (let i = 0; i < 5; i++) {
        const client = await RawClient.connect(server.port);
        client.socket.pause();
        client.write('GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n');
        await new Promise((r) => setTimeout(r, 30));
        client.socket.resetAndDestroy();
      }
      await until(() => server.connections === 0, 2000, 'the reset connections gone');
      await until(() => open() <= before, 2000, `descriptors back to ${before} (now ${open()})`);
    },
  );
});
