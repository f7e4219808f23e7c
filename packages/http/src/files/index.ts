/**
 * `serveFiles(root, options)`: a handler that serves the files under a
 * directory, as users expect of a static file server: ranges, conditional
 * requests, compression, MIME types, an optional directory listing, and no
 * path outside the root.
 *
 * @module
 */
import { realpathSync, type Stats, statSync } from 'node:fs';
import { extname } from 'node:path';
import { ErrorCode, WiremachineError } from '@wiremachine/core';
import { contentType } from 'mime-types';
import type { Handler } from '../server/connection.js';
import type { ServerRequest } from '../server/request.js';
import type { ServerResponse } from '../server/response.js';
import { ifRange, preconditions, validators } from './conditional.js';
import { compressor, mayCompress, negotiate } from './encoding.js';
import { closeFd, readFd } from './fd.js';
import { listing } from './listing.js';
import { Locator } from './locate.js';
import { type FilesOptions, type ResolvedFilesOptions, resolveFilesOptions } from './options.js';
import { Multipart, parseRange } from './ranges.js';
import { sendCoded, sendRange, WHOLE } from './send.js';

export type { FilesOptions } from './options.js';

const TEXTS: Record<number, string> = {
  301: 'moved permanently\n',
  400: 'bad request\n',
  404: 'not found\n',
  405: 'method not allowed\n',
  412: 'precondition failed\n',
  416: 'range not satisfiable\n',
};
const EMPTY = new Uint8Array(0);

/**
 * A handler that serves the files under `root` to GET and HEAD (other
 * methods get 405). The root's real path is taken once, now; a request's
 * path is decoded (a malformed escape gets 400), and its real location
 * must be under the root's (else 404, as for a missing file, unless
 * `followSymlinks`). A directory gets its `index.html`, or a listing with
 * `list`; named without its trailing slash, it is redirected to it.
 *
 * Files answer with `ETag` (strong, from size and modification time),
 * `Last-Modified`, `Accept-Ranges: bytes` and `Cache-Control`, and honour
 * If-Match, If-Unmodified-Since (412), If-None-Match, If-Modified-Since
 * (304), Range (206, multipart/byteranges for several, 416) and If-Range.
 * Compressible types of at least 1 KiB are sent with brotli or gzip when
 * `Accept-Encoding` asks (with `Vary: Accept-Encoding`; a compressed
 * response's tag is the weak form of the file's); a range is never
 * compressed. Every file is read a piece at a time as the socket drains.
 *
 * @example
 * ```ts
 * import { createServer, serveFiles } from '@wiremachine/http';
 *
 * const server = createServer(serveFiles('./www', { list: true, maxAge: 60 }));
 * await server.listen({ host: '127.0.0.1', port: 8080 });
 * ```
 */
export function serveFiles(root: string, options?: FilesOptions): Handler {
  const o = resolveFilesOptions(options);
  let real: string;
  try {
    real = realpathSync(root);
  } catch (e) {
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${root} cannot be served: ${(e as Error).message}`);
  }
  if (!statSync(real).isDirectory())
    throw new WiremachineError(ErrorCode.INVALID_ARGUMENT, `${root} is not a directory`);
  const locator = new Locator(real, o);
  return (req, res) => serve(locator, o, req, res);
}

async function serve(locator: Locator, o: ResolvedFilesOptions, req: ServerRequest, res: ServerResponse) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, { Allow: 'GET, HEAD' });
  const at = await locator.locate(req.url);
  switch (at.kind) {
    case 'status':
      return plain(res, at.status);
    case 'redirect':
      return plain(res, 301, { Location: at.location });
    case 'directory': {
      const html = await listing(locator, at.path, at.shown, o.dotfiles, o.maxListing);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      return res.end(html);
    }
    case 'file':
      try {
        await sendFile(o, req, res, at.fd, at.stats, at.path);
      } finally {
        await closeFd(at.fd);
      }
  }
}

async function sendFile(
  o: ResolvedFilesOptions,
  req: ServerRequest,
  res: ServerResponse,
  fd: number,
  stats: Stats,
  path: string,
) {
  const size = stats.size;
  const type = contentType(extname(path)) || 'application/octet-stream';
  const v = validators(stats);
  const varies = mayCompress(type, size, o.threshold);
  const coding = varies ? negotiate(req.headers.get('accept-encoding')) : 'identity';
  const tag = coding === 'identity' ? v.etag : `W/${v.etag}`;
  const fields: Record<string, string> = {
    ETag: tag,
    'Last-Modified': v.lastModified,
    'Cache-Control': o.cacheControl,
  };
  if (varies) fields.Vary = 'Accept-Encoding';

  const pre = preconditions(req.headers, v, tag);
  if (pre === 304) {
    res.writeHead(304, fields);
    return res.end();
  }
  if (pre === 412) return plain(res, 412);
  fields['Accept-Ranges'] = 'bytes';

  // RFC 9110 §14.2: Range is defined for GET only.
  const range = req.method === 'GET' ? req.headers.get('range') : undefined;
  if (range !== undefined && ifRange(req.headers, v)) {
    const ranges = parseRange(size, range, o.maxRanges);
    if (ranges === 'unsatisfiable') return plain(res, 416, { ...fields, 'Content-Range': `bytes */${size}` });
    if (ranges !== null) {
      // A range is of the identity coding: its tag is the strong one.
      fields.ETag = v.etag;
      if (ranges.length === 1) {
        const [{ start, end }] = ranges;
        res.writeHead(206, {
          ...fields,
          'Content-Type': type,
          'Content-Range': `bytes ${start}-${end}/${size}`,
          'Content-Length': end - start + 1,
        });
        await sendRange(res, fd, start, end);
        return res.end();
      }
      const parts = new Multipart(ranges, type, size);
      res.writeHead(206, { ...fields, 'Content-Type': parts.contentType, 'Content-Length': parts.length });
      for (let i = 0; i < ranges.length; i++) {
        await res.write(parts.heads[i]);
        await sendRange(res, fd, ranges[i].start, ranges[i].end);
      }
      return res.end(parts.tail);
    }
  }

  res.writeHead(200, { ...fields, 'Content-Type': type });
  if (coding !== 'identity') {
    res.setHeader('Content-Encoding', coding);
    // Without a length, the head goes with the first write: for HEAD, the one the GET would get.
    if (req.method === 'HEAD') await res.write(EMPTY);
    else await sendCoded(res, fd, size, compressor(coding, size));
    return res.end();
  }
  if (req.method === 'HEAD' || size === 0) {
    res.setHeader('Content-Length', size);
    return res.end();
  }
  if (size <= WHOLE) {
    // A small file in one write, head included.
    const whole = Buffer.allocUnsafe(size);
    const bytesRead = await readFd(fd, whole, size, 0);
    res.setHeader('Content-Length', size);
    return res.end(whole.subarray(0, bytesRead));
  }
  res.setHeader('Content-Length', size);
  await sendRange(res, fd, 0, size - 1);
  return res.end();
}

/** A short text answer with `status`. */
function plain(res: ServerResponse, status: number, fields?: Record<string, string>): Promise<void> {
  res.writeHead(status, { ...fields, 'Content-Type': 'text/plain; charset=utf-8' });
  return res.end(TEXTS[status] ?? '\n');
}
