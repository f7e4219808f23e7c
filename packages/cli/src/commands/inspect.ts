/**
 * `wiremachine inspect`: a page on 127.0.0.1 that draws the protocol and steps
 * through a parse of the input, run in the browser.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { concatBytes } from '@wiremachine/core';
import { bundleInspector } from '../bundle.js';
import { chunksOf, positive } from '../input.js';
import { PAGE } from '../inspector/html.js';
import { loadProtocol } from '../protocols.js';
import { HELP, UsageError } from '../usage.js';

export async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'protocol-module': { type: 'string' },
      port: { type: 'string', default: '0' },
      'chunk-size': { type: 'string' },
      lenient: { type: 'string', multiple: true, default: [] },
      'no-body': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP.inspect);
    return 0;
  }
  const modulePath = values['protocol-module'];
  const moduleGiven = modulePath !== undefined;
  const [name, file] = moduleGiven ? [undefined, positionals[0]] : [positionals[0], positionals[1]];
  if (positionals.length > (moduleGiven ? 1 : 2)) throw new UsageError(`unexpected argument "${positionals.at(-1)}"`);
  const port = Number(values.port);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port takes a port number (0 for a free one), not "${values.port}"`);
  }
  const chunkSize = positive('--chunk-size', values['chunk-size']) ?? null;
  // The protocol is loaded here too, so that a wrong name or module is a usage error now, not on the page.
  await import('../builtins.js');
  await loadProtocol(name, modulePath, { lenient: values.lenient, noBody: values['no-body'] });
  // No file: the page starts empty, for input pasted or dropped on it. '-' reads standard input.
  const chunks: Uint8Array[] = [];
  if (file !== undefined) for await (const chunk of chunksOf(file, undefined)) chunks.push(chunk);
  const input = concatBytes(chunks);
  const { script, map } = await bundleInspector(moduleGiven ? { modulePath } : { name: name as string });
  const config = JSON.stringify({
    name: modulePath ?? name,
    chunkSize,
    lenient: values.lenient,
    noBody: values['no-body'],
    file: file ?? null,
  });
  const files: Record<string, [string, string | Uint8Array]> = {
    '/': ['text/html; charset=utf-8', PAGE],
    '/app.js': ['text/javascript; charset=utf-8', script],
    '/app.js.map': ['application/json', map],
    '/config.json': ['application/json', config],
    '/input': ['application/octet-stream', input],
  };

  const server = createServer((req, res) => {
    // Only this machine's pages may read the input: a name that resolves here by
    // DNS rebinding is refused by its Host header.
    const host = req.headers.host ?? '';
    const { port: bound } = server.address() as { port: number };
    if (host !== `127.0.0.1:${bound}` && host !== `localhost:${bound}`) {
      res.writeHead(403).end();
      return;
    }
    const found =
      req.method === 'GET' || req.method === 'HEAD' ? files[new URL(req.url ?? '/', 'http://x').pathname] : undefined;
    if (found === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const [type, body] = found;
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new UsageError(`port ${port} is in use; --port 0 picks a free one`) : e),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as { port: number };
  console.log(`wiremachine inspect: ${modulePath ?? name} at http://127.0.0.1:${bound}/ (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
