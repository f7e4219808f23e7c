/**
 * Our client against nginx (Debian), started by the test with a generated
 * config on 127.0.0.1 and a free port: chunked responses (sub_filter and gzip
 * drop the length), keep-alive, HEAD, 204 and 304.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Pool } from '../src/index.js';
import { randomBytes, until, watchUnhandledRejections } from './helpers.js';

watchUnhandledRejections();

function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(p, ['-v'], { stdio: 'ignore' });
      return p;
    } catch {}
  }
  return null;
}
const nginx = findNginx();
if (nginx === null) console.warn('nginx is not installed: the nginx tests are skipped (CI installs it)');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const text = Buffer.from(randomBytes(300_000, 9).map((b) => 97 + (b % 26)));
let dir = '';
let child: ChildProcess | null = null;
let base = '';

beforeAll(async () => {
  if (nginx === null) return;
  dir = mkdtempSync(join(tmpdir(), 'wiremachine-nginx-'));
  chmodSync(dir, 0o755);
  const www = join(dir, 'www');
  mkdirSync(www);
  mkdirSync(join(www, 'sub'));
  writeFileSync(join(www, 'file.txt'), text);
  writeFileSync(join(www, 'sub', 'hello.txt'), 'hello world, hello nginx\n');
  writeFileSync(join(www, 'sub', 'big.txt'), text);
  const port = await freePort();
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${user}
worker_processes 1;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/t-body; proxy_temp_path ${dir}/t-proxy; fastcgi_temp_path ${dir}/t-fcgi;
  uwsgi_temp_path ${dir}/t-uwsgi; scgi_temp_path ${dir}/t-scgi;
  default_type text/plain;
  keepalive_timeout 30s;
  server {
    listen 127.0.0.1:${port};
    root ${www};
    add_header X-Connection $connection always;
    location /sub/ { sub_filter 'hello' 'HELLO'; sub_filter_once off; sub_filter_types text/plain; }
    location = /gzip.txt { alias ${www}/file.txt; gzip on; gzip_min_length 0; gzip_types text/plain; }
    location = /204 { return 204; }
  }
}
`,
  );
  child = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  base = `http://127.0.0.1:${port}`;
  await until(
    () =>
      new Promise<boolean>((r) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          r(true);
        });
        s.on('error', () => r(false));
      }),
    10_000,
    'nginx listening',
  );
});

afterAll(async () => {
  if (child !== null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(nginx === null)('our client against nginx', () => {
  test('keep-alive: five requests on one connection (nginx numbers its connections)', async () => {
    const pool = new Pool(base, { connections: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await pool.request('/file.txt');
      expect(Buffer.from(await r.body.bytes()).equals(text)).toBe(true);
      seen.add(r.headers.get('x-connection') ?? '');
    }
    expect(seen.size).toBe(1);
    await pool.close();
  });

  test('chunked responses: sub_filter rewrites a small and a 300 kB body without a length', async () => {
    const pool = new Pool(base, { connections: 1 });
    const small = await pool.request('/sub/hello.txt');
    expect(small.headers.get('transfer-encoding')).toBe('chunked');
    expect(small.headers.has('content-length')).toBe(false);
    expect(await small.body.text()).toBe('HELLO world, HELLO nginx\n');
    const big = await pool.request('/sub/big.txt');
    expect(big.head.bodyKind).toBe('chunked');
    expect(Buffer.from(await big.body.bytes()).equals(text)).toBe(true);
    await pool.close();
  });

  test('chunked gzip body, decoded by the caller', async () => {
    const pool = new Pool(base);
    const r = await pool.request('/gzip.txt', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers.get('content-encoding')).toBe('gzip');
    expect(r.head.bodyKind).toBe('chunked');
    expect(gunzipSync(await r.body.bytes()).equals(text)).toBe(true);
    await pool.close();
  });

  test('HEAD, 204 and 304 on one connection, then a GET still reads its body right', async () => {
    const pool = new Pool(base, { connections: 1 });
    const head = await pool.request('/file.txt', { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(text.length));
    expect((await head.body.bytes()).length).toBe(0);
    const r204 = await pool.request('/204');
    expect([r204.status, (await r204.body.bytes()).length]).toEqual([204, 0]);
    const etag = head.headers.get('etag') ?? '';
    const r304 = await pool.request('/file.txt', { headers: { 'If-None-Match': etag } });
    expect([r304.status, (await r304.body.bytes()).length]).toEqual([304, 0]);
    const get = await pool.request('/file.txt');
    expect(Buffer.from(await get.body.bytes()).equals(text)).toBe(true);
    expect(new Set([head, r204, r304, get].map((r) => r.headers.get('x-connection'))).size).toBe(1);
    await pool.close();
  });

  test('a missing file is a 404 response like any other', async () => {
    const pool = new Pool(base);
    const r = await pool.request('/nope');
    expect(r.status).toBe(404);
    expect(await r.body.text()).toContain('404 Not Found');
    await pool.close();
  });
});
