/** A directory of files to serve, a server for it per test, and one raw request at a time. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { createServer, type FilesOptions, type HttpServer, serveFiles } from '../../src/index.js';
import { RawClient, until } from '../helpers.js';

/** The directories `tree` made, removed after the test file (a hook added inside a test would not run). */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Makes `files` (path → contents, or `{ link: target }` for a symbolic link) under a fresh directory. */
export function tree(files: Record<string, string | Uint8Array | { link: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiremachine-files-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    if (path.endsWith('/')) mkdirSync(full, { recursive: true });
    else if (typeof content === 'object' && 'link' in content) symlinkSync(content.link, full);
    else writeFileSync(full, content);
  }
  return dir;
}

/** A parsed answer: status, lower-cased fields, and the body as latin1 text. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits one response (the whole of what a `Connection: close` request got back). */
export function parse(text: string): Answer {
  const end = text.indexOf('\r\n\r\n');
  const [line, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const colon = l.indexOf(':');
    headers[l.slice(0, colon).toLowerCase()] = l.slice(colon + 1).trim();
  }
  let body = text.slice(end + 4);
  // A HEAD answer says chunked and has no body.
  if (headers['transfer-encoding'] === 'chunked' && body !== '') body = dechunk(body);
  return { status: Number(line.split(' ')[1]), headers, body };
}

/** A chunked body's data (no extensions, no trailers: what the server sends). */
function dechunk(body: string): string {
  let data = '';
  for (let at = 0; ; ) {
    const eol = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.slice(at, eol), 16);
    if (eol < 0 || Number.isNaN(size)) throw new Error(`not a chunk size at ${at}`);
    if (size === 0) return data;
    data += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** A server of `serveFiles(root, options)` per test; `get` sends one request target as written, on its own connection. */
export function filesFixture() {
  const servers: HttpServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      await server.close({ timeout: 100 });
      await until(() => (server.listener?.openSockets ?? 0) === 0, 2000, 'every socket closed');
    }
  });
  return async (root: string, options?: FilesOptions) => {
    const server = await createServer(serveFiles(root, options)).listen({ host: '127.0.0.1', port: 0 });
    servers.push(server);
    const request = async (method: string, target: string, fields = ''): Promise<Answer> => {
      const client = await RawClient.connect(server.port);
      try {
        client.write(`${method} ${target} HTTP/1.1\r\nHost: a\r\n${fields}Connection: close\r\n\r\n`);
        return parse(await client.closedByPeer());
      } finally {
        client.destroy();
      }
    };
    return {
      server,
      get: (target: string, fields = '') => request('GET', target, fields),
      request,
      url: `http://127.0.0.1:${server.port}`,
    };
  };
}
