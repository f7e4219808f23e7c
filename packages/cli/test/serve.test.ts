import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wiremachine-serve-'));
const outside = mkdtempSync(join(tmpdir(), 'wiremachine-outside-'));
const big = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);

/** Raw bytes over one connection: what a pipelining client sends, and everything it gets back. */
function raw(port: number, request: string, halfClose = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const parts: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
    if (halfClose) socket.end(request);
    else socket.write(request); // the last request asks the server to close
  });
}

/** Starts `wiremachine serve http --port 0 ...args`; resolves with the process and its URL. */
async function serve(args: string[]): Promise<{ server: ChildProcess; base: string }> {
  const server = spawn(process.execPath, [BIN, 'serve', 'http', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start within 10 s')), 10_000);
    server.stdout?.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(JSON.parse(chunk.toString().split('\n')[0]).url);
    });
  });
  return { server, base };
}

/** SIGTERM, and the exit status. */
async function stop(server: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  return exited;
}

describe('wiremachine serve http', () => {
  let server: ChildProcess;
  let base = '';
  let port = 0;
  beforeAll(async () => {
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(outside, 'dir'));
    writeFileSync(join(dir, 'index.html'), '<h1>hi</h1>\n');
    writeFileSync(join(dir, 'sub', 'a.txt'), 'text\n');
    writeFileSync(join(dir, 'big.bin'), big);
    writeFileSync(join(outside, 'secret.txt'), 'SECRET\n');
    writeFileSync(join(outside, 'dir', 'inner.txt'), 'INNER\n');
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'link.txt'));
    symlinkSync(join(outside, 'dir'), join(dir, 'linkdir'));
    ({ server, base } = await serve(['--dir', dir]));
    port = Number(new URL(base).port);
  });
  afterAll(async () => {
    expect(await stop(server)).toBe(0);
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('GET serves files (an index for a directory), large ones streamed whole', async () => {
    const index = await fetch(base);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toBe('<h1>hi</h1>\n');
    const file = await fetch(`${base}big.bin`);
    expect(file.headers.get('content-length')).toBe(String(big.length));
    expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), Buffer.from(big))).toBe(0);
    expect((await fetch(`${base}missing`)).status).toBe(404);
    expect((await fetch(base, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  test('HEAD gives the length and no body; pipelined requests on one connection answer in order', async () => {
    const answer = await raw(
      port,
      'HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\nGET /sub/a.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /index.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '200']);
    expect(answer).toContain(`Content-Length: ${big.length}\r\n`);
    // The HEAD answer carries no body: the next bytes are the next status line.
    const afterHead = answer.indexOf('\r\n\r\n') + 4;
    expect(answer.slice(afterHead, afterHead + 15)).toBe('HTTP/1.1 200 OK');
    expect(answer.endsWith('<h1>hi</h1>\n')).toBe(true);
  });

  test('regression: a client that half-closes after pipelining still gets every answer', async () => {
    const twice = 'GET /sub/a.txt HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(3);
    const answer = await raw(port, twice, true);
    expect([...answer.matchAll(/HTTP\/1\.1 200/g)]).toHaveLength(3);
  });

  test('no path leaves the directory', async () => {
    const answer = await raw(port, 'GET /../../../../etc/passwd HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 40[34] /);
    expect(answer).not.toContain('root:');
  });

  test('regression: a symbolic link to a file or directory outside --dir answers 404', async () => {
    for (const path of ['link.txt', 'linkdir/inner.txt']) {
      const answer = await fetch(`${base}${path}`);
      expect(answer.status, path).toBe(404);
      expect(await answer.text()).not.toContain('SECRET');
    }
  });

  test('--follow-symlinks serves them, as before', async () => {
    const other = await serve(['--dir', dir, '--follow-symlinks']);
    try {
      expect(await (await fetch(`${other.base}link.txt`)).text()).toBe('SECRET\n');
      expect(await (await fetch(`${other.base}linkdir/inner.txt`)).text()).toBe('INNER\n');
    } finally {
      expect(await stop(other.server)).toBe(0);
    }
  });

  test('regression: a malformed percent-escape is a bad request (400), not 403', async () => {
    const answer = await raw(port, 'GET /%zz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  test('regression: /index.html/ is not served as index.html', async () => {
    expect((await fetch(`${base}index.html/`)).status).toBe(404);
  });

  test('--help lists the options', async () => {
    const { wiremachine } = await import('./run.js');
    const help = wiremachine(['serve', 'http', '--help']);
    expect(help.status).toBe(0);
    for (const option of ['--list', '--dotfiles', '--follow-symlinks', '--max-age', '--no-compress', '--dir', '--port'])
      expect(help.stdout).toContain(option);
    expect(help.stdout).toContain('curl -C -');
  });

  test('--max-age sets Cache-Control; --list lists; --dotfiles serves dotfiles', async () => {
    writeFileSync(join(dir, 'sub', '.hidden'), 'h');
    const other = await serve(['--dir', dir, '--max-age', '600', '--list', '--dotfiles']);
    try {
      expect((await fetch(`${other.base}sub/a.txt`)).headers.get('cache-control')).toBe('public, max-age=600');
      const listing = await (await fetch(`${other.base}sub/`)).text();
      expect(listing).toContain('<a href="a.txt">a.txt</a>');
      expect(listing).toContain('<a href=".hidden">.hidden</a>');
      expect(await (await fetch(`${other.base}sub/.hidden`)).text()).toBe('h');
    } finally {
      expect(await stop(other.server)).toBe(0);
    }
    expect((await fetch(`${base}sub/`)).status).toBe(404);
    expect((await fetch(`${base}sub/.hidden`)).status).toBe(404);
  });
});
