/** Reading the command's input: a file or standard input, as chunks. */
import { createReadStream } from 'node:fs';
import { UsageError } from './usage.js';

/** Chunks of `file` (or of standard input for `-` or none), re-sliced to `chunkSize` when given. */
export async function* chunksOf(file: string | undefined, chunkSize: number | undefined): AsyncGenerator<Uint8Array> {
  const stream = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      if (chunkSize === undefined) {
        yield chunk;
        continue;
      }
      for (let i = 0; i < chunk.length; i += chunkSize) yield chunk.subarray(i, i + chunkSize);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') {
      throw new UsageError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    }
    throw e;
  }
}

/** A positive whole number from an option, or a usage error. */
export function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${name} takes a whole number of at least 1, not "${value}"`);
  return n;
}
