/**
 * One request and its response on a client connection: the bytes of the
 * request head, and the timers and signal that may cancel it.
 *
 * @module
 */
import {
  type BodyInit,
  bodyLength,
  encodeMessage,
  fieldLine,
  forEachHeader,
  type HeadersInit,
  requestLine,
} from '../write-head.js';
import type { RequestBody, RequestOptions } from './options.js';
import type { ClientResponse } from './response.js';

/** Methods whose requests say nothing without a body, so that no framing is sent for them. */
const NO_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);
/** Methods a client may send again when a reused connection closed before answering (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** @internal */
export interface Exchange {
  readonly method: string;
  readonly options: RequestOptions;
  /** The head, and the body when it is given whole, as one buffer. */
  readonly first: Uint8Array;
  /** A streamed body, sent chunked after `first` (or raw with a Content-Length the caller set). */
  readonly stream: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> | null;
  readonly chunked: boolean;
  /** The request said `Connection: close`. */
  readonly close: boolean;
  /** It may be sent again on a fresh connection. */
  readonly replayable: boolean;
  resolve(res: ClientResponse): void;
  reject(error: unknown): void;
}

function isWhole(body: RequestBody): body is BodyInit {
  return typeof body === 'string' || body instanceof Uint8Array;
}

/** @internal Build the bytes of a request head (and of a body given whole). */
export function buildRequest(
  host: string,
  path: string,
  options: RequestOptions,
): Omit<Exchange, 'options' | 'resolve' | 'reject'> {
  const method = options.method ?? 'GET';
  const body = options.body;
  let head = requestLine(method, path);
  let hasHost = false;
  let hasLength = false;
  let hasEncoding = false;
  let close = false;
  forEachHeader(options.headers as HeadersInit | undefined, (n, v) => {
    head += fieldLine(n, v);
    const lower = n.toLowerCase();
    if (lower === 'host') hasHost = true;
    else if (lower === 'content-length') hasLength = true;
    else if (lower === 'transfer-encoding') hasEncoding = true;
    else if (lower === 'connection' && /(?:^|,)\s*close\s*(?:,|$)/i.test(v)) close = true;
  });
  if (!hasHost) head += fieldLine('Host', host);
  let whole: BodyInit | undefined;
  let stream: Exchange['stream'] = null;
  let chunked = false;
  if (body === undefined) {
    if (!hasLength && !hasEncoding && !NO_BODY.has(method)) head += 'Content-Length: 0\r\n';
  } else if (isWhole(body)) {
    whole = body;
    if (!hasLength && !hasEncoding) head += `Content-Length: ${bodyLength(body)}\r\n`;
  } else {
    stream = body;
    chunked = !hasLength;
    if (chunked && !hasEncoding) head += 'Transfer-Encoding: chunked\r\n';
  }
  return {
    method,
    first: encodeMessage(`${head}\r\n`, whole),
    stream,
    chunked,
    close,
    replayable: stream === null && IDEMPOTENT.has(method),
  };
}
