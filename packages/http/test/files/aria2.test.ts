/**
 * aria2 (Debian) downloads a 64 MiB file from `serveFiles` over four
 * connections at once, each asking for its own ranges; the result's SHA-256
 * is the file's.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createServer, serveFiles } from '../../src/index.js';
import { tree } from './fixture.js';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (e, stdout, stderr) =>
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, stdout, stderr }),
    );
  });
}

const haveAria2 = (await run('aria2c', ['--version'])).code === 0;
if (!haveAria2) console.warn('aria2c is not installed: the aria2 test of serveFiles is skipped (CI installs it)');

test.skipIf(!haveAria2)(
  'aria2c -x 4 -s 4 -k 1M: a 64 MiB file over 4 connections by ranges, SHA-256 intact',
  async () => {
    const file = randomBytes(64 * 1024 * 1024);
    const root = tree({ 'big.bin': file });
    const out = tree({});
    const files = serveFiles(root);
    const ranges: string[] = [];
    let connections = 0;
    const server = await createServer((req, res) => {
      const range = req.headers.get('range');
      if (range !== undefined) ranges.push(range);
      return files(req, res);
    }).listen({ host: '127.0.0.1', port: 0 });
    server.listener?.server.on('connection', () => connections++);
    try {
      const r = await run('aria2c', [
        '-x',
        '4',
        '-s',
        '4',
        '-k',
        '1M',
        '--file-allocation=none',
        '--allow-overwrite=true',
        '--auto-file-renaming=false',
        '--summary-interval=0',
        '--console-log-level=warn',
        '--no-conf',
        '-d',
        out,
        '-o',
        'big.bin',
        `http://127.0.0.1:${server.port}/big.bin`,
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      expect(sha(readFileSync(join(out, 'big.bin')))).toBe(sha(file));
      // Several connections, each with ranges of its own part of the file.
      console.log(connections, ranges);
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(ranges.length).toBeGreaterThanOrEqual(2);
      expect(ranges.some((r) => !r.startsWith('bytes=0-'))).toBe(true);
    } finally {
      await server.close({ timeout: 200 });
    }
  },
);
