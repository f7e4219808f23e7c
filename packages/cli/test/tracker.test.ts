import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, wiremachine } from './run.js';

const HASH = '0123456789abcdef0123456789abcdef01234567';

describe('wiremachine tracker', () => {
  let server: ChildProcess;
  let url = '';
  beforeAll(async () => {
    server = spawn(process.execPath, [BIN, 'tracker', 'serve', '--port', '0', '--interval', '60'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the tracker did not start within 10 s')), 10_000);
      server.stdout?.once('data', (chunk: Buffer) => {
        clearTimeout(timer);
        resolve(JSON.parse(chunk.toString().split('\n')[0]).url);
      });
    });
  });
  afterAll(async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });

  test('serve prints where it listens; announce and scrape print the answers as JSON', () => {
    expect(url).toMatch(/^udp:\/\/127\.0\.0\.1:\d+\/announce$/);
    const seeder = wiremachine(['tracker', 'announce', url, '--info-hash', HASH, '--port', '7000']);
    expect(seeder.status).toBe(0);
    expect(seeder.out).toEqual([{ type: 'announce', interval: 60, leechers: 0, seeders: 1, peers: [] }]);
    const leecher = wiremachine(['tracker', 'announce', url, '--info-hash', HASH, '--port', '7001', '--left', '100']);
    expect(leecher.out).toEqual([
      { type: 'announce', interval: 60, leechers: 1, seeders: 1, peers: [{ ip: '127.0.0.1', port: 7000 }] },
    ]);
    const scrape = wiremachine(['tracker', 'scrape', url, '--info-hash', HASH, '--info-hash', 'f'.repeat(40)]);
    expect(scrape.out).toEqual([
      {
        type: 'scrape',
        files: [
          { infoHash: HASH, seeders: 1, completed: 0, leechers: 1 },
          { infoHash: 'f'.repeat(40), seeders: 0, completed: 0, leechers: 0 },
        ],
      },
    ]);
  });

  test('no answer is exit status 1 with a JSON error; bad usage is 2', () => {
    // Port 9 (discard) on loopback: nothing answers.
    const silent = wiremachine([
      'tracker',
      'announce',
      'udp://127.0.0.1:9/announce',
      '--info-hash',
      HASH,
      '--timeout',
      '300',
    ]);
    expect(silent.status).toBe(1);
    expect(silent.out).toEqual([
      { type: 'error', code: 'WIREMACHINE_ERR_TIMEOUT', message: 'no answer within 300 ms' },
    ]);
    expect(wiremachine(['tracker', 'announce', url, '--info-hash', 'xyz']).status).toBe(2);
    expect(wiremachine(['tracker', 'announce', url]).status).toBe(2);
    expect(wiremachine(['tracker', 'frob']).status).toBe(2);
    for (const sub of ['serve', 'announce', 'scrape']) {
      const help = spawnSync(process.execPath, [BIN, 'tracker', sub, '--help'], { encoding: 'utf8' });
      expect(help.status, sub).toBe(0);
      expect(help.stdout, sub).toMatch(new RegExp(`usage: wiremachine tracker ${sub}`));
    }
  });
});
