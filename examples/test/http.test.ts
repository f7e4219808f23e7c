/** The HTTP examples, run as a newcomer runs them: the server on a free port, the client against it. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';

const dist = new URL('../dist/', import.meta.url);
const built = existsSync(new URL('http-server.js', dist));
if (!built) console.warn('examples/dist is not built (pnpm build): the HTTP example test is skipped');

let server: ChildProcess | null = null;
afterAll(() => {
  server?.kill('SIGINT');
});

test.skipIf(!built)('the example client talks to the example server', async () => {
  server = spawn(process.execPath, [new URL('http-server.js', dist).pathname, '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the example server did not start')), 10_000);
    server?.stdout?.on('data', (d: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(d.toString());
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [new URL('http-client.js', dist).pathname, `http://127.0.0.1:${port}`],
      { timeout: 10_000 },
      (e, stdout) => (e ? reject(e) : resolve(stdout)),
    ),
  );
  expect(out).toBe(
    '200 text/plain; charset=utf-8 "hello, world\\n"\n200 received 262144 bytes\n\n404 not found\n\npart 1\npart 2\npart 3\n',
  );
});
