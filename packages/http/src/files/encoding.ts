/// <reference path="./negotiator.d.ts" />
/**
 * Content codings (RFC 9110 §8.4, §12.5.3): brotli or gzip chosen from
 * `Accept-Encoding` and its q-values by `negotiator`, for the types
 * `compressible` (from mime-db) marks as worth it, and the streams of
 * node:zlib that do the work.
 *
 * @module
 */
import type { Transform } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import compressible from 'compressible';
import Negotiator from 'negotiator';

/** @internal A content coding, or `'identity'` for none. */
export type Coding = 'br' | 'gzip' | 'identity';

/** Offered in this order when the client weighs them the same (brotli is smaller at the levels used). */
const OFFERED = ['br', 'gzip', 'identity'];

/** @internal Whether a file of this type and size may be sent compressed at all (then the response varies). */
export function mayCompress(type: string, size: number, threshold: number): boolean {
  // mime-db marks application/octet-stream compressible; here it is what a file of unknown type is
  // served as, and unknown files are as often archives or media, which compress no further.
  return size >= threshold && !type.startsWith('application/octet-stream') && compressible(type) === true;
}

/**
 * @internal The coding to send, from the request's `Accept-Encoding`: the
 * one with the highest q-value (brotli first on a tie), identity when none
 * is acceptable (§12.5.3: a response without a coding is preferred to 406).
 */
export function negotiate(acceptEncoding: string | undefined): Coding {
  if (acceptEncoding === undefined) return 'identity';
  const [best] = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encodings(OFFERED, {
    preferred: OFFERED,
  });
  return best === 'br' || best === 'gzip' ? best : 'identity';
}

/**
 * @internal A compressing stream. Brotli at quality 4 (its default, 11, is
 * meant for compressing ahead of time: several times slower than gzip on
 * the fly) with a 256 KiB window (`lgwin` 18; the default 22, or a size hint
 * of a large file, made each stream hold 6 to 8 MiB against 2.3 MiB, measured
 * on 20 streams of 4 MiB of text); gzip at zlib's default level, 6 (about
 * 1 MiB a stream).
 */
export function compressor(coding: 'br' | 'gzip', size: number): Transform {
  return coding === 'br'
    ? createBrotliCompress({
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 4,
          [constants.BROTLI_PARAM_LGWIN]: 18,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: Math.min(size, 1 << 18),
        },
      })
    : createGzip();
}
