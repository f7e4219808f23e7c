/**
 * Bytes from an open file to a response, a piece at a time: each piece is
 * read only once the previous one has been flushed to the socket, so a slow
 * reader holds one piece in memory, never the file.
 *
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ServerResponse } from '../server/response.js';

/** @internal The size of a piece read from disk. */
export const PIECE = 64 * 1024;

/**
 * @internal Send bytes `start` to `end` (both included) of the file. Stops
 * early if the file got shorter (the response's Content-Length then fails it
 * and closes the connection).
 */
export async function sendRange(res: ServerResponse, file: FileHandle, start: number, end: number): Promise<void> {
  for (let at = start; at <= end; ) {
    const want = Math.min(PIECE, end - at + 1);
    // A fresh buffer each time: the one written may still be queued by the transport.
    const piece = Buffer.allocUnsafe(want);
    const { bytesRead } = await file.read(piece, 0, want, at);
    if (bytesRead === 0) return;
    await res.write(bytesRead === want ? piece : piece.subarray(0, bytesRead));
    at += bytesRead;
  }
}

/** @internal Send the first `size` bytes of the file through `coder` (a compressing stream), with backpressure end to end. */
export async function sendCoded(res: ServerResponse, file: FileHandle, size: number, coder: Transform): Promise<void> {
  async function* pieces() {
    for (let at = 0; at < size; ) {
      const want = Math.min(PIECE, size - at);
      const piece = Buffer.allocUnsafe(want);
      const { bytesRead } = await file.read(piece, 0, want, at);
      if (bytesRead === 0) return;
      yield bytesRead === want ? piece : piece.subarray(0, bytesRead);
      at += bytesRead;
    }
  }
  await pipeline(Readable.from(pieces(), { objectMode: false, highWaterMark: 1 }), coder, async (coded) => {
    for await (const chunk of coded) await res.write(chunk as Buffer);
  });
}
