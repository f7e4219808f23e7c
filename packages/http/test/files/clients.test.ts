/**
 * Real clients against `serveFiles` on 127.0.0.1: curl (Debian) for ranges,
 * resumed downloads, conditional requests and compression; undici and
 * Node's fetch (npm) for compressed responses.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type HttpServer, serveFiles } from '../../src/index.js';
import { watchUnhandledRejections } from '../helpers.js';
import { tree } from './fixture.js';

watchUnhandledRejections();

const MTIME = new Date('2024-05-01T12:00:00Z');
const blob = randomBytes(8 * 1024 * 1024); // incompressible: what a resumed download usually is
const words = Array.from({ length: 40_000 }, (_, i) => `line ${i}: the quick brown fox ${i % 97}\n`).join(''); // ~1.3 MB
const root = tree({ 'blob.bin': blob, 'words.txt': words, 'digits.txt': '0123456789'.repeat(10) });
utimesSync(join(root, 'words.txt'), MTIME, MTIME);
const work = tree({});

let server: HttpServer;
let base = '';
beforeAll(async () => {
  server = await createServer(serveFiles(root)).listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close({ timeout: 200 }));

/** Runs a command; resolves with its exit status and output whatever the status. */
function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000, maxBuffer: 1 << 26, encoding: 'latin1' }, (e, stdout, stderr) =>
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, stdout, stderr }),
    );
  });
}

/** A TCP relay to the server that closes both sides once `limit` bytes of the answer have passed. */
async function cutAfter(limit: number): Promise<{ port: number; close(): void }> {
  const relay = createNetServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: server.port });
    let passed = 0;
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      const room = limit - passed;
      passed += d.length;
      if (room > d.length) return void client.write(d);
      client.end(d.subarray(0, room));
      upstream.destroy();
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return { port: (relay.address() as AddressInfo).port, close: () => relay.close() };
}

const haveCurl = (await run('curl', ['--version'])).code === 0;
if (!haveCurl) console.warn('curl is not installed: the curl tests of serveFiles are skipped (CI installs it)');

