/**
 * Real clients against our server (loopback): curl (Debian) and undici / Node's
 * global fetch (npm). curl no longer pipelines (it dropped HTTP/1.1 pipelining
 * in 7.65), so pipelining is proven with undici's pipelining pool and with a
 * raw socket that writes several requests at once (server.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, Pool as UndiciPool } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type HttpServer } from '../src/index.js';
import { randomBytes, watchUnhandledRejections } from './helpers.js';

watchUnhandledRejections();

const hash = (b: Uint8Array) => b.reduce((a, x) => (a * 31 + x) >>> 0, 7);

let server: HttpServer;
let base = '';
let accepted = 0;
beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.method === 'POST' || req.method === 'PUT') {
      const body = await req.body.bytes();
      await res.end(`${req.headers.get('transfer-encoding') ?? 'length'} ${body.length} ${hash(body)}`);
      return;
    }
    res.setHeader('Content-Type', 'text/plain');
    await res.end(`hello ${req.url}`);
  });
  await server.listen();
  server.listener?.server.on('connection', () => accepted++);
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close({ timeout: 200 });
});

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 20_000, maxBuffer: 1 << 24 }, (e, stdout, stderr) =>
      e ? reject(Object.assign(e, { stderr })) : resolve({ stdout, stderr }),
    );
  });
}

const haveCurl = await run('curl', ['--version']).then(
  () => true,
  () => false,
);
if (!haveCurl) console.warn('curl is not installed: the curl tests are skipped (CI installs it)');

describe.skipIf(!haveCurl)('curl', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wiremachine-curl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('keep-alive: three URLs on one connection', async () => {
    const before = accepted;
    const { stdout, stderr } = await run('curl', ['-sS', '-v', '--http1.1', `${base}/a`, `${base}/b`, `${base}/c`]);
    expect(stdout).toBe('hello /ahello /bhello /c');
    expect(accepted - before).toBe(1);
    expect(stderr.match(/Re-using existing connection/g)).toHaveLength(2);
  });

  test('Expect: 100-continue and a fixed-length upload of 3 MiB', async () => {
    const data = randomBytes(3 << 20, 5);
    writeFileSync(join(dir, 'up.bin'), data);
    const { stdout, stderr } = await run('curl', [
      '-sS',
      '-v',
      '--http1.1',
      '-H',
      'Expect: 100-continue',
      '--data-binary',
      `@${join(dir, 'up.bin')}`,
      `${base}/up`,
    ]);
    expect(stderr).toContain('< HTTP/1.1 100 Continue');
    expect(stdout).toBe(`length ${data.length} ${hash(data)}`);
  });

  test('a chunked upload of 5 MiB', async () => {
    const data = randomBytes(5 << 20, 6);
    writeFileSync(join(dir, 'chunked.bin'), data);
    const { stdout } = await run('curl', [
      '-sS',
      '--http1.1',
      '-H',
      'Transfer-Encoding: chunked',
      '--data-binary',
      `@${join(dir, 'chunked.bin')}`,
      `${base}/up`,
    ]);
    expect(stdout).toBe(`chunked ${data.length} ${hash(data)}`);
  });

  test('HEAD', async () => {
    const { stdout } = await run('curl', ['-sS', '-I', '--http1.1', `${base}/h`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(stdout).toContain('Content-Length: 8\r\n');
  });
});

describe('undici and fetch', () => {
  test('fetch: keep-alive reuse over ten sequential requests', async () => {
    const dispatcher = new Agent({ connections: 1 });
    const before = accepted;
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${base}/f${i}`, { dispatcher } as RequestInit);
      expect(await r.text()).toBe(`hello /f${i}`);
    }
    expect(accepted - before).toBe(1);
    await dispatcher.close();
  });

  test('undici pipelining: 20 requests, 10 in flight on one connection, answered in order', async () => {
    const pool = new UndiciPool(base, { connections: 1, pipelining: 10 });
    const before = accepted;
    const texts = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await pool.request({ path: `/p${i}`, method: 'GET' })).body.text()),
    );
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `hello /p${i}`));
    expect(accepted - before).toBe(1);
    await pool.close();
  });

  test('fetch: a streamed (chunked) upload of 4 MiB', async () => {
    const data = randomBytes(4 << 20, 7);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < data.length; i += 256 * 1024) c.enqueue(data.subarray(i, i + 256 * 1024));
        c.close();
      },
    });
    const r = await fetch(`${base}/up`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(await r.text()).toBe(`chunked ${data.length} ${hash(data)}`);
  });

  test('undici: Expect: 100-continue', async () => {
    const pool = new UndiciPool(base);
    const data = randomBytes(100_000, 8);
    const r = await pool.request({ path: '/up', method: 'PUT', body: data, expectContinue: true });
    expect(await r.body.text()).toBe(`length ${data.length} ${hash(data)}`);
    await pool.close();
  });

  test('fetch: HEAD', async () => {
    const r = await fetch(`${base}/h`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe('8');
    expect(await r.text()).toBe('');
  });
});
