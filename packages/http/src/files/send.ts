/**
 * Bytes from an open file to a response, a piece at a time: a piece is
 * read while the one before it is being written, and the next only once
 * that write has been flushed to the socket, so a slow reader holds two
 * pieces in memory, never the file.
 *
 * @module
 */
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ServerResponse } from '../server/response.js';
import { readFd } from './fd.js';

/**
 * @internal The size of a piece read from disk. 128 KiB with one piece read
 * ahead matched node:http piping fs.createReadStream on a 1 GiB download
 * (64 KiB was about 0.75x of it); a connection holds at most two.
 */
export const PIECE = 128 * 1024;

/** A piece of the file from `at`, at most up to `end` (empty at the end of the file). */
async function readPiece(fd: number, at: number, end: number): Promise<Buffer> {
  const want = Math.min(PIECE, end - at + 1);
  // A fresh buffer each time: the one written may still be queued by the transport.
  const piece = Buffer.allocUnsafe(want);
  const bytesRead = await readFd(fd, piece, want, at);
  return bytesRead === want ? piece : piece.subarray(0, bytesRead);
}

const noop = () => {};

/**
 * @internal Send bytes `start` to `end` (both included) of the file. Stops
 * early if the file got shorter (the response's Content-Length then fails it
 * and closes the connection).
 */
export async function sendRange(res: ServerResponse, fd: number, start: number, end: number): Promise<void> {
  let next: Promise<Buffer> | null = readPiece(fd, start, end);
  for (let at = start; next !== null; ) {
    const piece: Buffer = await next;
    if (piece.length === 0) return;
    at += piece.length;
    // One piece read ahead: the disk works while the socket takes this one. At most two pieces are held.
    next = at <= end ? readPiece(fd, at, end) : null;
    next?.catch(noop); // awaited on the next turn; a write that fails first must not leave it unhandled
    try {
      await res.write(piece);
    } catch (e) {
      // The caller closes the descriptor next: no read may still be running on it.
      await next?.catch(noop);
      throw e;
    }
  }
}

/** @internal Files up to this size are read whole and sent in one write with their head. */
export const WHOLE = 64 * 1024;

/** @internal Send the first `size` bytes of the file through `coder` (a compressing stream), with backpressure end to end. */
export async function sendCoded(res: ServerResponse, fd: number, size: number, coder: Transform): Promise<void> {
  async function* pieces() {
    for (let at = 0; at < size; ) {
      const piece = await readPiece(fd, at, size - 1);
      if (piece.length === 0) return;
      yield piece;
      at += piece.length;
    }
  }
  await pipeline(Readable.from(pieces(), { objectMode: false, highWaterMark: 1 }), coder, async (coded) => {
    for await (const chunk of coded) await res.write(chunk as Buffer);
  });
}
