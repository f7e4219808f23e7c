/**
 * A static file server in a child process, for the `static-files` benchmark:
 * `wiremachine` (`serveFiles` of @wiremachine/http) or `send` (the library
 * behind express.static, on node:http), serving the same directory with
 * their defaults. It reports its port, and on request its CPU time, over IPC.
 *
 * `node bench/dist/files/server.js <wiremachine|send> DIR`
 *
 * @module
 */
import * as http from 'node:http';
import { createServer, serveFiles } from '@wiremachine/http';
import send from 'send';

const [kind, dir] = process.argv.slice(2);
let close: () => Promise<void>;
let port: number;

if (kind === 'wiremachine') {
  const server = createServer(serveFiles(dir), { keepAliveTimeout: 120_000, onError: () => {} });
  await server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  port = server.port;
  close = () => server.close({ timeout: 1000 });
} else if (kind === 'send') {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    send(req, path, { root: dir })
      .on('error', (e: { status?: number }) => {
        res.statusCode = e.status ?? 500;
        res.end();
      })
      .pipe(res);
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  port = (server.address() as { port: number }).port;
  close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
} else {
  throw new Error(`unknown server kind ${kind}`);
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'stats') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'stats', cpuMs: (user + system) / 1000 });
  } else if (m.type === 'close') void close().then(() => process.exit(0));
});
process.send?.({ type: 'listening', port });
