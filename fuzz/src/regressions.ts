/**
 * Regression files: every crash the fuzzer finds is saved as
 * `regressions/<target>/<sha1>.bin` and replayed by the test suite.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder that holds the regression files. */
export const REGRESSIONS = fileURLToPath(new URL('../regressions/', import.meta.url));

/** Save a crashing input; returns its path. */
export function saveRegression(target: string, input: Uint8Array): string {
  const dir = join(REGRESSIONS, target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha1').update(input).digest('hex')}.bin`);
  writeFileSync(file, input);
  return file;
}

/** Every saved input of a target, with its file name. */
export function loadRegressions(target: string): Array<{ file: string; input: Uint8Array }> {
  const dir = join(REGRESSIONS, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((file) => ({ file, input: new Uint8Array(readFileSync(join(dir, file))) }));
}
