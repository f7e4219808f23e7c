/**
 * A small HTTP/1.1 server on 127.0.0.1 (`@wiremachine/http`).
 *
 *   node examples/dist/http-server.js [port]
 *   curl -i http://127.0.0.1:8080/hello
 *   curl -i --data-binary @some-file http://127.0.0.1:8080/upload
 *
 * Ctrl-C stops it gracefully: requests in flight are answered first.
 *
 * @module
 */
import { createServer } from '@wiremachine/http';

const port = Number(process.argv[2] ?? 8080);

const server = createServer(
  async (req, res) => {
    if (req.method === 'POST' && req.url === '/upload') {
      // The body streams in; reading pauses the socket when this loop is slow.
      let size = 0;
      for await (const chunk of req.body) size += chunk.length;
      await res.end(`received ${size} bytes\n`);
      return;
    }
    if (req.url === '/stream') {
      // No Content-Length: the body goes chunked; each write waits for the socket.
      for (let i = 1; i <= 3; i++) await res.write(`part ${i}\n`);
      await res.end();
      return;
    }
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.writeHead(req.url === '/hello' ? 200 : 404);
    await res.end(req.url === '/hello' ? 'hello, world\n' : 'not found\n');
  },
  { headerTimeout: 10_000, keepAliveTimeout: 5_000, http1: { maxBodySize: 100 << 20 } },
);

await server.listen({ host: '127.0.0.1', port });
console.log(`listening on http://127.0.0.1:${server.port}/`);
process.once('SIGINT', () => {
  console.log('closing');
  server.close({ timeout: 5000 });
});
