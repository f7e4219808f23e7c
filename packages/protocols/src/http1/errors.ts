/**
 * HTTP/1.x errors: one class, {@link Http1Error}, with a stable code per kind of
 * fault and the HTTP status a server should answer with.
 *
 * @module
 */
import { ERROR_ID, ErrorCode, type ErrorPosition, ProtocolError, type WiremachineError } from '@wiremachine/core';
import type { Http1StateName } from './constants.js';

/** Stable codes of HTTP/1.x faults (`WIREMACHINE_ERR_HTTP_*`). Never change; messages may. */
export const Http1ErrorCode = {
  /** The method is not a token (RFC 9110 §9.1). */
  INVALID_METHOD: 'WIREMACHINE_ERR_HTTP_INVALID_METHOD',
  /** A token, but not a method this parser knows (`allowUnknownMethods` lifts it). */
  UNKNOWN_METHOD: 'WIREMACHINE_ERR_HTTP_UNKNOWN_METHOD',
  /** The request target has a byte outside visible ASCII, or is empty. */
  INVALID_URL: 'WIREMACHINE_ERR_HTTP_INVALID_URL',
  /** The request target is longer than `maxUrlLength`. */
  URI_TOO_LONG: 'WIREMACHINE_ERR_HTTP_URI_TOO_LONG',
  /** The protocol name is not `HTTP` (or `RTSP`, `ICE`), or the start line is malformed. */
  INVALID_CONSTANT: 'WIREMACHINE_ERR_HTTP_INVALID_CONSTANT',
  /** `DIGIT "." DIGIT` is malformed. */
  INVALID_VERSION: 'WIREMACHINE_ERR_HTTP_INVALID_VERSION',
  /** A well-formed version other than 0.9, 1.0 or 1.1 (`VERSION` lifts it). */
  UNSUPPORTED_VERSION: 'WIREMACHINE_ERR_HTTP_UNSUPPORTED_VERSION',
  /** The status code is not three digits, or the reason phrase has a bad byte. */
  INVALID_STATUS: 'WIREMACHINE_ERR_HTTP_INVALID_STATUS',
  /** A field name that is not a token, whitespace before the colon, or a bad byte in a value. */
  INVALID_HEADER_TOKEN: 'WIREMACHINE_ERR_HTTP_INVALID_HEADER_TOKEN',
  /** A field line starting with whitespace: obs-fold (RFC 9112 §5.2), or the first line after the start line. */
  OBS_FOLD: 'WIREMACHINE_ERR_HTTP_OBS_FOLD',
  /** LF without CR before it (RFC 9112 §2.2; `OPTIONAL_CR_BEFORE_LF` lifts it). */
  BARE_LF: 'WIREMACHINE_ERR_HTTP_BARE_LF',
  /** CR without LF after it (RFC 9112 §2.2; `OPTIONAL_LF_AFTER_CR` lifts it). */
  BARE_CR: 'WIREMACHINE_ERR_HTTP_BARE_CR',
  /** Content-Length is not a decimal number, or too large for a safe integer. */
  INVALID_CONTENT_LENGTH: 'WIREMACHINE_ERR_HTTP_INVALID_CONTENT_LENGTH',
  /** More than one Content-Length field (RFC 9112 §6.3 rule 5). */
  DUPLICATE_CONTENT_LENGTH: 'WIREMACHINE_ERR_HTTP_DUPLICATE_CONTENT_LENGTH',
  /** Transfer-Encoding with Content-Length, or a request coding that does not end in chunked (RFC 9112 §6.3). */
  INVALID_TRANSFER_ENCODING: 'WIREMACHINE_ERR_HTTP_INVALID_TRANSFER_ENCODING',
  /** A chunk size that is not hex digits, or followed by something other than extensions. */
  INVALID_CHUNK_SIZE: 'WIREMACHINE_ERR_HTTP_INVALID_CHUNK_SIZE',
  /** A chunk size larger than a safe integer. */
  CHUNK_SIZE_OVERFLOW: 'WIREMACHINE_ERR_HTTP_CHUNK_SIZE_OVERFLOW',
  /** A malformed chunk extension (RFC 9112 §7.1.1). */
  INVALID_CHUNK_EXTENSION: 'WIREMACHINE_ERR_HTTP_INVALID_CHUNK_EXTENSION',
  /** More chunk-extension bytes in one message than `maxChunkExtensionsSize`. */
  CHUNK_EXTENSIONS_OVERFLOW: 'WIREMACHINE_ERR_HTTP_CHUNK_EXTENSIONS_OVERFLOW',
  /** Chunk data not followed by CRLF. */
  INVALID_CHUNK_END: 'WIREMACHINE_ERR_HTTP_INVALID_CHUNK_END',
  /** The head (or trailer section) is larger than `maxHeadSize`. */
  HEADERS_OVERFLOW: 'WIREMACHINE_ERR_HTTP_HEADERS_OVERFLOW',
  /** More field lines than `maxHeaders`. */
  HEADERS_TOO_MANY: 'WIREMACHINE_ERR_HTTP_HEADERS_TOO_MANY',
  /** A body larger than `maxBodySize`. */
  BODY_TOO_LARGE: 'WIREMACHINE_ERR_HTTP_BODY_TOO_LARGE',
  /** Bytes after a message that closes the connection (`DATA_AFTER_CLOSE` ignores them). */
  CLOSED_CONNECTION: 'WIREMACHINE_ERR_HTTP_CLOSED_CONNECTION',
  /** An HTTP/1.1 request without a Host field, or with more than one (RFC 9112 §3.2); checked by the server. */
  INVALID_HOST: 'WIREMACHINE_ERR_HTTP_INVALID_HOST',
  /** The input ended inside a message. */
  INCOMPLETE: 'WIREMACHINE_ERR_HTTP_INCOMPLETE',
} as const;

