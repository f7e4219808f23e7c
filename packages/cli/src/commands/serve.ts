/** `wiremachine serve http`: static files over HTTP/1.1, with keep-alive and HEAD. */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer, type ServerRequest, type ServerResponse } from '@wiremachine/http';
import { jsonLine } from '../json.js';
import { HELP, UsageError } from '../usage.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm',
};
/** Files up to this size are sent in one write; larger ones stream. */
const WHOLE = 1024 * 1024;

/** The file a request names under `root`, or null when it would leave `root`. */
function fileOf(root: string, url: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return null;
  }
  const file = resolve(root, `.${path}`);
  return file === root || file.startsWith(root + sep) ? file : null;
}

async function respond(root: string, req: ServerRequest, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
    await res.end('method not allowed\n');
    return;
  }
  let file = fileOf(root, req.url);
  if (file === null) {
    res.writeHead(403, { 'Content-Type': 'text/plain' });
    await res.end('forbidden\n');
    return;
  }
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (info === null || !info.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    await res.end('not found\n');
    return;
  }
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  if (info.size <= WHOLE) {
    res.writeHead(200, { 'Content-Type': type });
    await res.end(new Uint8Array(await readFile(file)));
    return;
  }
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': info.size });
  if (req.method === 'HEAD') {
    await res.end();
    return;
  }
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) await res.write(chunk as Uint8Array);
  await res.end();
}

export async function serveCommand(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what === '--help' || what === '-h' || what === undefined) {
    console.log(HELP.serve);
    return what === undefined ? 2 : 0;
  }
  if (what !== 'http') throw new UsageError(`wiremachine serve knows "http", not "${what}"`);
  const { values } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      dir: { type: 'string', default: '.' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP.serve);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port takes 0 to 65535, not "${values.port}"`);
  const root = resolve(values.dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`--dir ${values.dir} is not a directory`);
  const server = createServer((req, res) => respond(root, req, res));
  await server.listen({ host: values.host, port });
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  console.log(jsonLine({ type: 'listening', url: `http://${host}:${server.port}/` }));
  await new Promise<void>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
  });
  await server.close({ timeout: 5000 });
  return 0;
}