describe.skipIf(!haveCurl)('curl against serveFiles', () => {
  const curl = (...args: string[]) => run('curl', ['-sS', '--http1.1', ...args]);

  test('-r 0-99: 206, the first 100 bytes', async () => {
    const out = join(work, 'r.bin');
    const r = await curl('-r', '0-99', '-o', out, '-w', '%{http_code}', `${base}/blob.bin`);
    expect(r.stdout).toBe('206');
    expect(Buffer.compare(readFileSync(out), blob.subarray(0, 100))).toBe(0);
  });

  test('-r 0-9,20-29: a multipart/byteranges reply, parsed and checked part by part', async () => {
    const out = join(work, 'multi.bin');
    const r = await curl('-r', '0-9,20-29', '-D', '-', '-o', out, `${base}/blob.bin`);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 206 /);
    const boundary = /content-type: multipart\/byteranges; boundary=(\S+)/i.exec(r.stdout)?.[1];
    expect(boundary).toBeDefined();
    const body = readFileSync(out);
    expect(Number(/content-length: (\d+)/i.exec(r.stdout)?.[1])).toBe(body.length);
    const parts: { range: string; data: Buffer }[] = [];
    const delimiter = Buffer.from(`--${boundary}`);
    let at = body.indexOf(delimiter);
    expect(at).toBe(0);
    for (;;) {
      at += delimiter.length;
      if (body.subarray(at, at + 4).toString() === '--\r\n') break;
      const headEnd = body.indexOf('\r\n\r\n', at);
      const head = body.subarray(at, headEnd).toString('latin1');
      expect(head).toContain('Content-Type: application/octet-stream');
      const [, from, to, size] = /Content-Range: bytes (\d+)-(\d+)\/(\d+)/.exec(head) ?? [];
      expect(Number(size)).toBe(blob.length);
      const data = body.subarray(headEnd + 4, headEnd + 4 + Number(to) - Number(from) + 1);
      parts.push({ range: `${from}-${to}`, data });
      at = headEnd + 4 + data.length;
      expect(body.subarray(at, at + 2).toString()).toBe('\r\n');
      at = body.indexOf(delimiter, at);
      expect(at).toBeGreaterThan(0);
    }
    expect(at + 4).toBe(body.length); // the closing delimiter, then `--` CRLF, end the body
    expect(parts.map((p) => p.range)).toEqual(['0-9', '20-29']);
    expect(Buffer.compare(parts[0].data, blob.subarray(0, 10))).toBe(0);
    expect(Buffer.compare(parts[1].data, blob.subarray(20, 30))).toBe(0);
  });

  test('-C -: a download cut short, resumed, is the file byte for byte', async () => {
    const out = join(work, 'resumed.bin');
    // Cut short: through a relay that closes both sides after 3,000,000 bytes of the answer,
    // as a dropped connection would (curl: "transfer closed with N bytes remaining", status 18).
    const relay = await cutAfter(3_000_000);
    try {
      const first = await curl('-o', out, `http://127.0.0.1:${relay.port}/blob.bin`);
      expect(first.code, first.stderr).toBe(18);
    } finally {
      relay.close();
    }
    const partial = statSync(out).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(3_000_000);
    const second = await curl('-v', '-C', '-', '-o', out, `${base}/blob.bin`);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`Range: bytes=${partial}-`);
    expect(second.stderr).toContain('< HTTP/1.1 206 Partial Content');
    expect(second.stderr).toContain(`< Content-Range: bytes ${partial}-${blob.length - 1}/${blob.length}`);
    expect(Buffer.compare(readFileSync(out), blob)).toBe(0);
  });

  test('-z: If-Modified-Since from a date or a local file; 304 when unchanged, the file when newer', async () => {
    const url = `${base}/words.txt`;
    expect(
      (await curl('-z', 'Wed, 01 May 2024 12:00:00 GMT', '-o', '/dev/null', '-w', '%{http_code}', url)).stdout,
    ).toBe('304');
    const local = join(work, 'words.txt');
    writeFileSync(local, 'old copy');
    utimesSync(local, MTIME, MTIME);
    expect((await curl('-z', local, '-o', local, '-w', '%{http_code}', url)).stdout).toBe('304');
    expect(readFileSync(local, 'utf8')).toBe('old copy');
    const older = new Date('2024-04-01T00:00:00Z');
    utimesSync(local, older, older);
    expect((await curl('-z', local, '-o', local, '-w', '%{http_code}', url)).stdout).toBe('200');
    expect(readFileSync(local, 'utf8')).toBe(words);
  });

  test("-H 'If-None-Match: <the ETag>': 304; another tag: 200", async () => {
    const url = `${base}/digits.txt`;
    const etag = /etag: (\S+)/i.exec((await curl('-I', url)).stdout)?.[1];
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect((await curl('-H', `If-None-Match: ${etag}`, '-o', '/dev/null', '-w', '%{http_code}', url)).stdout).toBe(
      '304',
    );
    expect((await curl('-H', 'If-None-Match: "x"', '-o', '/dev/null', '-w', '%{http_code}', url)).stdout).toBe('200');
  });

  test('--compressed: brotli (or gzip when asked) on the wire, decoded by curl to the same bytes', async () => {
    for (const [extra, coding] of [
      [[], 'br'],
      [['-H', 'Accept-Encoding: gzip'], 'gzip'],
    ] as const) {
      const out = join(work, `words-${coding}.txt`);
      const r = await curl(
        '--compressed',
        ...extra,
        '-D',
        '-',
        '-o',
        out,
        '-w',
        '%{size_download}',
        `${base}/words.txt`,
      );
      expect(r.stdout).toMatch(new RegExp(`content-encoding: ${coding}\\r\\n`, 'i'));
      expect(r.stdout).toMatch(/vary: accept-encoding/i);
      const onTheWire = Number(r.stdout.slice(r.stdout.lastIndexOf('\r\n\r\n') + 4));
      expect(onTheWire).toBeLessThan(words.length / 4);
      expect(readFileSync(out, 'utf8')).toBe(words);
    }
  });
});

describe('undici and fetch against compressed responses', () => {
  test('fetch asks for compression, gets it, and reads the same text', async () => {
    const res = await fetch(`${base}/words.txt`);
    // Node 20's fetch asks for gzip and deflate; later ones add br.
    expect(['gzip', 'br']).toContain(res.headers.get('content-encoding'));
    expect(await res.text()).toBe(words);
  });

  test('undici.request: the bytes on the wire, decompressed here, for each coding', async () => {
    for (const coding of ['gzip', 'br'] as const) {
      const res = await request(`${base}/words.txt`, { headers: { 'accept-encoding': coding } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe(coding);
      expect(res.headers['content-length']).toBeUndefined();
      const wire = Buffer.from(await res.body.arrayBuffer());
      expect(wire.length).toBeLessThan(words.length / 4);
      const text = (coding === 'gzip' ? gunzipSync(wire) : brotliDecompressSync(wire)).toString();
      expect(text).toBe(words);
    }
  });

  test('undici.request of a range: identity, whatever the Accept-Encoding', async () => {
    const res = await request(`${base}/words.txt`, {
      headers: { 'accept-encoding': 'gzip, br', range: 'bytes=100-199' },
    });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(await res.body.text()).toBe(words.slice(100, 200));
  });
});