/** One of the {@link Http1ErrorCode} values. */
export type Http1ErrorCode = (typeof Http1ErrorCode)[keyof typeof Http1ErrorCode];

/** The status a server answers each fault with (a client just closes). */
const STATUS: Record<string, number> = {
  [Http1ErrorCode.UNKNOWN_METHOD]: 501,
  [Http1ErrorCode.URI_TOO_LONG]: 414,
  [Http1ErrorCode.UNSUPPORTED_VERSION]: 505,
  [Http1ErrorCode.HEADERS_OVERFLOW]: 431,
  [Http1ErrorCode.HEADERS_TOO_MANY]: 431,
  [Http1ErrorCode.BODY_TOO_LARGE]: 413,
  [Http1ErrorCode.CHUNK_EXTENSIONS_OVERFLOW]: 413,
};

/**
 * An HTTP/1.x protocol fault. `code` is one of {@link Http1ErrorCode}; `offset`
 * is the stream offset of the offending byte, `state` the machine state,
 * `excerpt` up to 32 bytes from the offset; `status` is the response a server
 * should send (400, 413, 414, 431, 501 or 505).
 *
 * @example
 * ```ts
 * onError: (e) => socket.end(`HTTP/1.1 ${toHttp1Error(e).status} Bad Request\r\nConnection: close\r\n\r\n`)
 * ```
 */
export class Http1Error extends ProtocolError {
  static override readonly [ERROR_ID]: string = 'wiremachine:Http1Error';

  /** The HTTP status a server should answer with. */
  get status(): number {
    return STATUS[this.code] ?? 400;
  }
}

/** An {@link Http1Error} at byte `at` of `buf`, whose first byte is at stream offset `base`. */
export function http1Error(
  code: Http1ErrorCode,
  message: string,
  buf: Uint8Array,
  at: number,
  base: number,
  state: Http1StateName,
): Http1Error {
  const position: ErrorPosition = { offset: base + at, state, excerpt: buf.slice(at, at + 32) };
  return new Http1Error(code, message, position);
}

/** States whose reads have a `maxBytes` that stands for an HTTP limit. */
const OVERFLOW: Partial<Record<Http1StateName, Http1ErrorCode>> = {
  head: Http1ErrorCode.HEADERS_OVERFLOW,
  trailers: Http1ErrorCode.HEADERS_OVERFLOW,
  chunkSize: Http1ErrorCode.CHUNK_EXTENSIONS_OVERFLOW,
  chunkEnd: Http1ErrorCode.CHUNK_EXTENSIONS_OVERFLOW,
};

/**
 * Any error the HTTP/1.x machines' driver reports, as an {@link Http1Error}:
 * a read limit exceeded in the head becomes `HEADERS_OVERFLOW` (431), in a
 * chunk-size line `CHUNK_EXTENSIONS_OVERFLOW` (413); the input ending inside a
 * message becomes `INCOMPLETE`. Other errors keep their code (status 400).
 */
export function toHttp1Error(error: WiremachineError): Http1Error {
  if (error instanceof Http1Error) return error;
  const p = error as Partial<ProtocolError>;
  const position = { offset: p.offset ?? -1, state: p.state ?? '', excerpt: p.excerpt ?? new Uint8Array(0) };
  let code: string = error.code;
  if (code === ErrorCode.MAX_BYTES || code === ErrorCode.BUFFER_OVERFLOW) {
    code = OVERFLOW[position.state.split('.')[0] as Http1StateName] ?? Http1ErrorCode.BODY_TOO_LARGE;
  } else if (code === ErrorCode.STREAM_CLOSED) {
    code = Http1ErrorCode.INCOMPLETE;
  }
  return new Http1Error(code, error.message, position, { cause: error });
}
