/**
 * Options of the HTTP/1.x machines, and their resolved form.
 *
 * @module
 */
import { DEFAULT_LIMITS, LENIENT_FLAGS, type LenientFlag } from './constants.js';
import type { MessageHead } from './head.js';

/**
 * Options of {@link createRequestMachine} and {@link createResponseMachine}.
 * Everything is strict by default (RFC 9112); `lenient` turns on llhttp's
 * lenient flags by their llhttp names.
 */
export interface Http1Options {
  /** Largest head (start line, fields and the blank line), in bytes. Default 16 KiB. */
  maxHeadSize?: number;
  /** Most field lines in a head or trailer section. Default 128. */
  maxHeaders?: number;
  /** Longest request target. Default 8 KiB. */
  maxUrlLength?: number;
  /** Most chunk-extension bytes in one message. Default 16 KiB. */
  maxChunkExtensionsSize?: number;
  /** Largest body of one message. Default: no limit. */
  maxBodySize?: number;
  /** llhttp's lenient flags: a list of names, or a record of booleans. */
  lenient?: readonly LenientFlag[] | Partial<Record<LenientFlag, boolean>>;
  /** Accept any token as a method, not only the ones llhttp knows. Default `false`. */
  allowUnknownMethods?: boolean;
  /**
   * The message has no body whatever its fields say, as the response to a
   * HEAD request (llhttp's F_SKIPBODY). `true` for every message, or a
   * function asked per head (a client consults its queue of requests).
   */
  skipBody?: boolean | ((head: MessageHead) => boolean);
  /** Emit a `chunk` output (size and extensions) for every chunk-size line. Default `false`. */
  chunkHeaders?: boolean;
}

/** Options with every default applied and the lenient flags as booleans. */
export interface ResolvedHttp1Options {
  readonly maxHeadSize: number;
  readonly maxHeaders: number;
  readonly maxUrlLength: number;
  readonly maxChunkExtensionsSize: number;
  readonly maxBodySize: number;
  readonly allowUnknownMethods: boolean;
  readonly skipBody: boolean | ((head: MessageHead) => boolean);
  readonly chunkHeaders: boolean;
  readonly headers: boolean;
  readonly chunkedLength: boolean;
  readonly keepAlive: boolean;
  readonly transferEncoding: boolean;
  readonly version: boolean;
  readonly dataAfterClose: boolean;
  readonly lfAfterCr: boolean;
  readonly crBeforeLf: boolean;
  readonly crlfAfterChunk: boolean;
  readonly spacesAfterChunkSize: boolean;
  readonly valueRelaxed: boolean;
}

function flags(lenient: Http1Options['lenient']): Set<LenientFlag> {
  const out = new Set<LenientFlag>();
  if (lenient === undefined) return out;
  if (Array.isArray(lenient)) {
    for (const f of lenient as readonly LenientFlag[]) out.add(f);
  } else {
    for (const f of LENIENT_FLAGS) if ((lenient as Partial<Record<LenientFlag, boolean>>)[f] === true) out.add(f);
  }
  for (const f of out) if (!LENIENT_FLAGS.includes(f)) throw new TypeError(`unknown lenient flag "${f}"`);
  return out;
}

/** Apply defaults and check the values. */
export function resolveOptions(options: Http1Options = {}): ResolvedHttp1Options {
  const f = flags(options.lenient);
  const limit = (name: keyof typeof DEFAULT_LIMITS): number => {
    const v = options[name] ?? DEFAULT_LIMITS[name];
    if (!(v >= 0)) throw new TypeError(`${name} must be a non-negative number, got ${v}`);
    return v;
  };
  return {
    maxHeadSize: limit('maxHeadSize'),
    maxHeaders: limit('maxHeaders'),
    maxUrlLength: limit('maxUrlLength'),
    maxChunkExtensionsSize: limit('maxChunkExtensionsSize'),
    maxBodySize: limit('maxBodySize'),
    allowUnknownMethods: options.allowUnknownMethods === true,
    skipBody: options.skipBody ?? false,
    chunkHeaders: options.chunkHeaders === true,
    headers: f.has('HEADERS'),
    chunkedLength: f.has('CHUNKED_LENGTH'),
    keepAlive: f.has('KEEP_ALIVE'),
    transferEncoding: f.has('TRANSFER_ENCODING'),
    version: f.has('VERSION'),
    dataAfterClose: f.has('DATA_AFTER_CLOSE'),
    lfAfterCr: f.has('OPTIONAL_LF_AFTER_CR'),
    crBeforeLf: f.has('OPTIONAL_CR_BEFORE_LF'),
    crlfAfterChunk: f.has('OPTIONAL_CRLF_AFTER_CHUNK'),
    spacesAfterChunkSize: f.has('SPACES_AFTER_CHUNK_SIZE'),
    valueRelaxed: f.has('HEADER_VALUE_RELAXED') || f.has('HEADERS'),
  };
}
