import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/deep-feed.cjs', import.meta.url));

/** Runs the fixture under a 64 KiB stack (it uses the built package: `pnpm build` first). */
function deepFeed(executor: string, reads: number) {
  const out = execFileSync(process.execPath, ['--stack-size=64', script, executor, String(reads)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as { reads: number; status: string; offset: number };
}

describe('stack depth', () => {
  test('control: a reader that recurses per read overflows this stack', () => {
    expect(() => deepFeed('recursive-control', 1_000_000)).toThrow(/Maximum call stack size exceeded/);
  });

  test('1,000,000 buffered reads satisfied in one feed, under --stack-size=64 (compiled)', () => {
    expect(deepFeed('compiled', 1_000_000)).toEqual({ reads: 1_000_000, status: 'running', offset: 4_000_000 });
  });

  test('100,000 buffered reads in one feed, under --stack-size=64 (xstate)', () => {
    expect(deepFeed('xstate', 100_000)).toEqual({ reads: 100_000, status: 'running', offset: 400_000 });
  });
});
