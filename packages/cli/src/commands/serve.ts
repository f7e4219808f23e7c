/** `wiremachine serve http`: the files of a directory over HTTP/1.1, through `serveFiles` of @wiremachine/http. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer, serveFiles } from '@wiremachine/http';
import { jsonLine } from '../json.js';
import { HELP, UsageError } from '../usage.js';

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
      list: { type: 'boolean', default: false },
      dotfiles: { type: 'boolean', default: false },
      'follow-symlinks': { type: 'boolean', default: false },
      'max-age': { type: 'string', default: '0' },
      'no-compress': { type: 'boolean', default: false },
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
  const maxAge = Number(values['max-age']);
  if (!/^\d+$/.test(values['max-age']) || !Number.isSafeInteger(maxAge))
    throw new UsageError(`--max-age takes whole seconds, not "${values['max-age']}"`);
  const root = resolve(values.dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`--dir ${values.dir} is not a directory`);
  const server = createServer(
    serveFiles(root, {
      list: values.list,
      dotfiles: values.dotfiles,
      followSymlinks: values['follow-symlinks'],
      maxAge,
      compress: !values['no-compress'],
    }),
  );
  await server.listen({ host: values.host, port });
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  console.log(jsonLine({ type: 'listening', url: `http://${host}:${server.port}/` }));
  await new Promise<void>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
  });
  await server.close({ timeout: 5000 });
  return 0;
}
