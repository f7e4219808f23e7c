/**
 * A hello-world server in a child process, for the `http-server` benchmark and
 * the load script: `wiremachine` (this project's server) or `node` (node:http),
 * with the same handler. It reports its port, and on request its memory
 * (after a full GC), its open connections and its unhandled rejections, over
 * IPC. POST bodies are read to the end (the load script resets clients
 * mid-body).
 *
 * `node bench/dist/servers/hello.js <wiremachine|node> '<options as JSON>'`
 *
 * @module
 */
import * as http from 'node:http';
import { createServer, type ServerRequest, type ServerResponse } from '@wiremachine/http';
import type { ServerMessage } from './protocol.js';

const kind = process.argv[2];
const options = JSON.parse(process.argv[3] ?? '{}') as {
  headerTimeout?: number;
  keepAliveTimeout?: number;
  requestTimeout?: number;
};
let unhandled = 0;
let bodyFailures = 0;
process.on('unhandledRejection', () => {
  unhandled++;
});

const send = (m: ServerMessage) => process.send?.(m);
const keepAliveTimeout = options.keepAliveTimeout ?? 120_000;
let connections: () => Promise<number>;
let close: () => Promise<void>;

if (kind === 'wiremachine') {
  const readBody = async (req: ServerRequest, res: ServerResponse) => {
    try {
      await req.body.bytes();
    } catch (e) {
      bodyFailures++;
      throw e;
    }
    res.end('Hello, World!');
  };
  const server = createServer(
    (req: ServerRequest, res: ServerResponse) => {
      if (req.method === 'POST') return readBody(req, res);
      res.setHeader('Content-Type', 'text/plain');
      res.end('Hello, World!');
    },
    {
      keepAliveTimeout,
      headerTimeout: options.headerTimeout,
      requestTimeout: options.requestTimeout,
      onError: () => {},
    },
  );
  await server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  connections = async () => server.connections;
  close = () => server.close({ timeout: 1000 });
  send({ type: 'listening', port: server.port });
} else {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      req.on('error', () => bodyFailures++);
      req.resume();
      req.on('end', () => res.end('Hello, World!'));
      return;
    }
    res.setHeader('Content-Type', 'text/plain');
    res.end('Hello, World!');
  });
  server.keepAliveTimeout = keepAliveTimeout;
  if (options.headerTimeout !== undefined) server.headersTimeout = options.headerTimeout;
  if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, r));
  connections = () => new Promise((r) => server.getConnections((_e, n) => r(n)));
  close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  send({ type: 'listening', port: (server.address() as { port: number }).port });
}

process.on('message', async (m: { type: string }) => {
  if (m.type === 'stats') {
    for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
    const u = process.memoryUsage();
    send({
      type: 'stats',
      rss: u.rss,
      heapUsed: u.heapUsed,
      external: u.external,
      connections: await connections(),
      unhandled,
      bodyFailures,
      cpuMs: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
    });
  } else if (m.type === 'close') {
    await close();
    process.exit(0);
  }
});
